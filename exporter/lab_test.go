package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fmriface/neuro/analysis"
	"fmriface/neuro/lab"
	sitefixture "fmriface/site/fixture"
	"fmriface/util/ckpt"
)

// writeLabInput writes a lab.npz (trainer fmri lab's format) of synthetic
// data and an eval.json whose VAE-GAN accuracies are the lab's own at a
// noise unit of 20, shifted by off for the second subject.
func writeLabInput(t *testing.T, dir string, off float64) (labPath, evalPath string) {
	t.Helper()
	d, err := lab.Synthetic(lab.SyntheticSpec{Train: 300, K: 24, P: 16, Voxels: []int{90, 120}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	n := d.Train + d.Test
	tensors := []ckpt.Tensor{{Name: "features", Shape: []int{n, d.K}, Data: d.Features}}
	for _, sp := range []string{lab.SpaceVAEGAN, lab.SpacePCA} {
		tensors = append(tensors, ckpt.Tensor{Name: "latents." + sp, Shape: []int{n, d.P}, Data: d.Latents[sp]})
	}
	var subs []map[string]any
	d.NoiseUnit = 20
	ev := analysis.Evaluation{}
	for i, s := range d.Subjects {
		roi := make([]float32, s.Voxels())
		for v, r := range s.ROI {
			roi[v] = float32(r)
		}
		tensors = append(tensors, ckpt.Tensor{Name: "roi." + s.Name, Shape: []int{s.Voxels()}, Data: roi},
			ckpt.Tensor{Name: "load." + s.Name, Shape: []int{d.K, s.Voxels()}, Data: s.Load})
		subs = append(subs, map[string]any{"name": s.Name, "noise": s.Noise, "voxels": s.Voxels()})
		var acc float64
		for seed := uint64(1); seed <= 3; seed++ {
			res, err := lab.Run(context.Background(), d, d.FullConfig(s.Name, 0, seed), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			acc += res.Pairwise.Accuracy / 3
		}
		if i == 1 {
			acc += off
		}
		ev.Subjects = append(ev.Subjects, &analysis.SubjectEval{Subject: s.Name,
			Models: map[string]map[string]analysis.Metrics{"vaegan": {"all": {Pairwise: &acc, NVoxels: s.Voxels()}}}})
	}
	meta := map[string]any{"format": "fmriface-lab", "train": d.Train, "test": d.Test, "k": d.K, "drive_kept": 0.99,
		"subjects": subs, "command": "test", "version": "test"}
	labPath = filepath.Join(dir, "lab.npz")
	if err := ckpt.Save(labPath, meta, tensors, ckpt.Float32); err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(ev)
	evalPath = filepath.Join(dir, "eval.json")
	if err := os.WriteFile(evalPath, js, 0o644); err != nil {
		t.Fatal(err)
	}
	return labPath, evalPath
}

func TestLabOnly(t *testing.T) {
	dir := t.TempDir()
	before, err := sitefixture.Write(dir, sitefixture.Options{Voxels: 60, Subjects: 1, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	labPath, evalPath := writeLabInput(t, t.TempDir(), 0)
	var out strings.Builder
	args := []string{"--lab-only", "--lab", labPath, "--lab-pipeline", evalPath, "--lab-test-reps", "45", "--out", dir}
	if err := run(args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	after := readIndex(t, dir)
	if after.Lab == nil || after.Lab.PCA == nil || after.Lab.File == before.Lab.File || after.Generator != before.Generator {
		t.Fatalf("index before %+v, after %+v", before.Lab, after.Lab)
	}
	data, err := os.ReadFile(filepath.Join(dir, after.Lab.File))
	if err != nil {
		t.Fatal(err)
	}
	d, err := lab.DecodeBase(after.Lab.File, data)
	if err != nil {
		t.Fatal(err)
	}
	if d.NoiseUnit < 17 || d.NoiseUnit > 23 || d.TestReps != 45 {
		t.Errorf("calibrated noise unit %.3g (want about 20), test repetitions %d", d.NoiseUnit, d.TestReps)
	}
	if _, err := os.Stat(filepath.Join(dir, before.Lab.File)); !os.IsNotExist(err) {
		t.Errorf("the fixture's lab file stays: %v", err)
	}
	for _, want := range []string{"lab sub-01: pairwise", "lab sub-02: pairwise", "noise unit"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output %q lacks %q", out.String(), want)
		}
	}
}

// Without the PCA baseline (--pca=false, as the committed site data are
// exported) the lab's PCA latents stay out too.
func TestLabOnlyWithoutPCA(t *testing.T) {
	dir := t.TempDir()
	if _, err := sitefixture.Write(dir, sitefixture.Options{Voxels: 60, Subjects: 1, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	// A Lab file no index lists (a full export rewrites the index before
	// the Lab's step) is removed with the one the index lists.
	stale := filepath.Join(dir, "lab.0badcafe.fmb")
	if err := os.WriteFile(stale, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	labPath, evalPath := writeLabInput(t, t.TempDir(), 0)
	args := []string{"--lab-only", "--pca=false", "--lab", labPath, "--lab-pipeline", evalPath, "--out", dir}
	if err := run(args, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	after := readIndex(t, dir)
	if after.Lab == nil || after.Lab.PCA != nil {
		t.Fatalf("lab entry %+v, want no PCA file", after.Lab)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("an unlisted Lab file stays: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, after.Lab.File)); err != nil {
		t.Errorf("the listed Lab file: %v", err)
	}
}

// A subject whose pipeline accuracy the lab cannot reach within the
// tolerance fails the export, naming it.
func TestLabCheckFails(t *testing.T) {
	dir := t.TempDir()
	if _, err := sitefixture.Write(dir, sitefixture.Options{Voxels: 60, Subjects: 1, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	labPath, evalPath := writeLabInput(t, t.TempDir(), -0.3)
	err := run([]string{"--lab-only", "--lab", labPath, "--lab-pipeline", evalPath, "--out", dir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "sub-0") || !strings.Contains(err.Error(), "points apart") {
		t.Errorf("error %v, want one naming the subject more than 5 points apart", err)
	}
}

func TestReportPairwise(t *testing.T) {
	got, err := reportPairwise("../" + labReport)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || !(got["sub-01"] > 0.5 && got["sub-01"] <= 1) {
		t.Errorf("the committed report's VAE-GAN pairwise: %v", got)
	}
	p := filepath.Join(t.TempDir(), "README.md")
	os.WriteFile(p, []byte("# no table\n| sub-01 | 98.7 |\n"), 0o644)
	if _, err := reportPairwise(p); err == nil || !strings.Contains(err.Error(), "no \"Pairwise") {
		t.Errorf("a report without the table: %v", err)
	}
	if _, err := reportPairwise(filepath.Join(t.TempDir(), "missing.md")); err == nil {
		t.Error("a missing report: no error")
	}
}

// --lab-noise-unit skips the calibration but not the check.
func TestLabNoiseUnitGiven(t *testing.T) {
	dir := t.TempDir()
	if _, err := sitefixture.Write(dir, sitefixture.Options{Voxels: 60, Subjects: 1, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	labPath, evalPath := writeLabInput(t, t.TempDir(), 0)
	args := []string{"--lab-only", "--lab", labPath, "--lab-pipeline", evalPath, "--out", dir, "--lab-noise-unit"}
	if err := run(append(args, "20"), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	d, err := lab.DecodeBase("lab", mustRead(t, filepath.Join(dir, readIndex(t, dir).Lab.File)))
	if err != nil || d.NoiseUnit != 20 {
		t.Fatalf("noise unit %v, %v", d, err)
	}
	if err := run(append(args, "200"), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "points apart") {
		t.Errorf("a unit far off: %v", err)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
