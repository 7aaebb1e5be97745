package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/tcsim/tcsim/tensorcore"
)

// version is the release; builds may set it with
// -ldflags "-X main.version=v1.2.3".
var version = "v0.1.0-dev"

// command is one subcommand: its name, a one-line summary for 'tcsim help',
// and its testable core.
type command struct {
	name    string
	summary string
	run     func(stdout, stderr io.Writer, args []string) int
}

// commands lists the subcommands in the order 'tcsim help' shows them.
// Adding one is one entry here.
var commands []command

func init() {
	commands = []command{
		{"sweep", "sweep GEMM error over K, N_c, inputs and scaling; write CSV, JSON and figures", runSweep},
		{"plot", "redraw a sweep's figures from its results.csv", runPlot},
		{"merge", "join the outputs of a sharded sweep", runMerge},
		{"verify", "check the model bit for bit against recorded hardware outputs", runVerify},
		{"fit", "find the datapath parameters that reproduce a GPU's records", runFit},
		{"presets", "list the datapath presets, their parameters and validation", runPresets},
		{"gemm", "simulate a GEMM on your own tensors (.npy, safetensors, FP8 checkpoints)", runGEMM},
		{"train", "train a small GPT with every Linear GEMM on a simulated datapath", runTrain},
		{"bench", "time a simulated GEMM against a float64 GEMM of the same shape", runBench},
		{"experiments", "list the reproducible experiments on FP8 accumulation, or run one", runExperiments},
		{"version", "print the version", runVersion},
		{"help", "show the commands, or one command's help", runHelp},
	}
}

func main() { os.Exit(run(os.Stdout, os.Stderr, os.Args[1:])) }

// run dispatches to a subcommand and returns the exit status: 0 ok, 1 a
// runtime failure (including a verification mismatch), 2 a usage error or
// malformed input.
func run(stdout, stderr io.Writer, args []string) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	if err := tensorcore.KernelErr(); err != nil {
		fmt.Fprintf(stderr, "tcsim: %v\n", err)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "-help":
		usage(stdout)
		return 0
	case "--version", "-version":
		return runVersion(stdout, stderr, nil)
	}
	if c := lookup(args[0]); c != nil {
		return c.run(stdout, stderr, args[1:])
	}
	fmt.Fprintf(stderr, "tcsim: unknown command %q (see 'tcsim help')\n", args[0])
	return 2
}

func lookup(name string) *command {
	for i := range commands {
		if commands[i].name == name {
			return &commands[i]
		}
	}
	return nil
}

func usage(w io.Writer) {
	var b strings.Builder
	b.WriteString("tcsim is a bit-exact simulator of GPU tensor-core accumulation.\n\n")
	b.WriteString("Usage:\n\n  tcsim <command> [flags] [arguments]\n\nCommands:\n\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'tcsim help <command>' for a command's flags and examples.\n")
	io.WriteString(w, b.String())
}

const helpHelp = `Usage: tcsim help [COMMAND]

Without a command, list the commands; with one, show its usage, flags and
examples (the same as 'tcsim COMMAND --help').

Examples:
  tcsim help
  tcsim help sweep
`

func runHelp(stdout, stderr io.Writer, args []string) int {
	switch {
	case len(args) == 0:
		usage(stdout)
		return 0
	case len(args) > 1:
		return usageError(stderr, "help", "too many arguments")
	case args[0] == "help" || args[0] == "--help" || args[0] == "-h":
		io.WriteString(stdout, helpHelp)
		return 0
	}
	if c := lookup(args[0]); c != nil {
		return c.run(stdout, stderr, []string{"--help"})
	}
	fmt.Fprintf(stderr, "tcsim help: unknown command %q (see 'tcsim help')\n", args[0])
	return 2
}

func runVersion(stdout, stderr io.Writer, args []string) int {
	if len(args) > 0 && args[0] != "--help" && args[0] != "-h" {
		return usageError(stderr, "version", "takes no arguments")
	}
	if len(args) > 0 {
		fmt.Fprintln(stdout, "Usage: tcsim version\n\nPrints the tcsim version, with the VCS revision when the build records one.")
		return 0
	}
	fmt.Fprintln(stdout, "tcsim "+versionString())
	return 0
}

// versionString is the version plus the VCS revision of the build, if any.
func versionString() string {
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			v += " (" + rev + dirty + ")"
		}
	}
	return v
}

// buildID identifies this binary for resuming and merging, where outputs
// of two builds must not mix: the version and VCS revision, and for a
// build with local changes or without a recorded revision, a hash of the
// executable as well.
var buildID = sync.OnceValue(func() string {
	v := versionString()
	if strings.Contains(v, "(") && !strings.Contains(v, "+dirty") {
		return v
	}
	exe, err := os.Executable()
	if err != nil {
		return v
	}
	f, err := os.Open(exe)
	if err != nil {
		return v
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return v
	}
	return v + " exe " + hex.EncodeToString(h.Sum(nil)[:8])
})
