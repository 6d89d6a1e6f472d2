package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fmriface/infer/site"
	"fmriface/neuro/haxby"
	sitefixture "fmriface/site/fixture"
)

// committedReport is the real-fMRI report of the repository, seen from the
// exporter's folder (where go test runs).
var committedReport = filepath.Join("..", defaultReal)

// TestRealFile builds the realbrain file from the committed report: it loads
// through the app's loader, holds the leave-one-run-out methods with the
// report's numbers, is small, and the same report gives the same bytes.
func TestRealFile(t *testing.T) {
	o := options{Real: committedReport, realSet: true, Args: []string{"exporter"}}
	f, err := realFile(o, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if f == nil || f.Kind != "real" || !strings.HasPrefix(f.Name(), "realbrain.") {
		t.Fatalf("file %+v", f)
	}
	if len(f.Data) > 100e3 {
		t.Errorf("%d bytes, want at most 100 kB", len(f.Data))
	}
	rb, err := site.LoadRealBrain(f.Name(), f.Data)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := haxby.ReadReport(committedReport)
	if err != nil {
		t.Fatal(err)
	}
	if rb.Fixture || rb.Source != "Haxby et al. (2001)" || rb.License != "CC BY-SA 3.0" || rb.Citation != haxby.Citation || rb.Terms != haxby.License {
		t.Errorf("attribution: fixture %v, %q, %q, %q", rb.Fixture, rb.Source, rb.License, rb.Citation)
	}
	if len(rb.Methods) != 2 || rb.Methods[0].Name != "correlation" || rb.Methods[1].Name != "shrinkage LDA" || rb.R() != rep.Dataset.Runs {
		t.Fatalf("%d methods, %d runs", len(rb.Methods), rb.R())
	}
	for i, m := range rb.Methods {
		want := rep.Methods[i]
		if m.Accuracy != want.Accuracy || m.PValue != want.PValue || m.Correct(rb.K()) != want.Correct || m.Pairwise != want.Pairwise {
			t.Errorf("%s: accuracy %v p %v, report %v p %v", m.Name, m.Accuracy, m.PValue, want.Accuracy, want.PValue)
		}
		for r, row := range want.Predicted {
			for c, p := range row {
				if int(m.Predicted[r*rb.K()+c]) != p {
					t.Fatalf("%s, run %d, category %d: decoded %d, report %d", m.Name, r, c, m.Predicted[r*rb.K()+c], p)
				}
			}
		}
	}
	if got := len(rb.FaceSelective()); got != len(rep.Map.FaceSelective) || rb.Threshold != rep.Map.Threshold || len(rb.Mask) != rep.Dataset.MaskVoxels {
		t.Errorf("%d face-selective voxels (report %d), threshold %v", got, len(rep.Map.FaceSelective), rb.Threshold)
	}
	again, err := realFile(o, io.Discard)
	if err != nil || !bytes.Equal(again.Data, f.Data) {
		t.Errorf("a second build differs (%v)", err)
	}
}

// TestRealFileOptional: --real "" writes none; the default path, missing,
// is skipped with a note; a path given and missing, or a report the file
// cannot hold, is an error.
func TestRealFileOptional(t *testing.T) {
	var note strings.Builder
	for _, o := range []options{{Real: ""}, {Real: defaultReal}} {
		f, err := realFile(o, &note)
		if f != nil || err != nil {
			t.Errorf("--real %q: %v, %v; want no file, no error", o.Real, f, err)
		}
	}
	if !strings.Contains(note.String(), "no reports/haxby/results.json") {
		t.Errorf("note %q", note.String())
	}
	if _, err := realFile(options{Real: defaultReal, realSet: true}, io.Discard); err == nil {
		t.Error("--real named explicitly and missing: no error")
	}
	good, err := os.ReadFile(committedReport)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"no permutations", `"permutations": 1000`, `"permutations": 0`, "no permutation p-values"},
		{"decoded out of range", `"predicted": [
    [
     0,`, `"predicted": [
    [
     9,`, "decoded as 9"},
		{"threshold", `"threshold": 3.0965`, `"threshold": 5.5`, "face-selective voxels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(string(good), tc.from, tc.to, 1)
			if bad == string(good) {
				t.Fatalf("%q not found", tc.from)
			}
			p := filepath.Join(t.TempDir(), "results.json")
			if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := realFile(options{Real: p, realSet: true}, io.Discard); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}

// TestExportReal runs the exporter with and without --real: index.json
// lists the realbrain file (its size and hash those of the file) or not,
// and a later export without it removes the file.
func TestExportReal(t *testing.T) {
	f := tinyFixture(t)
	if err := run(f.args("--real", committedReport), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	ix := readIndex(t, f.out)
	if ix.Real == nil {
		t.Fatal("index.json lists no real file")
	}
	data, err := os.ReadFile(filepath.Join(f.out, ix.Real.File))
	if err != nil {
		t.Fatal(err)
	}
	if of := (outFile{Data: data}); int64(len(data)) != ix.Real.Bytes || of.SHA256() != ix.Real.SHA256 {
		t.Errorf("index says %d bytes %s, the file has %d bytes %s", ix.Real.Bytes, ix.Real.SHA256, len(data), of.SHA256())
	}
	if err := run(f.args("--real", ""), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if ix := readIndex(t, f.out); ix.Real != nil {
		t.Errorf("--real \"\": index lists %+v", ix.Real)
	}
	if _, err := os.Stat(filepath.Join(f.out, filepath.Base(ix.Real.File))); !os.IsNotExist(err) {
		t.Errorf("the earlier realbrain file stays: %v", err)
	}
}

// TestRealOnly adds the realbrain file to site data that exist already (the
// test fixture's here), replacing the one listed there, and keeps every
// other entry of index.json.
func TestRealOnly(t *testing.T) {
	dir := t.TempDir()
	before, err := sitefixture.Write(dir, sitefixture.Options{Voxels: 60, Subjects: 1, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run([]string{"--real-only", "--real", committedReport, "--out", dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	after := readIndex(t, dir)
	if after.Real == nil || *after.Real == *before.Real || after.Generator != before.Generator || !after.Fixture ||
		after.Subjects[0].FileRef != before.Subjects[0].FileRef || !strings.Contains(out.String(), after.Real.File) {
		t.Fatalf("index before %+v, after %+v; output %q", before, after, out.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, after.Real.File))
	if err != nil {
		t.Fatal(err)
	}
	if rb, err := site.LoadRealBrain(after.Real.File, data); err != nil || rb.Fixture {
		t.Fatalf("the added file: %v (fixture %v)", err, rb != nil && rb.Fixture)
	}
	if _, err := os.Stat(filepath.Join(dir, before.Real.File)); !os.IsNotExist(err) {
		t.Errorf("the fixture's realbrain file stays: %v", err)
	}
	for _, args := range [][]string{
		{"--real-only", "--real", committedReport, "--out", t.TempDir()},         // no site data there
		{"--real-only", "--real", "", "--out", dir},                              // no report
		{"--real-only", "--real", filepath.Join(dir, "none.json"), "--out", dir}, // missing report
	} {
		if err := run(args, io.Discard, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}
