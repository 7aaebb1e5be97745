// Package safetensors reads and writes the safetensors tensor file format
// (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length N, N bytes of JSON describing every tensor's dtype, shape and byte
// range, optional free-form "__metadata__" strings, then the raw
// little-endian, C-ordered tensor data.
//
// [Write] produces the same bytes as the reference implementation: tensors
// ordered by descending dtype width then by name, compact JSON with
// "__metadata__" first, and the header padded with spaces to a multiple of
// 8 bytes so every tensor starts aligned.
//
// [Read], [Decode] and [Open] validate a file completely before returning:
// the header length against [Limits] and the file size, the JSON (no
// duplicate names, known dtypes, complete tensor entries), shape products
// without overflow, byte sizes equal to shape × dtype width, and byte ranges
// that tile the data section exactly, as the reference requires. Nothing is
// allocated beyond what the file's actual length justifies.
package safetensors
