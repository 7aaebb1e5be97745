package parallel

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

func TestMapByIndex(t *testing.T) {
	for _, workers := range []int{0, 1, 3, 64} {
		got, err := Map(context.Background(), 1000, workers, func(i int) (int, error) { return i * i, nil })
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range got {
			if v != i*i {
				t.Fatalf("workers %d: out[%d] = %d", workers, i, v)
			}
		}
	}
	if got, err := Map(context.Background(), 0, 4, func(int) (int, error) { return 1, nil }); err != nil || len(got) != 0 {
		t.Fatalf("n = 0: %v, %v", got, err)
	}
}

// running tracks the number of concurrently running calls and its maximum.
type running struct{ now, peak atomic.Int64 }

func (r *running) enter() {
	n := r.now.Add(1)
	for {
		p := r.peak.Load()
		if n <= p || r.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

func (r *running) leave() { r.now.Add(-1) }

func TestNestedBudgetBoundsWorkers(t *testing.T) {
	const limit = 3
	ctx := WithLimit(context.Background(), limit)
	var r running
	var done atomic.Int64
	err := For(ctx, 8, limit, func(int) error {
		// Each outer item runs an inner pool that would like 16 workers.
		return For(ctx, 50, 16, func(int) error {
			r.enter()
			time.Sleep(100 * time.Microsecond)
			r.leave()
			done.Add(1)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if done.Load() != 8*50 {
		t.Fatalf("ran %d inner items, want %d", done.Load(), 8*50)
	}
	if p := r.peak.Load(); p > limit {
		t.Fatalf("%d calls ran at once under a limit of %d", p, limit)
	}
}

func TestUnlimitedUsesWorkers(t *testing.T) {
	var r running
	release := make(chan struct{})
	go func() {
		for r.now.Load() < 4 {
			time.Sleep(time.Millisecond)
		}
		close(release)
	}()
	err := For(context.Background(), 4, 4, func(int) error {
		r.enter()
		<-release // all four must run at once, or this never returns
		r.leave()
		return nil
	})
	if err != nil || r.peak.Load() != 4 {
		t.Fatalf("err %v, peak %d; want 4 at once", err, r.peak.Load())
	}
}

func TestLowestErrorWins(t *testing.T) {
	e3, e7 := errors.New("3"), errors.New("7")
	started := make(chan struct{})
	err := For(context.Background(), 10, 4, func(i int) error {
		switch i {
		case 3:
			close(started)
			time.Sleep(5 * time.Millisecond) // item 7 fails first
			return e3
		case 7:
			<-started
			return e7
		}
		return nil
	})
	if err != e3 {
		t.Fatalf("err = %v, want the error of item 3", err)
	}
}

func TestCancelStopsNewItems(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Int64
	err := For(ctx, 1000, 2, func(i int) error {
		if ran.Add(1) == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := ran.Load(); n > 12 {
		t.Fatalf("%d items ran after cancellation at 10", n)
	}
}

// TestDeal: the largest items go first, each to the least-loaded shard
// (ties to the lower), and every shard's load stays within the largest
// item of the mean.
func TestDeal(t *testing.T) {
	got := Deal([]float64{1, 5, 3, 5, 2}, 2)
	// order 1(5), 3(5), 2(3), 4(2), 0(1): 1->0, 3->1, 2->0, 4->1, 0->1.
	if want := []int{1, 0, 0, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("Deal = %v, want %v", got, want)
	}
	if got := Deal([]float64{3, 1}, 1); !slices.Equal(got, []int{0, 0}) {
		t.Errorf("Deal(n=1) = %v, want all shard 0", got)
	}
	costs := make([]float64, 200)
	for i := range costs {
		costs[i] = float64(1 + (i*37)%50)
	}
	load := make([]float64, 8)
	total := 0.0
	for j, s := range Deal(costs, 8) {
		load[s] += costs[j]
		total += costs[j]
	}
	for s, l := range load {
		if l > total/8+50 || l < total/8-50 {
			t.Errorf("shard %d load %v, mean %v", s, l, total/8)
		}
	}
}

// TestShare: the shards partition the items, each in their order, as Deal
// assigns them; n <= 1 is all of them.
func TestShare(t *testing.T) {
	items := []string{"a", "bbbbb", "ccc", "ddddd", "ee"}
	cost := func(s string) float64 { return float64(len(s)) }
	// Deal of {1, 5, 3, 5, 2} over 2 shards is {1, 0, 0, 1, 1}.
	if got := Share(items, cost, 0, 2); !slices.Equal(got, []string{"bbbbb", "ccc"}) {
		t.Errorf("shard 0 = %v", got)
	}
	if got := Share(items, cost, 1, 2); !slices.Equal(got, []string{"a", "ddddd", "ee"}) {
		t.Errorf("shard 1 = %v", got)
	}
	if got := Share(items, cost, 0, 1); !slices.Equal(got, items) {
		t.Errorf("one shard = %v", got)
	}
}
