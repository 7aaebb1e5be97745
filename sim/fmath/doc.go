// Package fmath owns the transcendental functions of reproducible outputs
// (Exp, Log, Erf, Cos: the sweeps' input sampler, the experiments'
// summaries, the training simulator) in a form that gives the same bits on
// every CPU architecture.
//
// The standard library's Exp and Log run assembly on amd64 and arm64, and
// the compiler may fuse x*y+z into one FMA on arm64 (and amd64 at
// GOAMD64=v3), so math.Erf and friends can differ in the last bit between
// machines. Sweeps, experiments and training runs must be byte-identical
// everywhere, so these are the FreeBSD/Go algorithms (BSD licence, from
// Go's math package) with every product written as an explicit float64
// conversion, which forbids fusion. Accuracy is that of the originals: within one ulp.
package fmath
