package lab

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Table is data.csv: a header and rows of fields.
type Table struct {
	Header []string
	Rows   [][]string
}

// NewTable returns an empty table with the given columns.
func NewTable(header ...string) *Table { return &Table{Header: header} }

// Add appends a row; each value is formatted by [Field]. It panics when the
// row does not have one value per column (a programming error).
func (t *Table) Add(values ...any) {
	if len(values) != len(t.Header) {
		panic(fmt.Sprintf("lab: row of %d values for %d columns", len(values), len(t.Header)))
	}
	row := make([]string, len(values))
	for i, v := range values {
		row[i] = Field(v)
	}
	t.Rows = append(t.Rows, row)
}

// WriteCSV writes the table as CSV.
func (t *Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	if err := cw.WriteAll(t.Rows); err != nil {
		return err
	}
	return cw.Error()
}

// Field formats a value for CSV: floats in their shortest exact form (so
// the numbers are reproducible bit for bit and round-trip), integers in
// decimal, strings as they are.
func Field(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case bool:
		return strconv.FormatBool(x)
	case fmt.Stringer:
		return x.String()
	}
	panic(fmt.Sprintf("lab: cannot format %T", v))
}

// Sci writes v with 2 significant digits for prose: "7.5e-2" style is
// avoided for numbers in [1e-3, 1e4), which are written plainly.
func Sci(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'g', -1, 64)
	case v == 0:
		return "0"
	case math.Abs(v) >= 1e-3 && math.Abs(v) < 1e4:
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
	s := strconv.FormatFloat(v, 'e', 1, 64) // "3.2e-04"
	mant, exp, _ := strings.Cut(s, "e")
	e, _ := strconv.Atoi(exp)
	return mant + "e" + strconv.Itoa(e)
}

// Pct writes a fraction as a percentage with 2 significant digits
// ("7.5%", "0.063%").
func Pct(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	p := 100 * v
	if math.Abs(p) >= 100 {
		return strconv.FormatFloat(p, 'f', 0, 64) + "%"
	}
	return strconv.FormatFloat(p, 'g', 2, 64) + "%"
}

// Ratio writes a ratio with 2 significant digits: "1.4×", "12×",
// "17,000×". Tiny ratios are written in Sci form.
func Ratio(v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return strconv.FormatFloat(v, 'g', -1, 64) + "×"
	case math.Abs(v) < 0.01:
		return Sci(v) + "×"
	case math.Abs(v) < 100:
		return strconv.FormatFloat(v, 'g', 2, 64) + "×"
	}
	p := math.Pow(10, math.Floor(Log10Of(math.Abs(v)))-1)
	s := strconv.FormatFloat(math.Round(v/p)*p, 'f', 0, 64)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s + "×"
}

// Markdown renders a small table for summary.md.
func Markdown(header []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for range header {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	return b.String()
}

// Range writes lo–hi with f, or a single value when both print the same.
func Range(f func(float64) string, lo, hi float64) string {
	a, b := f(lo), f(hi)
	if a == b {
		return a
	}
	return a + "–" + b
}

// JoinInts writes v as "1, 2, 3", for setup lines.
func JoinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

// JoinFloats writes v in the shortest form that reads back exactly, as
// "0.5, 1, 2", for setup lines.
func JoinFloats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strings.Join(s, ", ")
}
