package lab

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tcsim/tcsim/sim/atomicfile"
)

// Config is what an experiment gets from its command line.
type Config struct {
	// Short selects the reduced size of the golden tests.
	Short bool
	// Reduced selects the reduced study of an experiment made of jobs
	// (minutes instead of an hour); the others have no such size.
	Reduced bool
	// Shard and Shards run only shard Shard of Shards of an experiment
	// made of jobs (Shards <= 1: all of it).
	Shard, Shards int
	// Store is the directory where an experiment made of jobs keeps each
	// finished job, so that a rerun resumes and shards can be merged; ""
	// keeps them in memory.
	Store string
	// Build identifies the tool build; stored jobs of another build are
	// not mixed with this one's.
	Build string
	// Progress, when set, receives a line per finished job.
	Progress io.Writer
}

// Result is everything an experiment reports.
type Result struct {
	Name  string // the directory name, e.g. "deepseek2pct"
	Title string
	// Claim is the statement under test, one or two sentences.
	Claim string
	// Verdict is one line: "holds", "does not hold" or "holds only
	// when ...", followed by the numbers that decide it. It must be
	// computed from the measured values.
	Verdict string
	// Setup lists how the numbers were obtained (one markdown bullet each).
	Setup []string
	// Body is markdown: the measured numbers, tables, remarks.
	Body    string
	Data    *Table
	Figures []*Figure
	// Size, when set, describes the size of the run in summary.md
	// instead of "full size" or the golden test's reduced size.
	Size string
}

// Summary renders summary.md.
func (r *Result) Summary(short bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", r.Title)
	fmt.Fprintf(&b, "**Claim.** %s\n\n", r.Claim)
	fmt.Fprintf(&b, "**Verdict: %s**\n\n", r.Verdict)
	b.WriteString("## Setup\n\n")
	for _, s := range r.Setup {
		fmt.Fprintf(&b, "- %s\n", s)
	}
	size := "full size"
	if short {
		size = "REDUCED size (--short, the golden test's size; the numbers are noisier)"
	}
	if r.Size != "" {
		size = r.Size
	}
	fmt.Fprintf(&b, "- Run: `tcsim experiments run %s` (%s). Fixed seed; the outputs are identical for any GOMAXPROCS.\n\n", r.Name, size)
	b.WriteString("## Results\n\n")
	b.WriteString(strings.TrimSpace(r.Body))
	b.WriteString("\n\n")
	if len(r.Figures) > 0 {
		b.WriteString("## Figures\n\n")
		for _, f := range r.Figures {
			fmt.Fprintf(&b, "![%s](%s)\n\n", f.Title, f.File)
		}
	}
	fmt.Fprintf(&b, "All numbers are in `data.csv` (%d rows).\n", len(r.Data.Rows))
	return b.String()
}

// Write writes data.csv, the figures and summary.md into dir, each
// atomically, and returns the paths written.
func (r *Result) Write(dir string, short bool) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	put := func(name string, data []byte) error {
		p := filepath.Join(dir, name)
		paths = append(paths, p)
		return atomicfile.WriteFile(p, data)
	}
	var csv bytes.Buffer
	if err := r.Data.WriteCSV(&csv); err != nil {
		return nil, err
	}
	if err := put("data.csv", csv.Bytes()); err != nil {
		return nil, err
	}
	for _, f := range r.Figures {
		png, err := f.PNG()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f.File, err)
		}
		if err := put(f.File, png); err != nil {
			return nil, err
		}
	}
	if err := put("summary.md", []byte(r.Summary(short))); err != nil {
		return nil, err
	}
	return paths, nil
}
