// Package sweep owns GEMM error sweeps: a [Spec] (presets, accumulator
// widths, K, promotion intervals N_c, input distributions and scalings,
// shape, trials, seed) and its canonical list of groups; the input
// distributions and scalings ([Dists], [Scalings], copies of fixed lists); the one trial runner
// ([Spec.RunGroup]) that draws inputs, quantises them, computes the
// references and the GEMMs and measures their errors; running a sweep on a
// bounded worker pool, sharded and resumable ([Spec.Run], [DirStore]);
// results.csv ([Row], [WriteCSV], [ReadCSV]) and summary.json
// ([Summary]); merging shards ([Merge]); and the speed benchmark
// ([Bench]).
//
// A sweep's rows depend only on its spec: not on the number of workers,
// GOMAXPROCS, the shard layout or whether it was resumed.
package sweep
