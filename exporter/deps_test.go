package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyRules keeps the products apart (issue 19): the exporter
// imports neither the browser app (fmriface/wasm/...) nor gorgonia (the
// trainer's), the browser app links neither gorgonia nor cgo, and the
// site-data contract needs only the standard library. It asks
// `go list -deps`, and skips where go is not on PATH.
func TestDependencyRules(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	for _, tc := range []struct {
		pkg       string
		env       []string
		forbidden []string
	}{
		{"fmriface/exporter", nil, []string{"gorgonia", "fmriface/wasm"}},
		// gonum adds 4 MB to the app (0.9 MB gzip): the browser's code
		// (the lab's scoring included) keeps to plain Go.
		{"fmriface/wasm", []string{"GOOS=js", "GOARCH=wasm"}, []string{"gorgonia", "netlib", "runtime/cgo", "gonum.org/"}},
		{"fmriface/contract/sitedata", []string{"GOOS=js", "GOARCH=wasm"}, []string{"fmriface/", "runtime/cgo"}},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			cmd := exec.Command(gobin, "list", "-deps", tc.pkg)
			cmd.Env = append(os.Environ(), tc.env...)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", tc.pkg, err)
			}
			for _, dep := range strings.Fields(string(out)) {
				for _, f := range tc.forbidden {
					if strings.Contains(dep, f) && dep != tc.pkg {
						t.Errorf("%s %s depends on %s (nothing matching %q allowed)", strings.Join(tc.env, " "), tc.pkg, dep, f)
					}
				}
			}
		})
	}
}
