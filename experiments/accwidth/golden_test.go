package accwidth

import (
	"testing"

	"github.com/tcsim/tcsim/experiments/internal/lab/labtest"
)

func TestGolden(t *testing.T) { labtest.Golden(t, name, Run) }
