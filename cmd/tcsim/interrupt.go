package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// interrupt turns SIGINT and SIGTERM into the cancellation of a context:
// the first is acknowledged at once (ack) and cancels; a second exits the
// process at once with the conventional status (130 for SIGINT).
type interrupt struct {
	ch     chan os.Signal
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	sig    os.Signal
}

// exit is os.Exit, replaceable in tests.
var exit = os.Exit

// catchInterrupts starts watching; call stop when the work is over.
func catchInterrupts(ack func()) (context.Context, *interrupt) {
	ctx, cancel := context.WithCancel(context.Background())
	in := &interrupt{ch: make(chan os.Signal, 2), cancel: cancel, done: make(chan struct{})}
	signal.Notify(in.ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		for {
			select {
			case s := <-in.ch:
				in.mu.Lock()
				first := in.sig == nil
				if first {
					in.sig = s
				}
				in.mu.Unlock()
				if !first {
					exit(signalStatus(s))
					return
				}
				ack()
				cancel()
			case <-in.done:
				return
			}
		}
	}()
	return ctx, in
}

// stop stops watching.
func (in *interrupt) stop() {
	signal.Stop(in.ch)
	close(in.done)
	in.cancel()
}

// status is the exit status for the signal received (130 for SIGINT,
// 143 for SIGTERM), or 0 if none was.
func (in *interrupt) status() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.sig == nil {
		return 0
	}
	return signalStatus(in.sig)
}

func signalStatus(s os.Signal) int {
	if s == syscall.SIGTERM {
		return 128 + int(syscall.SIGTERM)
	}
	return 128 + int(syscall.SIGINT)
}
