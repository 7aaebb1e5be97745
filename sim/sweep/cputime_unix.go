//go:build unix

package sweep

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used so far, so that timing
// a calibration is not thrown off by other processes on a loaded machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return time.Duration(time.Now().UnixNano())
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
