package sweep

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/tcsim/tcsim/sim"
)

// Special values of Row.Nc.
const (
	// NcNever: no promotion, one tensor-core chain over K.
	NcNever = 0
	// NcFP32: the CUDA-core FP32 baseline (Config.FP32).
	NcFP32 = -1
)

// Row is one point of a sweep: a datapath, input distribution, scaling
// and depth K, accumulated with one promotion interval, and the error
// metrics of its outputs pooled over all trials against the exact product
// of the quantised operands (Acc: accumulation error only) and against the
// float64 product of the unquantised inputs (Tot: total error).
type Row struct {
	Preset     string
	FBits      int // accumulator fraction bits F of the preset
	Dist       string
	Scaling    string
	K          int
	Nc         int // promotion interval, or NcNever / NcFP32
	M, N       int
	Trials     int
	Outputs    int // M·N·Trials
	Promotions int // FP32 promotion adds per output
	Acc, Tot   sim.Metrics
}

// NcLabel is Nc as written in CSV: the number, "never" or "fp32".
func NcLabel(nc int) string {
	switch nc {
	case NcNever:
		return "never"
	case NcFP32:
		return "fp32"
	}
	return strconv.Itoa(nc)
}

// ParseNc parses an NcLabel.
func ParseNc(s string) (int, error) {
	switch s {
	case "never":
		return NcNever, nil
	case "fp32":
		return NcFP32, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad N_c %q (want a positive multiple of the instruction K, never or fp32)", s)
	}
	return n, nil
}

var metricColumns = []string{"max_rel", "median_rel", "mean_rel", "norm_rel", "max_err_absdot",
	"median_err_absdot", "mean_signed_rel", "frac_below", "rel_p10", "rel_p25", "rel_p75", "rel_p90",
	"zero_ref", "nonfinite"}

// metricFields are the float fields of m in metricColumns order.
func metricFields(m *sim.Metrics) []*float64 {
	return []*float64{&m.MaxRel, &m.MedianRel, &m.MeanRel, &m.NormRel, &m.MaxErrAbsDot,
		&m.MedianErrAbsDot, &m.MeanSignedRel, &m.FracBelow, &m.RelP10, &m.RelP25, &m.RelP75, &m.RelP90}
}

// Header is the CSV header of results.csv.
func Header() []string {
	h := []string{"preset", "fbits", "dist", "scaling", "k", "nc", "m", "n", "trials", "outputs", "promotions"}
	for _, p := range []string{"acc_", "tot_"} {
		for _, c := range metricColumns {
			h = append(h, p+c)
		}
	}
	return h
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// Record returns the row as CSV fields in Header order. Floats are written
// in their shortest exact form, so a CSV round trip is lossless.
func (r *Row) Record() []string {
	rec := []string{r.Preset, strconv.Itoa(r.FBits), r.Dist, r.Scaling, strconv.Itoa(r.K), NcLabel(r.Nc),
		strconv.Itoa(r.M), strconv.Itoa(r.N), strconv.Itoa(r.Trials), strconv.Itoa(r.Outputs), strconv.Itoa(r.Promotions)}
	for _, m := range []*sim.Metrics{&r.Acc, &r.Tot} {
		for _, f := range metricFields(m) {
			rec = append(rec, formatFloat(*f))
		}
		rec = append(rec, strconv.Itoa(m.ZeroRef), strconv.Itoa(m.NonFinite))
	}
	return rec
}

// WriteCSV writes the header and rows.
func WriteCSV(w io.Writer, rows []Row) error {
	bw := bufio.NewWriter(w)
	cw := csv.NewWriter(bw)
	if err := cw.Write(Header()); err != nil {
		return err
	}
	for i := range rows {
		if err := cw.Write(rows[i].Record()); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// ReadCSV reads rows written by WriteCSV. name is used in errors, which
// give the line.
func ReadCSV(r io.Reader, name string) ([]Row, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	h, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: reading header: %v", name, err)
	}
	want := Header()
	if len(h) != len(want) {
		return nil, fmt.Errorf("%s:1: not a tcsim results file (%d columns, want %d)", name, len(h), len(want))
	}
	for i := range want {
		if h[i] != want[i] {
			return nil, fmt.Errorf("%s:1: column %d is %q, want %q", name, i+1, h[i], want[i])
		}
	}
	var rows []Row
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		row, err := parseRecord(rec)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, line, err)
		}
		rows = append(rows, row)
	}
}

func parseRecord(rec []string) (Row, error) {
	r := Row{Preset: rec[0], Dist: rec[2], Scaling: rec[3]}
	var err error
	ints := []struct {
		dst *int
		col int
	}{{&r.FBits, 1}, {&r.K, 4}, {&r.M, 6}, {&r.N, 7}, {&r.Trials, 8}, {&r.Outputs, 9}, {&r.Promotions, 10}}
	for _, f := range ints {
		if *f.dst, err = strconv.Atoi(rec[f.col]); err != nil {
			return r, fmt.Errorf("column %s: %q is not an integer", Header()[f.col], rec[f.col])
		}
	}
	if r.Nc, err = ParseNc(rec[5]); err != nil {
		return r, err
	}
	col := 11
	for _, m := range []*sim.Metrics{&r.Acc, &r.Tot} {
		for _, f := range metricFields(m) {
			if *f, err = strconv.ParseFloat(rec[col], 64); err != nil {
				return r, fmt.Errorf("column %s: %q is not a number", Header()[col], rec[col])
			}
			col++
		}
		for _, dst := range []*int{&m.ZeroRef, &m.NonFinite} {
			if *dst, err = strconv.Atoi(rec[col]); err != nil {
				return r, fmt.Errorf("column %s: %q is not an integer", Header()[col], rec[col])
			}
			col++
		}
	}
	if r.K <= 0 {
		return r, fmt.Errorf("column k: %d is not positive", r.K)
	}
	return r, nil
}
