package train

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelFor calls f(i) for i in [0, n) on GOMAXPROCS goroutines; f must
// write disjoint outputs.
func parallelFor(n int, f func(int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		})
	}
	wg.Wait()
}
