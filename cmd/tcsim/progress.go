package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress reports a long run on stderr: a line redrawn in place on a
// terminal, otherwise a plain line at most every plainEvery.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	start time.Time
	last  time.Time
	base  float64 // work already done when the run started (resumed)
	drawn bool
}

const plainEvery = 10 * time.Second

func newProgress(w io.Writer, start time.Time) *progress {
	p := &progress{w: w, start: start, base: -1}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

// update is a sim.Progress.
func (p *progress) update(done, total float64, groupsDone, groups int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.base < 0 {
		p.base = done
		p.last = now
		if done > 0 {
			fmt.Fprintf(p.w, "resuming: %d of %d point groups already done\n", groupsDone, groups)
		}
		return
	}
	eta := "?"
	if rate := (done - p.base) / now.Sub(p.start).Seconds(); rate > 0 {
		eta = time.Duration(float64(time.Second) * (total - done) / rate).Round(time.Second).String()
	}
	line := fmt.Sprintf("%3.0f%%  %d/%d groups  elapsed %s  ETA %s", 100*done/total, groupsDone, groups,
		now.Sub(p.start).Round(time.Second), eta)
	switch {
	case p.tty:
		fmt.Fprintf(p.w, "\r%-60s", line)
		p.drawn = true
	case now.Sub(p.last) >= plainEvery || groupsDone == groups:
		fmt.Fprintln(p.w, line)
		p.last = now
	}
}

// finish ends the live line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

// say prints a line, ending the live line first.
func (p *progress) say(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
	fmt.Fprintf(p.w, format+"\n", args...)
}
