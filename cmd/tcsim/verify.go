package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
	"github.com/tcsim/tcsim/sim/verify"
)

const verifyHelp = `Usage: tcsim verify [flags] PATH...

Verify the simulator bit for bit against recorded hardware outputs. Each PATH
is a record file or a directory, searched recursively for:

  instruction files   *.csv[.gz] whose header begins config,a_hex,b_hex,c_hex,d_hex
  chain/promotion     chain_inputs and/or promo_inputs with multi_outputs
  scaled promotion    promo_scaled_inputs with promo_scaled_outputs
  cuBLAS GEMMs        gemm_cases (split-K slice counts are inferred)
  Khattak–Mikaitis    <GPU>/<fmt>/a_*, b_*, c_*, d_*.txt[.gz] (other GPUs; the
                      preset is picked from the folder names, see 'tcsim presets')

Files may be gzip-compressed or plain. Other files in a directory are
ignored; a file named explicitly must be one of these.

For each file it prints one line per configuration with the number of
records (output elements) and mismatches, lists the first mismatches in hex,
and ends with the line "verified N records, M mismatches". With --json it
prints the same as one JSON object instead: records, mismatches, ok, and
groups (file, inputs, name, records, mismatches, listed: file, line, where,
inputs, expected, got).

Exit status: 0 when N > 0 and M = 0; 1 on any mismatch or when no record was
found; 2 on a usage error or unreadable or malformed input (named by file and
line).

Flags:
%s
Examples:
  # the committed subset of the H100 recordings
  tcsim verify testdata/h100

  # the full recordings, listing up to 20 mismatches per configuration
  tcsim verify --max-mismatches 20 ../shared/hw/h100

  # the published V100...B200 records (or their subset in testdata/km)
  tcsim verify ../shared/hw/km

  # one file
  tcsim verify testdata/h100/inst_mma.csv.gz

  # a machine-readable report
  tcsim verify --json testdata/km > verify.json
`

func runVerify(stdout, stderr io.Writer, args []string) int {
	fs := pflag.NewFlagSet("verify", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	maxListed := fs.Int("max-mismatches", verify.DefaultMaxListed, "list at most `N` mismatches per configuration (0: none)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if code, ok := parseFlags(fs, args, stdout, stderr, func() string { return fmt.Sprintf(verifyHelp, fs.FlagUsages()) }); !ok {
		return code
	}
	if *maxListed < 0 {
		return usageError(stderr, "verify", fmt.Sprintf("--max-mismatches %d: must be at least 0", *maxListed))
	}
	if fs.NArg() == 0 {
		return usageError(stderr, "verify", "no PATH given")
	}
	rep, err := verify.Verify(fs.Args(), verify.Options{MaxListed: *maxListed})
	if err != nil {
		fmt.Fprintf(stderr, "tcsim verify: %v\n", err)
		return 2
	}
	write := rep.WriteText
	if *asJSON {
		write = rep.WriteJSON
	}
	if err := write(stdout); err != nil {
		fmt.Fprintf(stderr, "tcsim verify: %v\n", err)
		return 1
	}
	n, m := rep.Totals()
	if !*asJSON {
		fmt.Fprintf(stdout, "verified %d records, %d mismatches\n", n, m)
	}
	switch {
	case n == 0:
		fmt.Fprintf(stderr, "tcsim verify: no records found in %s\n", strings.Join(fs.Args(), " "))
		return 1
	case m > 0:
		return 1
	}
	return 0
}

// parseFlags parses a command's flags. When the command must stop it
// returns ok = false and the exit status: 0 after printing help() for
// --help, 2 after a one-line usage error.
func parseFlags(fs *pflag.FlagSet, args []string, stdout, stderr io.Writer, help func() string) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, pflag.ErrHelp):
		io.WriteString(stdout, help())
		return 0, false
	}
	return usageError(stderr, fs.Name(), err.Error()), false
}

// usageError prints a one-line error with a pointer to the help (unless
// it already points somewhere), and returns 2.
func usageError(stderr io.Writer, cmd, msg string) int {
	if !strings.Contains(msg, "(see '") {
		msg += fmt.Sprintf(" (see 'tcsim %s --help')", cmd)
	}
	fmt.Fprintf(stderr, "tcsim %s: %s\n", cmd, msg)
	return 2
}
