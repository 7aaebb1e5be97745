package sweep

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tcsim/tcsim/sim/parallel"
	"github.com/tcsim/tcsim/tensorcore"
)

// checkRepeats refuses a value given twice on one axis: the sweep would
// compute the point twice and its outputs could not be merged.
func (s *Spec) checkRepeats() error {
	ncs := make([]string, len(s.Nc))
	for i, nc := range s.Nc {
		ncs[i] = NcLabel(nc)
	}
	for _, ax := range []struct {
		flag string
		vals []string
	}{
		{"--preset", s.Presets}, {"--fbits", itoas(s.FBits)}, {"--k", itoas(s.K)}, {"--nc", ncs},
		{"--dist", s.Dists}, {"--scaling", s.Scalings},
	} {
		seen := map[string]bool{}
		for _, v := range ax.vals {
			if seen[v] {
				return fmt.Errorf("%s: %s is given twice", ax.flag, v)
			}
			seen[v] = true
		}
	}
	return nil
}

func itoas(v []int) []string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return s
}

// Skipped lists, one note per preset, the N_c values of the spec that
// are skipped for that preset because they are not multiples of its
// instruction K.
func (s *Spec) Skipped() []string {
	var notes []string
	for _, name := range s.Presets {
		p, err := tensorcore.Lookup(name)
		if err != nil {
			continue
		}
		var skip []string
		for _, nc := range s.Nc {
			if nc%p.K != 0 {
				skip = append(skip, NcLabel(nc))
			}
		}
		if len(skip) > 0 {
			notes = append(notes, fmt.Sprintf("N_c = %s skipped for %s (not a multiple of its instruction K = %d)",
				strings.Join(skip, ", "), p.Name, p.K))
		}
	}
	return notes
}

// Shard returns the groups of shard i of n (all of gs for n <= 1), in
// canonical order. Groups are dealt by estimated cost ([Spec.Work]),
// largest first, each to the shard with the least work so far (ties: the
// lowest shard), so n shards take close to 1/n of the time each. The
// assignment depends only on the spec and n.
func (s *Spec) Shard(gs []Group, i, n int) []Group {
	return parallel.Share(gs, s.Work, i, n)
}

// Memory estimates, in bytes, the most memory one group of gs takes while
// it runs with workers computing goroutines: its operands (float64
// inputs, codes, decoded vectors), per-output references and results, and
// the metrics' working space, doubled for the garbage collector's
// headroom. It is a bound, not a guess: TestMemoryEstimate measures it.
// An operand element takes up to 48 bytes across its forms: block-scaled
// presets (NVFP4, MX) add per-block scales and decoded copies to the 32
// of the others, and undercounting them let a group exceed the estimate;
// an output takes up to 80 bytes besides its 4 per promotion interval.
func (s *Spec) Memory(g Group, workers int) float64 {
	ops := float64(s.M+s.N) * float64(g.K) * 48
	outs := float64(s.M) * float64(s.N) * float64(s.Trials) * float64(80+4*len(g.Nc))
	return 2*(ops+outs+16*float64(g.K)*float64(workers)) + baseMemory
}

// baseMemory is what the process takes besides the groups.
const baseMemory = 64 << 20

// PeakMemory estimates the most memory a run of gs on jobs workers
// takes: the jobs largest groups at once.
func (s *Spec) PeakMemory(gs []Group, jobs int) float64 {
	mem := make([]float64, len(gs))
	for i, g := range gs {
		mem[i] = s.Memory(g, jobs) - baseMemory
	}
	slices.Sort(mem)
	peak := float64(baseMemory)
	for i := len(mem) - 1; i >= 0 && i >= len(mem)-jobs; i-- {
		peak += mem[i]
	}
	return peak
}

// CheckMemory refuses a run of gs on jobs workers that would need more
// than avail bytes, in one line saying how much it needs.
func (s *Spec) CheckMemory(gs []Group, jobs int, avail float64) error {
	need := s.PeakMemory(gs, jobs)
	if need <= avail {
		return nil
	}
	big := gs[0]
	for _, g := range gs {
		if s.Memory(g, jobs) > s.Memory(big, jobs) {
			big = g
		}
	}
	one := ""
	if jobs > 1 && len(gs) > 1 {
		one = fmt.Sprintf(" (%d groups at once; the largest, K = %d, alone needs %s)", min(jobs, len(gs)), big.K, Bytes(s.Memory(big, 1)))
	}
	return fmt.Errorf("needs about %s of memory%s, %s available: lower --m, --n, --k, --trials or --jobs",
		Bytes(need), one, Bytes(avail))
}

// Bytes formats a byte count for people: "1.5 GiB".
func Bytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f B", b)
	}
	return fmt.Sprintf("%.3g %s", b, units[i])
}

// AvailableMemory is the memory the system can give a new run, in bytes:
// MemAvailable of /proc/meminfo on Linux; elsewhere, or if that cannot be
// read, 4 GiB.
func AvailableMemory() float64 {
	const fallback = 4 << 30
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return fallback
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			if err == nil && kb > 0 {
				return kb * 1024
			}
		}
	}
	return fallback
}

// EstimateSeconds estimates the wall time of a run of gs on jobs
// workers: each distinct datapath is timed on groups like those of gs
// (the sweep itself is not computed), and the work ([Spec.Work]) of gs is
// divided by that rate and by the workers this machine can run at once.
// The rate is of CPU time, so the estimate is for an idle machine; it is
// rough: much larger M and N change the rate.
func (s *Spec) EstimateSeconds(ctx context.Context, gs []Group, jobs int) (float64, error) {
	byPreset := map[*tensorcore.Preset][]Group{}
	for _, g := range gs {
		byPreset[g.Preset] = append(byPreset[g.Preset], g)
	}
	rate := map[*tensorcore.Preset]float64{}
	var total float64
	for _, g := range gs {
		r, ok := rate[g.Preset]
		if !ok {
			var err error
			if r, err = s.calibrate(ctx, byPreset[g.Preset]); err != nil {
				return 0, err
			}
			rate[g.Preset] = r
		}
		total += s.Work(g) / r
	}
	return total / float64(max(1, min(jobs, runtime.GOMAXPROCS(0), len(gs)))), nil
}

// calibrate returns the work units per second of one worker on groups
// like gs (of one datapath): it times one trial of ever larger groups,
// M = N = 16, 32, 64 (at most the spec's) at the smallest K, then larger
// K, until one takes 0.2 s of CPU time, and returns the rate of the last.
func (s *Spec) calibrate(ctx context.Context, gs []Group) (float64, error) {
	g := gs[0]
	for _, h := range gs {
		if h.K < g.K {
			g = h
		}
	}
	type size struct{ m, n int }
	var sizes []size
	for _, mn := range []int{16, 32, 64} {
		sizes = append(sizes, size{min(s.M, mn), min(s.N, mn)})
	}
	ctx = parallel.WithLimit(ctx, 1)
	var rate float64
	// i = -1 warms up (the datapath's tables are built on first use).
	for i := -1; ; i++ {
		t := *s
		t.Trials = 1
		if i < len(sizes) {
			t.M, t.N = sizes[max(i, 0)].m, sizes[max(i, 0)].n
		} else {
			t.M, t.N = sizes[len(sizes)-1].m, sizes[len(sizes)-1].n
			next := g
			for _, h := range gs {
				if h.K > g.K && (next.K == g.K || h.K < next.K) {
					next = h
				}
			}
			if next.K == g.K {
				return rate, nil
			}
			g = next
		}
		start := cpuTime()
		if _, err := t.RunGroup(ctx, g); err != nil {
			return 0, err
		}
		d := max(cpuTime()-start, time.Millisecond).Seconds()
		rate = t.Work(g) / d
		if i >= 0 && d >= 0.2 {
			return rate, nil
		}
	}
}
