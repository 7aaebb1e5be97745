package training

import (
	"testing"

	"github.com/tcsim/tcsim/experiments/internal/lab/labtest"
)

func TestGolden(t *testing.T) { labtest.Golden(t, name, Run) }

// TestPredictedVRR checks the first-order formula's limits: no loss for
// one product, more loss for longer sums and narrower accumulators.
func TestPredictedVRR(t *testing.T) {
	if v := PredictedVRR(1, 13); v != 1 {
		t.Errorf("n = 1: %v", v)
	}
	if !(PredictedVRR(4096, 13) < PredictedVRR(128, 13)) || !(PredictedVRR(4096, 13) < PredictedVRR(4096, 25)) {
		t.Error("not monotone")
	}
}
