package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/pflag"

	"github.com/tcsim/tcsim/tensorcore"
)

const presetsHelp = `Usage: tcsim presets [flags] [NAME...]

List the tensor-core datapath presets: name, GPU, input and accumulator
formats, instruction K, products fused per step L, fraction bits F, the
final rounding of each step, validation status, and the PTX instruction.

The status is the hardware records each preset reproduces bit for bit
(matched/total and the record set: "km ..." are the Khattak–Mikaitis
records, "h100 ..." this project's H100 recordings, both described in
docs/records.md; the tests recompute every count), or "published, unverified" for a published
model no record here checks, or "unverified" for this project's
extrapolation of a measured model.

With NAMEs, prints every detail of those presets instead.

Flags:
%s
Examples:
  # every preset
  tcsim presets

  # the Ampere presets
  tcsim presets --gpu A100

  # one preset in full
  tcsim presets b200-mma-e4m3-e4m3

  # machine-readable, for scripts
  tcsim presets --json
`

func runPresets(stdout, stderr io.Writer, args []string) int {
	fs := pflag.NewFlagSet("presets", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	gpu := fs.String("gpu", "", "only the presets of this `GPU` (A100, H100, ...; case-insensitive)")
	asJSON := fs.Bool("json", false, "print JSON (one array of objects) instead of a table")
	if code, ok := parseFlags(fs, args, stdout, stderr, func() string { return fmt.Sprintf(presetsHelp, fs.FlagUsages()) }); !ok {
		return code
	}
	var ps []*tensorcore.Preset
	for _, name := range fs.Args() {
		p, err := tensorcore.Lookup(name)
		if err != nil {
			return usageError(stderr, "presets", err.Error())
		}
		ps = append(ps, p)
	}
	if len(ps) == 0 {
		ps = tensorcore.Presets()
	}
	if *gpu != "" {
		ps = slices.DeleteFunc(ps, func(p *tensorcore.Preset) bool { return !strings.EqualFold(p.GPU, tensorcore.CanonicalGPU(*gpu)) })
		if len(ps) == 0 {
			var gpus []string
			for _, p := range tensorcore.Presets() {
				if !slices.Contains(gpus, p.GPU) {
					gpus = append(gpus, p.GPU)
				}
			}
			return usageError(stderr, "presets", fmt.Sprintf("--gpu %s: no preset (GPUs: %s)", *gpu, strings.Join(gpus, ", ")))
		}
	}
	var err error
	switch {
	case *asJSON:
		err = writePresetsJSON(stdout, ps)
	case fs.NArg() > 0:
		err = writePresetDetails(stdout, ps)
	default:
		err = writePresetTable(stdout, ps)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tcsim presets: %v\n", err)
		return 1
	}
	return 0
}

// presetInputs is "a×b", with the format the datapath converts them to.
func presetInputs(p *tensorcore.Preset) string {
	s := p.A.Name() + "×" + p.B.Name()
	if p.Via != nil {
		s += " as " + p.Via.Name()
	}
	return s
}

// presetStatus is the validation status: the record counts, else Status.
func presetStatus(p *tensorcore.Preset) string {
	if len(p.Verified) == 0 {
		return p.Status.String()
	}
	parts := make([]string, len(p.Verified))
	for i, v := range p.Verified {
		parts[i] = v.String()
	}
	return strings.Join(parts, "; ")
}

// presetSteps describes how the instruction's products form steps and how
// C enters, where that is not one plain step or chain.
func presetSteps(p *tensorcore.Preset) string {
	var notes []string
	if n := p.K / p.L; n > 1 {
		s := fmt.Sprintf("%d chained steps", n)
		if p.Interleave != p.L {
			s += fmt.Sprintf(" over k interleaved by %d", p.Interleave)
		}
		notes = append(notes, s)
	}
	if p.SeparateC {
		notes = append(notes, fmt.Sprintf("steps from +0, then C added in %s (round to nearest)", p.Acc()))
	}
	if s := p.Scale; s != nil {
		b := fmt.Sprintf("block-scaled: one %s scale per %d operands", s.Format, s.Block)
		if s.Group > 1 {
			b += fmt.Sprintf(", groups of %d summed exactly", s.Group)
		}
		notes = append(notes, b)
	}
	return strings.Join(notes, "; ")
}

func writePresetTable(w io.Writer, ps []*tensorcore.Preset) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tGPU\tINPUTS\tACC\tK\tL\tF\tROUNDING\tSTATUS\tINSTRUCTION")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", p.Name, p.GPU, presetInputs(p), p.Acc(),
			p.K, p.L, p.F, p.Rounding(), presetStatus(p), p.Instr)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	measured := 0
	for _, p := range ps {
		if p.Status == tensorcore.Measured {
			measured++
		}
	}
	if _, err := fmt.Fprintf(w, "%d presets, %d measured on hardware records\n", len(ps), measured); err != nil {
		return err
	}
	for _, a := range tensorcore.Aliases() {
		if !slices.ContainsFunc(ps, func(p *tensorcore.Preset) bool { return p.GPU == a.Of }) {
			continue
		}
		lo := strings.ToLower
		if _, err := fmt.Fprintf(w, "%s: alias of %s (%s-<rest> names the preset %s-<rest>)\n", a.GPU, a.Of, lo(a.GPU), lo(a.Of)); err != nil {
			return err
		}
	}
	return nil
}

func writePresetDetails(w io.Writer, ps []*tensorcore.Preset) error {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('\n')
		}
		field := func(k, v string) {
			if v != "" {
				fmt.Fprintf(&b, "  %-12s %s\n", k+":", v)
			}
		}
		b.WriteString(p.Name + "\n")
		field("GPU", p.GPU)
		field("instruction", p.Instr)
		field("description", p.Description)
		field("inputs", presetInputs(p))
		field("accumulator", p.Acc().Name())
		field("K", fmt.Sprint(p.K))
		field("L", fmt.Sprint(p.L))
		field("F", fmt.Sprint(p.F))
		field("rounding", p.Rounding())
		field("zero exp", fmt.Sprint(p.ZeroExp))
		field("steps", presetSteps(p))
		field("source", p.Source)
		field("status", p.Status.String())
		for _, v := range p.Verified {
			field("verified", v.String())
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// presetJSON is the JSON form of a preset.
type presetJSON struct {
	Name        string                    `json:"name"`
	GPU         string                    `json:"gpu"`
	Instruction string                    `json:"instruction"`
	Description string                    `json:"description"`
	A           string                    `json:"a"`
	B           string                    `json:"b"`
	Via         string                    `json:"via,omitempty"`
	Acc         string                    `json:"acc"`
	K           int                       `json:"k"`
	L           int                       `json:"l"`
	F           int                       `json:"f"`
	Rounding    string                    `json:"rounding"`
	ZeroExp     int                       `json:"zero_exp"`
	Interleave  int                       `json:"interleave"`
	SeparateC   bool                      `json:"separate_c"`
	Scale       *scaleJSON                `json:"block_scale,omitempty"`
	Source      string                    `json:"source"`
	Status      string                    `json:"status"`
	Verified    []tensorcore.Verification `json:"verified"`
}

type scaleJSON struct {
	Format string `json:"format"`
	Block  int    `json:"block"`
	Group  int    `json:"group"`
}

func writePresetsJSON(w io.Writer, ps []*tensorcore.Preset) error {
	out := make([]presetJSON, len(ps))
	for i, p := range ps {
		j := presetJSON{Name: p.Name, GPU: p.GPU, Instruction: p.Instr, Description: p.Description,
			A: p.A.Name(), B: p.B.Name(), Acc: p.Acc().Name(), K: p.K, L: p.L, F: p.F, Rounding: p.Rounding(),
			ZeroExp: p.ZeroExp, Interleave: p.Interleave, SeparateC: p.SeparateC,
			Source: p.Source, Status: p.Status.String(), Verified: p.Verified}
		if p.Via != nil {
			j.Via = p.Via.Name()
		}
		if j.Verified == nil {
			j.Verified = []tensorcore.Verification{}
		}
		if s := p.Scale; s != nil {
			j.Scale = &scaleJSON{Format: s.Format.Name(), Block: s.Block, Group: s.Group}
		}
		out[i] = j
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
