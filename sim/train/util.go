package train

import (
	"context"

	"github.com/tcsim/tcsim/sim/parallel"
)

// parallelFor calls f(i) for i in [0, n) on the project's worker pool;
// f writes disjoint outputs, so results do not depend on scheduling.
func parallelFor(n int, f func(int)) {
	_ = parallel.For(context.Background(), n, 0, func(i int) error { f(i); return nil })
}
