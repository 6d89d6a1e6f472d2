package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"fmriface/bundle"
	"fmriface/bundle/quant"
	"fmriface/contract/handoff"
	"fmriface/contract/sitedata"
	"fmriface/face/pca"
	"fmriface/infer/arch"
	"fmriface/util/fastblas"
	"fmriface/util/progress"
)

// The water-filling gives every row the same share of the face error, so
// rows whose coefficients carry little energy get coarse steps and coarse
// encodings; the plan fits its budget, its encodings never get finer down
// the rows, and the bands it makes cover the basis.
func TestWaterFill(t *testing.T) {
	dir := t.TempDir()
	const k, s = 48, 8
	path := filepath.Join(dir, "pca.npz")
	syntheticPCA(t, path, k, s)
	pm, err := pca.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		energy func(r int) float64
		budget float64
	}{
		{"falling energy, 40 dB", func(r int) float64 { return 100 / math.Pow(1+float64(r), 2) }, 1e-4},
		{"falling energy, 50 dB", func(r int) float64 { return 100 / math.Pow(1+float64(r), 2) }, 1e-5},
		{"flat energy", func(int) float64 { return 1 }, 1e-4},
		{"unread tail", func(r int) float64 { return float64(max(0, 24-r)) }, 1e-4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := make([]float64, k)
			for r := range w {
				w[r] = tc.energy(r)
			}
			p, err := waterFill(pm, w, tc.budget, pcaKinds)
			if err != nil {
				t.Fatal(err)
			}
			if p.total > tc.budget {
				t.Errorf("summed row errors %.3g over the budget %.3g", p.total, tc.budget)
			}
			pos := func(q quant.Kind) int { return slices.Index(pcaKinds, q) }
			for r := 1; r < k; r++ {
				if pos(p.kind[r]) > pos(p.kind[r-1]) {
					t.Errorf("row %d %v is finer than row %d %v", r, p.kind[r], r-1, p.kind[r-1])
				}
			}
			for r := range k {
				if p.kind[r] != quant.F32 && p.err[r] > 1.25*p.theta*(1+1e-9) {
					t.Errorf("row %d (%v): error %.3g over 1.25 θ = %.3g", r, p.kind[r], p.err[r], 1.25*p.theta)
				}
			}
			cs := p.choices(pm, tc.budget)
			rows := 0
			for i, c := range cs {
				if c.Name != sitedata.PCABandName(i) || len(c.vals) != c.Shape[0]*pm.D || c.Shape[1] != pm.D {
					t.Errorf("band %d: %s, shape %v, %d values", i, c.Name, c.Shape, len(c.vals))
				}
				rows += c.Shape[0]
			}
			if rows != k || len(cs) > len(pcaKinds) {
				t.Errorf("%d bands cover %d rows, want at most %d bands over %d", len(cs), rows, len(pcaKinds), k)
			}
			if tc.name == "unread tail" && (p.kind[k-1] != quant.Q3 || p.err[k-1] != 0) {
				t.Errorf("an unread row is stored as %v with error %g, want q3 zeros", p.kind[k-1], p.err[k-1])
			}
		})
	}
	// The rows' floors follow √(12θ/w): a coarser budget, coarser floors.
	w := make([]float64, k)
	for r := range w {
		w[r] = 100 / math.Pow(1+float64(r), 2)
	}
	fine, _ := waterFill(pm, w, 1e-6, pcaKinds)
	coarse, _ := waterFill(pm, w, 1e-4, pcaKinds)
	if !(coarse.theta > fine.theta) || !(coarse.floor[k-1] > fine.floor[k-1]) {
		t.Errorf("budget 1e-4 against 1e-6: θ %.3g vs %.3g, last floor %.3g vs %.3g", coarse.theta, fine.theta, coarse.floor[k-1], fine.floor[k-1])
	}
}

// snapshotDir reads every file of dir by name.
func snapshotDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		m[e.Name()], _ = os.ReadFile(filepath.Join(dir, e.Name()))
	}
	return m
}

// The PCA baseline adds files and index entries and changes nothing else:
// with --pca=false the generator's and the subjects' bundles keep their
// bytes, the PCA files of the earlier export go, and the index has no pca
// entry.
func TestPCAOffKeepsTheVAEGANBytes(t *testing.T) {
	f := tinyFixture(t)
	if err := run(f.args(), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	with := snapshotDir(t, f.out)
	if err := run(f.args("--pca=false"), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	without := snapshotDir(t, f.out)
	if len(without) != 7 {
		t.Errorf("--pca=false left %d files, want 7 (the PCA files of the first export removed)", len(without))
	}
	for name, data := range without {
		if name == "index.json" || name == "export-report.json" {
			continue
		}
		if !bytes.Equal(data, with[name]) {
			t.Errorf("%s: not written identically with the PCA baseline", name)
		}
		if strings.Contains(name, "pca") {
			t.Errorf("%s left by --pca=false", name)
		}
	}
	if bytes.Contains(without["index.json"], []byte(`"pca"`)) || !bytes.Contains(with["index.json"], []byte(`"pca"`)) {
		t.Error("index.json: a pca entry without the PCA baseline, or none with it")
	}
	var rep map[string]any
	if err := json.Unmarshal(without["export-report.json"], &rep); err != nil {
		t.Fatal(err)
	}
	if _, ok := rep["pca"]; ok {
		t.Error("export-report.json reports a PCA that was not exported")
	}
}

// The PCA inputs are checked against the face model and the VAE-GAN's
// subjects, and a missing one says how to make it or do without.
func TestPCABadInputs(t *testing.T) {
	f := tinyFixture(t)
	copyFMRI := func(t *testing.T) string {
		dir := t.TempDir()
		for _, id := range []string{"sub-01", "sub-02"} {
			for _, p := range []func(string, string) string{handoff.Path, handoff.PCAPath} {
				s, err := handoff.Read(p(f.fmri, id))
				if err != nil {
					t.Fatal(err)
				}
				if err := handoff.Write(p(dir, id), s); err != nil {
					t.Fatal(err)
				}
			}
		}
		b, _ := os.ReadFile(handoff.PCABasisPath(f.fmri))
		os.WriteFile(handoff.PCABasisPath(dir), b, 0o644)
		return dir
	}
	cases := []struct {
		name  string
		edit  func(t *testing.T, dir string)
		wants []string
	}{
		{"no pca.npz", func(t *testing.T, dir string) { os.Remove(handoff.PCABasisPath(dir)) }, []string{"pca.npz", "--models vaegan,pca", "--pca=false"}},
		{"no PCA subjects", func(t *testing.T, dir string) {
			os.Remove(handoff.PCAPath(dir, "sub-01"))
			os.Remove(handoff.PCAPath(dir, "sub-02"))
		}, []string{"no sub-*/decoders-pca.npz", "--pca=false"}},
		{"PCA of another image size", func(t *testing.T, dir string) { syntheticPCA(t, handoff.PCABasisPath(dir), fixturePCAK, 8) }, []string{"images of 192 values", "3×16×16 = 768"}},
		{"PCA subject of another size", func(t *testing.T, dir string) {
			syntheticPCA(t, handoff.PCABasisPath(dir), fixturePCAK-1, 16)
		}, []string{"decoders-pca.npz: latent size 24", "has 23 components"}},
		{"PCA subject alone", func(t *testing.T, dir string) { os.Remove(handoff.Path(dir, "sub-02")) }, []string{"sub-02/decoders-pca.npz: subject sub-02 has no decoders.npz"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := copyFMRI(t)
			c.edit(t, dir)
			err := run(f.args("--fmri", dir), io.Discard, io.Discard)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// The PCA's bars are checked on what was written: encodings chosen under
// loose bars fail the default ones, and the failures name the PCA.
func TestPCABarsFail(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	f := newFixture(t, cfg, 1, 0)
	strict, err := parseFlags(f.args(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	loose := strict
	loose.PSNR, loose.Corr, loose.Pairwise = 10, 0.5, 400
	m, _, subs, err := readExportInputs(strict)
	if err != nil {
		t.Fatal(err)
	}
	pp, err := readPCA(strict, m, subs)
	if err != nil {
		t.Fatal(err)
	}
	bar := progress.New(io.Discard, "test", 2)
	if err := pp.choose(loose, bar); err != nil {
		t.Fatal(err)
	}
	for _, c := range pp.choices() {
		// The mean image's share of the face error is one row's, so it
		// may take q4 where the rows take q3.
		if c.Bundle == "pca" && c.Kind != "q3" && (c.Name != "mean" || c.Kind != "q4") {
			t.Errorf("%s under a 10 dB bar: %s, want q3", c.Name, c.Kind)
		}
	}
	files, err := pp.encode(strict, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeBundles(strict.Out, files); err != nil {
		t.Fatal(err)
	}
	rep := &report{PCA: &spaceReport{LatentCorrMin: 1}}
	sp, err := loadAsTheApp(strict, files)
	if err != nil {
		t.Fatal(err)
	}
	fail := func(format string, args ...any) { rep.Failures = append(rep.Failures, format) }
	for _, file := range files {
		b, path := openFile(t, strict, file)
		if err := verifyPCAFile(strict, file, b, path, files, sp, pp, rep, fail); err != nil {
			t.Fatal(err)
		}
	}
	if rep.PCA.PSNRdB >= strict.PSNR || rep.PCA.LatentCorrMin >= strict.Corr {
		t.Fatalf("loose encodings pass the default bars: PSNR %.2f dB, correlation %.6f", rep.PCA.PSNRdB, rep.PCA.LatentCorrMin)
	}
	if len(rep.Failures) == 0 || !strings.Contains(strings.Join(rep.Failures, ";"), "pca: decoded latents correlate") {
		t.Errorf("failures %q", rep.Failures)
	}
	// And end to end: a PCA bar the float PCA cannot meet fails the export
	// and writes no index.
	f2 := tinyFixture(t)
	err = run(f2.args("--psnr", "200"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "pca faces: PSNR") {
		t.Fatalf("error %v, want a PCA PSNR failure", err)
	}
	if _, err := os.Stat(filepath.Join(f2.out, "index.json")); !os.IsNotExist(err) {
		t.Fatal("index.json written although a bar failed")
	}
}

// openFile opens a written bundle.
func openFile(t *testing.T, o options, f outFile) (*bundle.Bundle, string) {
	t.Helper()
	path := filepath.Join(o.Out, f.Name())
	b, err := bundle.Open(path, bundle.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return b, path
}

// TestPCABasisEncodings measures, on the real PCA baseline, the PSNR of the
// faces the bar compares (every PCA subject's test, imagery and decoded
// latents) with the whole basis in one encoding, and with the exporter's
// bands: FMRIFACE_FMRI=out/fmri go test -v -run TestPCABasisEncodings
// ./exporter/ (skipped without it).
func TestPCABasisEncodings(t *testing.T) {
	dir := os.Getenv("FMRIFACE_FMRI")
	if dir == "" {
		t.Skip("FMRIFACE_FMRI not set")
	}
	fastblas.Use()
	o := options{FMRI: dir, Model: "../models/default/model.npz", PSNR: 40, Corr: 0.999, Pairwise: 1}
	m, err := loadModel(o.Model)
	if err != nil {
		t.Fatal(err)
	}
	subs, err := handoff.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	pp, err := readPCA(o, m, subs)
	if err != nil {
		t.Fatal(err)
	}
	pe := newPCAEval(pp.pm, pp.faceZ)
	for _, k := range []quant.Kind{quant.Q3, quant.Q4, quant.Q8, quant.F16} {
		shape := []int{pp.pm.K, pp.pm.D}
		v, err := quant.RoundTrip(k, shape, pp.pm.Components)
		if err != nil {
			t.Fatal(err)
		}
		size, _ := quant.EncodedSize(k, shape)
		mse, worst := pe.mse(map[string][]float32{"mean": pp.pm.Mean, sitedata.PCABandName(0): v})
		t.Logf("basis all %v: %d bytes, PSNR %.2f dB pooled over %d faces, worst face %.2f dB", k, size, psnr(mse), len(pp.faceZ), psnr(worst))
	}
	cs, err := choosePCABasis(pp.pm, newPCAEval(pp.pm, pp.faceZ), o)
	pp.basis = cs
	if err != nil {
		t.Fatal(err)
	}
	var size int64
	for _, c := range cs {
		size += c.Bytes
		t.Logf("%s: %v %v, floors %.3g…%.3g, face MSE %.3g", c.Name, c.Shape, c.Kind, c.FloorMin, c.FloorMax, c.Effect)
	}
	mse, worst := pe.mse(values(cs))
	t.Logf("basis water-filled (the exporter's): %d bytes raw, PSNR %.2f dB pooled, worst face %.2f dB", size, psnr(mse), psnr(worst))
	// What brotli makes of it, as site/build compresses (quality 11 is
	// slow; 9 is within a few per cent).
	b, err := pp.bundle(o, m)
	if err != nil {
		t.Fatal(err)
	}
	var br bytes.Buffer
	bw := brotli.NewWriterOptions(&br, brotli.WriterOptions{Quality: 9, LGWin: 24})
	bw.Write(b)
	bw.Close()
	t.Logf("PCA bundle: %d bytes, brotli (quality 9) %d", len(b), br.Len())
}
