// Command tcsim is a bit-exact simulator of GPU tensor-core accumulation.
//
// Usage:
//
//	tcsim <command> [flags] [arguments]
//
// Run 'tcsim help' for the list of commands and 'tcsim help <command>' (or
// 'tcsim <command> --help') for one command's flags and examples.
package main
