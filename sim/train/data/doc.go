// Package data owns the training simulator's text data: loading a text
// file as byte-level tokens (the default is the Opticks text every Go
// installation ships), the fixed train/validation split, and the
// deterministic order in which training batches and validation sequences
// are drawn, documented so that other frameworks can reproduce it (or read
// it back from an exported file).
package data
