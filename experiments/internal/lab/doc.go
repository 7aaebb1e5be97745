// Package lab is the shared harness of the experiments: the result of an
// experiment (data table, figures, summary), the files it writes, and
// figures described as panels of series, drawn with package plots' layout.
// The GEMMs themselves run on the sweeps' trial runner ([sweep.Trials]),
// so an experiment's numbers are those a sweep would give.
//
// An experiment is a function Run(ctx, Config) (*Result, error), listed in
// package experiments; 'tcsim experiments run NAME' runs it and writes
// <out>/data.csv, <out>/*.png and <out>/summary.md ([Result.Write]).
// Everything written is deterministic: the same flags give the same bytes
// on one machine (PNG pixels may differ across CPU architectures; the
// numbers do not).
package lab
