// Package fit owns the search for a tensor-core datapath from hardware
// records alone: given records in any format tcsim verify reads, it finds
// every parameter set of tensorcore's model family (products per step L,
// steps per instruction and their interleave, fraction bits F, the final
// conversion and its width, the zero-term exponent, how C joins, the FP16
// path of FP8 mma.sync) that reproduces all of them bit for bit, which
// parameters the records leave undecided, and the existing presets with
// those parameters. It never reads GPU or preset names: records are grouped
// into families by what they are (instruction kind, accumulator format,
// operand width, K) and each family is fitted on its own. [Suggest] picks
// new input vectors that split the candidates the records leave.
package fit
