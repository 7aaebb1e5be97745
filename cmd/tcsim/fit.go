package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/pflag"

	"github.com/tcsim/tcsim/sim/fit"
)

const fitHelp = `Usage: tcsim fit [flags] PATH...
       tcsim fit --suggest N --out DIR [flags] PATH...

Discover a GPU's accumulation datapath from its records alone. Each PATH is
a record file or a directory searched recursively for instruction files
(header config,a_hex,b_hex,c_hex,d_hex) and Khattak–Mikaitis folders
(<GPU>/<fmt>/a_*, b_*, c_*, d_*.txt[.gz]); the chained wgmma outputs of
chain_inputs with multi_outputs join the wgmma instruction records, and
promotion and GEMM files (GEMM-level records) are skipped. GPU and preset names in them are ignored: records are grouped
into families by instruction kind, accumulator, operand width and K, and
each family is fitted on its own over tensorcore's model family:

  datapath    nv-fused (the truncated fused step of NVIDIA tensor cores, with
              the parameters below), amd-pairwise (CDNA1/2: FP32 trees over
              groups of L, flush = CDNA2's subnormal flushing) or amd-fused-rd
              (CDNA3: groups of L fused with 24 bits, joined with C rounding
              down; odd_even = the FP8 two-stage form); docs/amd.md
  L           products fused per step (a power of two dividing K)
  steps       K/L chained steps per instruction; interleave: which step a
              product goes to, (k/interleave) mod steps, or contiguous
  F           fraction bits kept after alignment to e_max (truncation)
  conversion  final conversion: rz-e8m<b> (truncated to b+1 bits), rz-fp32,
              rne-fp16 (FP16 accumulators)
  zero_exp    exponent of zero terms: none, -126, -131, -132, -133
  c_join      fused (C is a term of the first step), or a separate
              round-to-nearest fp32-add / fp16-add after the steps
  via         f16: FP8 operands converted to FP16 first (mma.sync FP8)
  c_input     K–M records only: C as recorded, or zero (a harness run with
              C = 0 beside a c file)

For each family it prints every parameter set reproducing 100%% of the
records, the existing presets with those parameters, the parameters the
records leave undecided and the nearest presets; when nothing matches fully,
the closest sets, their match rate and where the mismatches are (by record
group and by the highest differing bit).

--json prints, per family, {"family", "records", "searched", "candidates":
[{"params": {...}, "matched", "presets": [...]}], "undecided": [...],
"undecided_values", "best", "mismatches", "nearest_presets"}: one object for
one family, an array of them for several.

--suggest N writes DIR/fit_suggest.csv: N input vectors per family in the
instruction-record format (config,a_hex,b_hex,c_hex,d_hex,dist) with d_hex
empty, chosen so that the candidates left disagree on them, ready for a probe
harness. Families from K–M records have no instruction kind; their rows say
"mma" and hold the records' K products.

Exit status: 0 when every family has a parameter set reproducing all its
records; 1 when some family has none; 2 on a usage error or unreadable or
malformed input; 130 when interrupted (Ctrl-C stops at once).

Flags:
%s
Examples:
  # which datapath do these H100 instruction records come from?
  tcsim fit testdata/h100/inst_mma.csv.gz

  # every published K–M folder, as JSON
  tcsim fit --json testdata/km

  # 16 more input vectors to settle what the records leave open
  tcsim fit --suggest 16 --out probe-in testdata/km/A100/bf16
`

func runFit(stdout, stderr io.Writer, args []string) int {
	fs := pflag.NewFlagSet("fit", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	suggest := fs.Int("suggest", 0, "write `N` input vectors per family that split the candidates left (needs --out)")
	out := fs.String("out", "", "directory for --suggest's fit_suggest.csv")
	seed := fs.Uint64("seed", 1, "random seed of --suggest")
	if code, ok := parseFlags(fs, args, stdout, stderr, func() string { return fmt.Sprintf(fitHelp, fs.FlagUsages()) }); !ok {
		return code
	}
	switch {
	case fs.NArg() == 0:
		return usageError(stderr, "fit", "no PATH given")
	case *suggest < 0 || *suggest > 100000:
		return usageError(stderr, "fit", fmt.Sprintf("--suggest %d: must be in [1, 100000]", *suggest))
	case *suggest > 0 && *out == "":
		return usageError(stderr, "fit", "--suggest needs --out DIR")
	case *suggest == 0 && fs.Changed("out"):
		return usageError(stderr, "fit", "--out is only for --suggest")
	}
	if *suggest > 0 {
		if st, err := os.Stat(*out); err == nil && !st.IsDir() {
			return usageError(stderr, "fit", fmt.Sprintf("--out %s: not a directory", *out))
		}
	}
	fams, skipped, err := fit.Load(fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "tcsim fit: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	interrupted := func(err error) int {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "tcsim fit: interrupted")
			return 130
		}
		fmt.Fprintf(stderr, "tcsim fit: %v\n", err)
		return 1
	}
	results := make([]*fit.Result, len(fams))
	for i, f := range fams {
		if results[i], err = fit.Fit(ctx, f, fit.Options{}); err != nil {
			return interrupted(err)
		}
	}
	if *suggest > 0 {
		var rows []fit.SuggestRow
		for _, r := range results {
			rs, err := fit.Suggest(ctx, r, *suggest, *seed)
			if err != nil {
				return interrupted(err)
			}
			rows = append(rows, rs...)
		}
		path, err := fit.WriteSuggestions(*out, rows)
		if err != nil {
			fmt.Fprintf(stderr, "tcsim fit: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "wrote %d input vectors to %s\n", len(rows), path)
		return 0
	}
	if *asJSON {
		var v any
		if len(results) == 1 {
			v = results[0].JSON()
		} else {
			js := make([]fit.JSON, len(results))
			for i, r := range results {
				js[i] = r.JSON()
			}
			v = js
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			fmt.Fprintf(stderr, "tcsim fit: %v\n", err)
			return 1
		}
		if _, err := stdout.Write(append(b, '\n')); err != nil {
			return 1
		}
	} else {
		var b strings.Builder
		for _, p := range skipped {
			fmt.Fprintf(&b, "skipped %s: not single-instruction records\n", p)
		}
		for _, r := range results {
			if err := r.WriteText(&b); err != nil {
				return 1
			}
		}
		if _, err := io.WriteString(stdout, b.String()); err != nil {
			return 1
		}
	}
	for _, r := range results {
		if len(r.Candidates) == 0 {
			return 1
		}
	}
	return 0
}
