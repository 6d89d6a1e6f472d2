//go:build !linux

package app_test

import "time"

// cpuTime is not measured here (GOOS=js has no rusage).
func cpuTime() (time.Duration, bool) { return 0, false }
