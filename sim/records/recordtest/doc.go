// Package recordtest holds the fixtures that the tests of the record
// readers (package records), of verification (package verify), of the
// probe and of the command share: small synthetic record files, helpers to
// compress, drain and fuzz them, and the regeneration of the committed
// record subsets from full recordings. It is for tests only.
package recordtest
