package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"fmriface/bundle"
	"fmriface/contract/sitedata"
	"fmriface/neuro/analysis"
	"fmriface/neuro/lab"
	"fmriface/util/ckpt"
)

// The Lab panel's files (issue 22, docs/site-data.md): from trainer fmri
// lab's lab.npz (stimulus features, loadings, true latents), quantized, with
// the lab's one free parameter, the per-trial noise unit, calibrated on the
// quantized data against the full pipeline's VAE-GAN pairwise accuracy; the
// export fails when a subject's lab accuracy at the full experiment's
// settings is more than --lab-tolerance from the pipeline's.

const (
	defaultLab         = "out/fmri/lab.npz"
	defaultLabPipeline = "out/fmri/eval.json"
	labReport          = "reports/fmri/README.md" // the pipeline's committed numbers, when there is no eval.json
)

// labInput is lab.npz's metadata (trainer/fmri_lab.go).
type labInput struct {
	Format    string  `json:"format"`
	Train     int     `json:"train"`
	Test      int     `json:"test"`
	K         int     `json:"k"`
	DriveKept float64 `json:"drive_kept"`
	Subjects  []struct {
		Name   string  `json:"name"`
		Noise  float64 `json:"noise"`
		Voxels int     `json:"voxels"`
	} `json:"subjects"`
	Version string `json:"version"`
	Command string `json:"command"`
}

// readLab reads lab.npz into float lab data (NoiseUnit 1 until calibrated).
func readLab(path string, testReps int) (*lab.Data, *labInput, error) {
	f, err := ckpt.Load(path)
	if err != nil {
		return nil, nil, fmt.Errorf("--lab: %w", err)
	}
	var in labInput
	if err := f.DecodeMeta(&in); err != nil {
		return nil, nil, fmt.Errorf("--lab %s: %w", path, err)
	}
	if in.Format != "fmriface-lab" {
		return nil, nil, fmt.Errorf("--lab %s: format %q, want fmriface-lab (trainer fmri lab)", path, in.Format)
	}
	get := func(name string) ([]float32, error) {
		t, ok := f.Tensors[name]
		if !ok {
			return nil, fmt.Errorf("--lab %s: no tensor %q", path, name)
		}
		return t.Data, nil
	}
	d := &lab.Data{Train: in.Train, Test: in.Test, K: in.K, NoiseUnit: 1, TestReps: testReps, DriveKept: in.DriveKept,
		Latents: map[string][]float32{}}
	if d.Features, err = get("features"); err != nil {
		return nil, nil, err
	}
	for _, sp := range []string{lab.SpaceVAEGAN, lab.SpacePCA} {
		t, ok := f.Tensors["latents."+sp]
		if !ok {
			continue
		}
		if len(t.Shape) != 2 {
			return nil, nil, fmt.Errorf("--lab %s: latents.%s has shape %v", path, sp, t.Shape)
		}
		d.P = t.Shape[1]
		d.Latents[sp] = t.Data
	}
	for _, s := range in.Subjects {
		roi, err := get("roi." + s.Name)
		if err != nil {
			return nil, nil, err
		}
		load, err := get("load." + s.Name)
		if err != nil {
			return nil, nil, err
		}
		sub := lab.Subject{Name: s.Name, Noise: s.Noise, Load: load, ROI: make([]uint8, len(roi))}
		for v, r := range roi {
			sub.ROI[v] = uint8(r)
		}
		d.Subjects = append(d.Subjects, sub)
	}
	if err := d.Validate(); err != nil {
		return nil, nil, fmt.Errorf("--lab %s: %w", path, err)
	}
	return d, &in, nil
}

// labTargets reads the full pipeline's VAE-GAN pairwise accuracy (all
// selected voxels) per subject: from eval.json (trainer fmri eval), which
// also gives the selected voxel count, or else from the committed report's
// table, with voxelShare of each subject's voxels.
func labTargets(path string, d *lab.Data, voxelShare float64) ([]lab.Target, string, error) {
	src := path
	acc := map[string]float64{}
	vox := map[string]int{}
	raw, err := os.ReadFile(path)
	switch {
	case err == nil:
		var ev analysis.Evaluation
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, "", fmt.Errorf("--lab-pipeline %s: %w", path, err)
		}
		for _, s := range ev.Subjects {
			m, ok := s.Models["vaegan"]["all"]
			if ok && m.Pairwise != nil {
				acc[s.Subject] = *m.Pairwise
				vox[s.Subject] = m.NVoxels
			}
		}
	case errors.Is(err, fs.ErrNotExist) && path == defaultLabPipeline:
		src = labReport
		if acc, err = reportPairwise(labReport); err != nil {
			return nil, "", err
		}
	default:
		return nil, "", fmt.Errorf("--lab-pipeline: %w", err)
	}
	var out []lab.Target
	for _, s := range d.Subjects {
		a, ok := acc[s.Name]
		if !ok {
			return nil, "", fmt.Errorf("--lab-pipeline %s: no VAE-GAN pairwise accuracy of %s", src, s.Name)
		}
		v := vox[s.Name]
		if v == 0 || v > s.Voxels() {
			v = int(voxelShare * float64(s.Voxels()))
		}
		out = append(out, lab.Target{Subject: s.Name, Pairwise: a, Voxels: v})
	}
	return out, src, nil
}

// reportPairwise reads the table "Pairwise identification, all selected
// voxels" of the fMRI report: rows "| sub-01 | 98.7 (p …) | …", the second
// column being our VAE-GAN accuracy in percent.
func reportPairwise(path string) (map[string]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("lab: the pipeline's accuracies: %w", err)
	}
	defer f.Close()
	row := regexp.MustCompile(`^\| (sub-\d+) \| ([0-9.]+)`)
	out := map[string]float64{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			in = strings.HasPrefix(line, "## Pairwise identification, all selected voxels")
			continue
		}
		if m := row.FindStringSubmatch(line); in && m != nil {
			v, err := strconv.ParseFloat(m[2], 64)
			if err != nil || v < 0 || v > 100 {
				return nil, fmt.Errorf("%s: %q: not a percentage", path, line)
			}
			out[m[1]] = v / 100
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no \"Pairwise identification, all selected voxels\" table", path)
	}
	return out, nil
}

// labCheck is what the export measured, recorded in the base file's
// provenance and printed.
type labCheck struct {
	Source        string    `json:"pipeline_source"`
	Subjects      []string  `json:"subjects"`
	Pipeline      []float64 `json:"pipeline_pairwise"`
	Voxels        []int     `json:"voxels"`
	Lab           []float64 `json:"lab_pairwise"`
	LabFloat      []float64 `json:"lab_pairwise_float_data"`
	NoiseUnit     float64   `json:"noise_unit"`
	Seeds         int       `json:"seeds"`
	Tolerance     float64   `json:"tolerance"`
	DriveKept     float64   `json:"drive_kept"`
	TestReps      int       `json:"test_reps"`
	Encodings     string    `json:"encodings"`
	InputCommand  string    `json:"input_command"`
	InputVersion  string    `json:"input_version"`
	BaseBytes     int       `json:"base_bytes"`
	PCABytes      int       `json:"pca_bytes,omitempty"`
	CalibrationOn string    `json:"calibrated_on"`
}

// labFiles builds the lab's files from o.Lab, or returns nil when there is
// none: --lab "", or the default path missing (said on stderr).
func labFiles(o options, stdout, stderr io.Writer) ([]outFile, error) {
	if o.Lab == "" {
		return nil, nil
	}
	if _, err := os.Stat(o.Lab); errors.Is(err, fs.ErrNotExist) && o.Lab == defaultLab && !o.labSet {
		fmt.Fprintf(stderr, "exporter: no %s (trainer fmri lab writes it): the site has no Lab panel data\n", o.Lab)
		return nil, nil
	}
	fd, in, err := readLab(o.Lab, o.LabReps)
	if err != nil {
		return nil, err
	}
	targets, src, err := labTargets(o.LabPipeline, fd, o.LabVoxelShare)
	if err != nil {
		return nil, err
	}
	enc := lab.DefaultEncodings()
	prov := bundle.Provenance{Command: o.Args, CodeVersion: o.codeVersion, TrainingData: "trainer fmri lab: " + in.Command}
	// The app sees the quantized data: calibrate and check on them.
	qd, err := quantized(fd, enc, prov)
	if err != nil {
		return nil, err
	}
	var cal *lab.Calibration
	if o.LabNoiseUnit > 0 {
		fmt.Fprintf(stderr, "lab: noise unit %v as given; checking %d subjects against %s\n", o.LabNoiseUnit, len(targets), src)
		cal, err = lab.Measure(context.Background(), qd, targets, o.LabNoiseUnit, o.LabSeeds)
	} else {
		fmt.Fprintf(stderr, "lab: calibrating the noise unit on %d subjects against %s\n", len(targets), src)
		cal, err = lab.CalibrateNoiseUnit(context.Background(), qd, targets, o.LabSeeds, stderr)
	}
	if err != nil {
		return nil, err
	}
	chk := labCheck{Source: src, NoiseUnit: cal.NoiseUnit, Seeds: cal.Seeds, Tolerance: o.LabTolerance, Lab: cal.Pairwise,
		DriveKept: fd.DriveKept, TestReps: fd.TestReps, InputCommand: in.Command, InputVersion: in.Version,
		Encodings:     fmt.Sprintf("features %v, latents %v, loadings %v", enc.Features, enc.Latents, enc.Loads),
		CalibrationOn: "the quantized data, mean pairwise over the subjects"}
	if o.LabNoiseUnit > 0 {
		chk.CalibrationOn = "given (--lab-noise-unit), checked on the quantized data"
	}
	fd.NoiseUnit = cal.NoiseUnit
	var cache lab.Cache
	for _, t := range targets {
		chk.Subjects = append(chk.Subjects, t.Subject)
		chk.Pipeline = append(chk.Pipeline, t.Pairwise)
		chk.Voxels = append(chk.Voxels, t.Voxels)
		var a float64
		for s := 1; s <= o.LabSeeds; s++ {
			res, err := lab.Run(context.Background(), fd, fd.FullConfig(t.Subject, t.Voxels, uint64(s)), &cache, nil)
			if err != nil {
				return nil, err
			}
			a += res.Pairwise.Accuracy / float64(o.LabSeeds)
		}
		chk.LabFloat = append(chk.LabFloat, a)
	}
	for i, t := range targets {
		fmt.Fprintf(stdout, "lab %s: pairwise %.1f %% (float data %.1f %%), full pipeline %.1f %%, %d voxels\n",
			t.Subject, 100*chk.Lab[i], 100*chk.LabFloat[i], 100*t.Pairwise, t.Voxels)
	}
	cfg, _ := json.Marshal(chk)
	prov.Config = cfg
	base, err := lab.EncodeBase(fd, enc, prov)
	if err != nil {
		return nil, err
	}
	files := []outFile{{Kind: "lab", Prefix: "lab", Data: base}}
	// The lab's PCA latents come with the PCA baseline (--pca), as the
	// site's PCA files do: without it the site has no PCA to compare with.
	if _, ok := fd.Latents[lab.SpacePCA]; ok && o.PCA {
		pca, err := lab.EncodePCA(fd, enc, prov)
		if err != nil {
			return nil, err
		}
		files = append(files, outFile{Kind: "lab-pca", Prefix: "lab-pca", Data: pca})
	}
	for _, f := range files {
		if len(f.Data) > sitedata.MaxLabBytes {
			return nil, fmt.Errorf("lab: %s is %d bytes, over the %d budget", f.Prefix, len(f.Data), sitedata.MaxLabBytes)
		}
	}
	if err := cal.CheckAgainst(targets, o.LabTolerance); err != nil {
		return nil, fmt.Errorf("%w (lab files not written)", err)
	}
	fmt.Fprintf(stdout, "lab: noise unit %.4g; %d bytes (+ PCA %d)\n", cal.NoiseUnit, len(base), pcaBytes(files))
	return files, nil
}

func pcaBytes(files []outFile) int {
	if len(files) > 1 {
		return len(files[1].Data)
	}
	return 0
}

// quantized returns the data as the app reads them back from the files.
func quantized(d *lab.Data, enc lab.Encodings, prov bundle.Provenance) (*lab.Data, error) {
	base, err := lab.EncodeBase(d, enc, prov)
	if err != nil {
		return nil, err
	}
	q, err := lab.DecodeBase("lab", base)
	if err != nil {
		return nil, err
	}
	if _, ok := d.Latents[lab.SpacePCA]; ok {
		pca, err := lab.EncodePCA(d, enc, prov)
		if err != nil {
			return nil, err
		}
		if err := q.AddPCA("lab-pca", pca); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// addLab writes the lab files into the site data in o.Out and lists them in
// its index.json (replacing earlier ones). It is --lab-only, and the last
// step of a full export.
func addLab(o options, stdout, stderr io.Writer) error {
	ix, _, err := loadIndex(o.Out, "lab")
	if err != nil {
		return err
	}
	files, err := labFiles(o, stdout, stderr)
	if err != nil || files == nil {
		return err
	}
	return installLab(o.Out, ix, files, stdout)
}

// installLab writes files (the base file, then the PCA one if any) and
// lists them in ix, written to dir, removing the files they replace.
func installLab(dir string, ix *sitedata.Index, files []outFile, stdout io.Writer) error {
	if err := writeBundles(dir, files); err != nil {
		return err
	}
	old := ix.Lab
	ref := &sitedata.LabRef{FileRef: files[0].entry()}
	if len(files) > 1 {
		e := files[1].entry()
		ref.PCA = &e
	}
	ix.Lab = ref
	if err := saveIndex(dir, ix); err != nil {
		return err
	}
	keep := map[string]bool{ref.File: true}
	if ref.PCA != nil {
		keep[ref.PCA.File] = true
	}
	if old != nil {
		for _, f := range []*sitedata.FileRef{&old.FileRef, old.PCA} {
			if f != nil && !keep[f.File] {
				if err := os.Remove(filepath.Join(dir, f.File)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return err
				}
			}
		}
	}
	// Lab files that no index lists any more: a full export rewrites the
	// index before the Lab's step, so the old reference is gone by then.
	if err := removeStale(dir, keep, "lab.*.fmb", "lab-pca.*.fmb"); err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintf(stdout, "wrote %s (%d bytes)\n", filepath.Join(dir, f.Name()), len(f.Data))
	}
	return nil
}
