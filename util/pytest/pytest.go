// Package pytest finds the Python the interop tests compare against: the
// tests that check our readers and numbers against numpy or nibabel run a
// python3 that can import those modules, and skip, saying why, where there
// is none (or under WebAssembly, which cannot start a process).
package pytest

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// Python returns a python3 that can import every module in modules, or
// skips the test. $FMRIFACE_PYTHON is tried first.
func Python(t testing.TB, modules ...string) string {
	t.Helper()
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no subprocesses under WebAssembly")
	}
	imports := "import " + strings.Join(modules, ", ")
	for _, c := range []string{os.Getenv("FMRIFACE_PYTHON"), "python3", "/usr/bin/python3"} {
		if c == "" {
			continue
		}
		path, err := exec.LookPath(c)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", imports).Run() == nil {
			return path
		}
	}
	t.Skipf("no python3 with %s (set FMRIFACE_PYTHON)", strings.Join(modules, ", "))
	return ""
}
