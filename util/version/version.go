// Package version tells which code made an output: the VCS revision stamped by
// `go build`, or `git describe` when run with `go run` from a checkout.
package version

import (
	"os/exec"
	"runtime/debug"
	"strings"
)

// String returns a revision like "3f2c1ab" or "3f2c1ab-dirty", or "unknown".
func String() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if dirty {
				rev += "-dirty"
			}
			return rev
		}
	}
	out, err := exec.Command("git", "describe", "--always", "--dirty", "--abbrev=12").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
