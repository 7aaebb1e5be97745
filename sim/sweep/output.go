package sweep

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/tcsim/tcsim/sim/atomicfile"
)

// Summary is summary.json: what was run, where, how long, and the headline
// numbers.
type Summary struct {
	Tool        string     `json:"tool"`
	Version     string     `json:"version"`
	Build       string     `json:"build"` // identifies the binary: shards of other builds do not merge
	SpecID      string     `json:"spec_id"`
	Spec        Spec       `json:"spec"`
	Shard       string     `json:"shard,omitempty"` // "i/n" for one shard of a sweep
	Points      int        `json:"points"`
	Machine     Machine    `json:"machine"`
	WallSeconds float64    `json:"wall_seconds"`
	Headline    []Headline `json:"headline"`
}

// Machine describes where a sweep ran.
type Machine struct {
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go_version"`
}

// ThisMachine describes the running machine.
func ThisMachine() Machine {
	return Machine{runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version()}
}

// Headline is one headline number set: at the sweep's largest K, for no
// promotion, N_c = 128 and the FP32 baseline where present.
type Headline struct {
	Preset           string  `json:"preset"`
	Dist             string  `json:"dist"`
	Scaling          string  `json:"scaling"`
	K                int     `json:"k"`
	Nc               string  `json:"nc"`
	AccMeanSignedRel float64 `json:"acc_mean_signed_rel"`
	AccMaxRel        float64 `json:"acc_max_rel"`
	AccNormRel       float64 `json:"acc_norm_rel"`
	TotNormRel       float64 `json:"tot_norm_rel"`
}

// Headlines picks the headline rows.
func Headlines(rows []Row) []Headline {
	maxK := 0
	for _, r := range rows {
		maxK = max(maxK, r.K)
	}
	var h []Headline
	for _, r := range rows {
		if r.K == maxK && (r.Nc == NcNever || r.Nc == 128 || r.Nc == NcFP32) {
			h = append(h, Headline{r.Preset, r.Dist, r.Scaling, r.K, NcLabel(r.Nc),
				jsonSafe(r.Acc.MeanSignedRel), jsonSafe(r.Acc.MaxRel), jsonSafe(r.Acc.NormRel), jsonSafe(r.Tot.NormRel)})
		}
	}
	return h
}

// jsonSafe maps NaN and ±Inf (which JSON cannot hold) to the largest
// float64 of the same sign, or 0 for NaN.
func jsonSafe(v float64) float64 {
	switch {
	case math.IsNaN(v):
		return 0
	case math.IsInf(v, 1):
		return math.MaxFloat64
	case math.IsInf(v, -1):
		return -math.MaxFloat64
	}
	return v
}

// WriteResults writes results.csv and summary.json into dir atomically.
func WriteResults(dir string, rows []Row, sum *Summary) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rows); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, "results.csv"), buf.Bytes()); err != nil {
		return err
	}
	sum.Points = len(rows)
	sum.Headline = Headlines(rows)
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, "summary.json"), append(b, '\n'))
}

// ReadResults reads results.csv from a path or an output directory.
func ReadResults(path string) ([]Row, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "results.csv")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadCSV(f, path)
}

// ReadSummary reads summary.json from an output directory.
func ReadSummary(dir string) (*Summary, error) {
	path := filepath.Join(dir, "summary.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if s.Tool != "tcsim" {
		return nil, fmt.Errorf("%s: not a tcsim summary", path)
	}
	return &s, nil
}

// Merge combines the outputs of every shard of one sweep into the rows and
// summary a single run would have produced (the wall time is the shards'
// total).
func Merge(dirs []string) ([]Row, *Summary, error) {
	if len(dirs) == 0 {
		return nil, nil, fmt.Errorf("nothing to merge")
	}
	var first *Summary
	var all []Row
	var shards int
	seen := map[int]string{}
	var wall float64
	for _, d := range dirs {
		s, err := ReadSummary(d)
		if err != nil {
			return nil, nil, err
		}
		i, n, err := ParseShard(s.Shard)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", d, err)
		}
		if first == nil {
			first, shards = s, n
		} else if s.SpecID != first.SpecID {
			return nil, nil, fmt.Errorf("%s and %s come from different sweeps (spec %s vs %s)", dirs[0], d, first.SpecID, s.SpecID)
		} else if s.Version != first.Version || s.Build != first.Build {
			return nil, nil, fmt.Errorf("%s was made by tcsim %s, %s by tcsim %s: merge only shards of one build (rerun them with one binary)",
				d, buildName(s), dirs[0], buildName(first))
		} else if n != shards {
			return nil, nil, fmt.Errorf("%s is shard %s but %s has %d shards", d, s.Shard, dirs[0], shards)
		}
		if prev, dup := seen[i]; dup {
			return nil, nil, fmt.Errorf("shard %d/%d appears twice (%s and %s)", i, n, prev, d)
		}
		seen[i] = d
		rows, err := ReadResults(d)
		if err != nil {
			return nil, nil, err
		}
		all = append(all, rows...)
		wall += s.WallSeconds
	}
	var missing []string
	for i := range shards {
		if _, ok := seen[i]; !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", i, shards))
		}
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("missing shards: %s", strings.Join(missing, ", "))
	}
	rows, err := first.Spec.Order(all)
	if err != nil {
		return nil, nil, err
	}
	sum := *first
	sum.Shard, sum.WallSeconds, sum.Machine = "", wall, ThisMachine()
	return rows, &sum, nil
}

// buildName is the version and build of the tool that wrote s.
func buildName(s *Summary) string {
	if s.Build == "" || s.Build == s.Version {
		return s.Version
	}
	return s.Version + " [" + s.Build + "]"
}

// ParseShard parses "i/n" (0 <= i < n); "" means the whole sweep (0/1).
func ParseShard(s string) (int, int, error) {
	if s == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("bad shard %q (want i/n with 0 <= i < n, e.g. 0/3)", s)
	}
	return i, n, nil
}
