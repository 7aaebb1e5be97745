package parallel

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// budget is a count of workers that may start beyond the callers' own
// goroutines.
type budget struct{ free atomic.Int64 }

func (b *budget) take() bool {
	for {
		n := b.free.Load()
		if n <= 0 {
			return false
		}
		if b.free.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

func (b *budget) give() { b.free.Add(1) }

type budgetKey struct{}

// WithLimit returns a context under which every For and Map together run
// on at most workers goroutines (the callers' included); workers <= 0
// means GOMAXPROCS.
func WithLimit(ctx context.Context, workers int) context.Context {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	b := &budget{}
	b.free.Store(int64(workers - 1))
	return context.WithValue(ctx, budgetKey{}, b)
}

// For runs f(i) for every i in [0, n) on up to workers goroutines
// (workers <= 0: GOMAXPROCS), the caller's included, and fewer when ctx
// carries a [WithLimit] budget with no room. Once ctx is cancelled or an f
// fails, no new item starts; For returns the error of the lowest failed
// index, else ctx's error if items were left undone, else nil.
func For(ctx context.Context, n, workers int, f func(i int) error) error {
	if n <= 0 {
		return nil
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	b, _ := ctx.Value(budgetKey{}).(*budget)
	var (
		next    atomic.Int64
		stop    atomic.Bool
		mu      sync.Mutex
		errIdx  = n
		firstEr error
		skipped atomic.Bool
	)
	work := func() {
		for {
			if stop.Load() {
				return
			}
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			if ctx.Err() != nil {
				skipped.Store(true)
				stop.Store(true)
				return
			}
			if err := f(i); err != nil {
				mu.Lock()
				if i < errIdx {
					errIdx, firstEr = i, err
				}
				mu.Unlock()
				stop.Store(true)
			}
		}
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		if b != nil && !b.take() {
			break
		}
		wg.Go(func() {
			if b != nil {
				defer b.give()
			}
			work()
		})
	}
	work()
	wg.Wait()
	if firstEr != nil {
		return firstEr
	}
	if skipped.Load() {
		return ctx.Err()
	}
	return nil
}

// Map is For collecting f's results by index.
func Map[T any](ctx context.Context, n, workers int, f func(i int) (T, error)) ([]T, error) {
	out := make([]T, max(n, 0))
	err := For(ctx, n, workers, func(i int) error {
		v, err := f(i)
		out[i] = v
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
