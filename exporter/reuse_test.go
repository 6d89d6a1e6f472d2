package main

import (
	"os"
	"path/filepath"
	"testing"

	"fmriface/bundle"
	"fmriface/bundle/quant"
)

func testBundle(t *testing.T, version string, w0 float32, seed int64) []byte {
	t.Helper()
	w := bundle.NewWriter()
	w.SetMeta(bundle.KeyKind, "generator")
	w.SetProvenance(bundle.Provenance{Seed: seed, CodeVersion: version})
	w.AddFloat32("gen.w", []int{2, 2}, []float32{w0, 2, 3, 4}, quant.F32)
	b, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReuseUnchanged(t *testing.T) {
	tests := []struct {
		name  string
		again []byte // what the new export makes
		reuse bool
	}{
		{"only the code version differs", testBundle(t, "bbbb", 1, 1), true},
		{"identical", testBundle(t, "aaaa", 1, 1), true},
		{"a weight differs", testBundle(t, "bbbb", 1.5, 1), false},
		{"other metadata differ", testBundle(t, "bbbb", 1, 2), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			old := outFile{Prefix: "generator", Data: testBundle(t, "aaaa", 1, 1)}
			if err := writeBundles(dir, []outFile{old}); err != nil {
				t.Fatal(err)
			}
			// A file of another prefix that starts the same is never taken.
			other := outFile{Prefix: "generator.regions", Data: tc.again}
			if err := writeBundles(dir, []outFile{other}); err != nil {
				t.Fatal(err)
			}
			files := []outFile{{Prefix: "generator", Data: tc.again}}
			if err := writeBundles(dir, files); err != nil {
				t.Fatal(err)
			}
			if got := files[0].Name() == old.Name(); got != tc.reuse {
				t.Errorf("reused the old file: %v, want %v (%s, %s)", got, tc.reuse, files[0].Name(), old.Name())
			}
			if _, err := os.Stat(filepath.Join(dir, files[0].Name())); err != nil {
				t.Errorf("the file the export lists is not on disk: %v", err)
			}
		})
	}
}

func TestReuseSkipsUnreadable(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "generator.0123abcd.fmb"), []byte("not a bundle"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := []outFile{{Prefix: "generator", Data: testBundle(t, "v", 1, 1)}}
	if err := writeBundles(dir, files); err != nil {
		t.Fatal(err)
	}
	if files[0].Name() == "generator.0123abcd.fmb" {
		t.Error("took over a file that is not a bundle")
	}
}
