package train

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/tcsim/tcsim/sim"
	"github.com/tcsim/tcsim/sim/atomicfile"
	"github.com/tcsim/tcsim/sim/train/backend"
	"github.com/tcsim/tcsim/sim/train/recipe"
)

// LogRow is one row of log.csv.
type LogRow struct {
	Step      int     // optimiser steps done
	Tokens    int     // training tokens seen
	LR        float64 // learning rate of the last step
	TrainLoss float64 // mean training loss over the steps since the previous row
	ValLoss   float64 // validation loss after the step
	GradNorm  float64 // global gradient norm of the last step, before clipping
}

// ErrorRow is one row of gemm_errors.csv: one GEMM of a log step.
type ErrorRow struct {
	Step int
	backend.Record
	// GradCos is the cosine similarity of the layer's weight gradient with
	// the fp32 recipe's on the same weights and batch (wgrad rows only).
	GradCos float64
}

// File names of a run's outputs.
const (
	LogFile    = "log.csv"
	ErrorsFile = "gemm_errors.csv"
	TimingFile = "timing.csv"
)

var (
	logHeader    = []string{"step", "tokens", "lr", "train_loss", "val_loss", "grad_norm"}
	errorsHeader = []string{"step", "kind", "layer", "m", "n", "k", "acc_norm_rel", "acc_mean_signed_rel",
		"acc_frac_below", "tot_norm_rel", "tot_mean_signed_rel", "var_ratio", "grad_cos_fp32"}
)

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func (r LogRow) fields() []string {
	return []string{strconv.Itoa(r.Step), strconv.Itoa(r.Tokens), ftoa(r.LR), ftoa(r.TrainLoss), ftoa(r.ValLoss), ftoa(r.GradNorm)}
}

func (r ErrorRow) fields() []string {
	return []string{strconv.Itoa(r.Step), r.Kind.String(), r.Layer, strconv.Itoa(r.M), strconv.Itoa(r.N), strconv.Itoa(r.K),
		ftoa(r.Acc.NormRel), ftoa(r.Acc.MeanSignedRel), ftoa(r.Acc.FracBelow), ftoa(r.Tot.NormRel),
		ftoa(r.Tot.MeanSignedRel), ftoa(r.VarRatio), ftoa(r.GradCos)}
}

func csvBytes(header []string, rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header)
	w.WriteAll(rows)
	return b.Bytes()
}

// writeLogs rewrites log.csv, gemm_errors.csv and timing.csv atomically.
func (t *Trainer) writeLogs() error {
	var lr, er, tr [][]string
	for i, r := range t.Log {
		lr = append(lr, r.fields())
		tr = append(tr, []string{strconv.Itoa(r.Step), strconv.FormatFloat(t.Timing[i], 'f', 3, 64)})
	}
	for _, r := range t.Errors {
		er = append(er, r.fields())
	}
	for name, b := range map[string][]byte{
		LogFile:    csvBytes(logHeader, lr),
		ErrorsFile: csvBytes(errorsHeader, er),
		TimingFile: csvBytes([]string{"step", "seconds"}, tr),
	} {
		if err := atomicfile.WriteFile(filepath.Join(t.o.Out, name), b); err != nil {
			return err
		}
	}
	return nil
}

// readCSV reads a CSV file with the given header, keeping rows whose first
// column (the step) is at most maxStep; a missing file has no rows.
func readCSV(path string, header []string, maxStep int) ([][]string, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) == 0 || len(recs[0]) != len(header) {
		return nil, fmt.Errorf("%s: not a %s file", path, filepath.Base(path))
	}
	var out [][]string
	for _, r := range recs[1:] {
		s, err := strconv.Atoi(r[0])
		if err != nil {
			return nil, fmt.Errorf("%s: bad step %q", path, r[0])
		}
		if s <= maxStep {
			out = append(out, r)
		}
	}
	return out, nil
}

// readLogs restores the log rows up to the resumed step.
func (t *Trainer) readLogs() error {
	dir := t.o.Out
	var perr error
	num := func(s string) int {
		v, err := strconv.Atoi(s)
		if err != nil {
			perr = err
		}
		return v
	}
	flt := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			perr = err
		}
		return v
	}
	rows, err := readCSV(filepath.Join(dir, LogFile), logHeader, t.step)
	if err != nil {
		return err
	}
	for _, r := range rows {
		t.Log = append(t.Log, LogRow{num(r[0]), num(r[1]), flt(r[2]), flt(r[3]), flt(r[4]), flt(r[5])})
	}
	if rows, err = readCSV(filepath.Join(dir, TimingFile), []string{"step", "seconds"}, t.step); err != nil {
		return err
	}
	for _, r := range rows {
		t.Timing = append(t.Timing, flt(r[1]))
	}
	if rows, err = readCSV(filepath.Join(dir, ErrorsFile), errorsHeader, t.step); err != nil {
		return err
	}
	for _, r := range rows {
		kind, err := recipe.ParseKind(r[1])
		if err != nil {
			perr = err
		}
		t.Errors = append(t.Errors, ErrorRow{Step: num(r[0]), GradCos: flt(r[12]), Record: backend.Record{
			Kind: kind, Layer: r[2], M: num(r[3]), N: num(r[4]), K: num(r[5]),
			Acc:      sim.Metrics{NormRel: flt(r[6]), MeanSignedRel: flt(r[7]), FracBelow: flt(r[8])},
			Tot:      sim.Metrics{NormRel: flt(r[9]), MeanSignedRel: flt(r[10])},
			VarRatio: flt(r[11])}})
	}
	if perr != nil || len(t.Timing) != len(t.Log) {
		return fmt.Errorf("%w: the logs in %s do not match its state", ErrState, dir)
	}
	return nil
}

// Summary is summary.json: the run's setup and headline numbers.
type Summary struct {
	Model          Config            `json:"model"`
	Params         int               `json:"params"`
	Recipe         string            `json:"recipe"`
	GEMMs          map[string]string `json:"gemms"`
	Steps          int               `json:"steps"`
	TokensPerStep  int               `json:"tokens_per_step"`
	Hyper          Hyper             `json:"hyper"`
	Seed           uint64            `json:"seed"`
	Data           string            `json:"data"`
	DataBytes      int               `json:"data_bytes"`
	UnigramEntropy float64           `json:"val_unigram_entropy_nats"`
	FinalTrainLoss float64           `json:"final_train_loss"`
	FinalValLoss   float64           `json:"final_val_loss"`
	WallSeconds    float64           `json:"wall_seconds"`
	TokensPerSec   float64           `json:"tokens_per_second"`
	Gomaxprocs     int               `json:"gomaxprocs"`
}

// Summary builds the summary from the logs; wall and gomaxprocs describe
// this process (not reproducible).
func (t *Trainer) Summary(entropy, wall float64, gomaxprocs int) Summary {
	o := t.o
	s := Summary{Model: o.Model, Params: t.Model.NumParams(), Recipe: o.Recipe.Name, GEMMs: map[string]string{},
		Steps: o.Hyper.Steps, TokensPerStep: o.BatchTokens, Hyper: o.Hyper, Seed: o.Seed,
		Data: filepath.Base(o.Corpus.Path), DataBytes: len(o.Corpus.Train) + len(o.Corpus.Val),
		UnigramEntropy: entropy, FinalTrainLoss: math.NaN(), FinalValLoss: math.NaN(),
		WallSeconds: wall, Gomaxprocs: gomaxprocs}
	for _, k := range recipe.Kinds() {
		s.GEMMs[k.String()] = o.Recipe.GEMM[k].String()
	}
	if n := len(t.Log); n > 0 {
		s.FinalTrainLoss, s.FinalValLoss = t.Log[n-1].TrainLoss, t.Log[n-1].ValLoss
		if wall > 0 {
			s.TokensPerSec = float64(t.Log[n-1].Tokens) / wall
		}
	}
	return s
}

// WriteSummary writes summary.json (NaN losses as null).
func (t *Trainer) WriteSummary(s Summary) error {
	type alias Summary
	v := struct {
		alias
		FinalTrainLoss *float64 `json:"final_train_loss"`
		FinalValLoss   *float64 `json:"final_val_loss"`
	}{alias: alias(s), FinalTrainLoss: finite(s.FinalTrainLoss), FinalValLoss: finite(s.FinalValLoss)}
	b, err := jsonIndent(v)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(t.o.Out, "summary.json"), b)
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
