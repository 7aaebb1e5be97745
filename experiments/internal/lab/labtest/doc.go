// Package labtest is the golden test every experiment runs: the reduced
// size (--short) must reproduce testdata/golden.csv byte for byte and the
// verdict line in testdata/golden_verdict.txt, and every output file must
// be written and readable. Regenerate the golden files with
//
//	go test ./experiments/<name> -update
package labtest
