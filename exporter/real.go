package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"fmriface/bundle"
	"fmriface/contract/sitedata"
	"fmriface/infer/site"
	"fmriface/neuro/haxby"
)

// The site's realbrain file (docs/site-data.md): the "Real brain" panel's
// data, built from the real-fMRI analysis's results.json (trainer real
// haxby → reports/haxby), which already holds every number and array the
// panel shows; the raw data in ../shared are not read here.

// defaultReal is --real's default: the committed report.
const defaultReal = "reports/haxby/results.json"

// realShort and realLicense are the attribution shown beside every number.
const (
	realShort   = "Haxby et al. (2001)"
	realLicense = "CC BY-SA 3.0"
)

// realFile reads --real and encodes the realbrain bundle, or returns nil
// when there is none to write: --real "", or the default path missing (a
// checkout without reports/haxby), which is said on stderr. A --real named
// explicitly must exist.
func realFile(o options, stderr io.Writer) (*outFile, error) {
	if o.Real == "" {
		return nil, nil
	}
	if _, err := os.Stat(o.Real); errors.Is(err, fs.ErrNotExist) && o.Real == defaultReal && !o.realSet {
		fmt.Fprintf(stderr, "exporter: no %s (make reproduce-haxby writes it): the site has no Real brain panel data\n", o.Real)
		return nil, nil
	}
	rep, err := haxby.ReadReport(o.Real)
	if err != nil {
		return nil, fmt.Errorf("--real: %w", err)
	}
	rb, err := realBrain(rep)
	if err != nil {
		return nil, fmt.Errorf("--real %s: %w", o.Real, err)
	}
	cfg, _ := json.Marshal(map[string]any{"results": filepath.Base(o.Real), "analysis_command": rep.Command,
		"analysis_code_version": rep.CodeVersion, "permutations": rep.Config.Permutations, "seed": rep.Config.Seed})
	rb.Provenance = bundle.Provenance{Command: o.Args, Config: cfg, Seed: int64(rep.Config.Seed), CodeVersion: o.codeVersion,
		TrainingData: "real fMRI: " + rep.Title + ". " + rep.Citation + " " + rep.License}
	data, err := rb.Encode()
	if err != nil {
		return nil, fmt.Errorf("--real %s: %w", o.Real, err)
	}
	return &outFile{Kind: "real", Prefix: "realbrain", Data: data}, nil
}

// realBrain takes from the report what the panel shows: the map, and the
// leave-one-run-out methods (one fold per run; the split-half method has
// two folds and is quoted in the literature rows instead).
func realBrain(r *haxby.Report) (*site.RealBrain, error) {
	ds, fm := r.Dataset, r.Map
	rb := &site.RealBrain{Subject: ds.Subject, Title: r.Title, Source: realShort, License: realLicense, Terms: r.License,
		Citation: r.Citation, NX: ds.Grid[0], NY: ds.Grid[1], Threshold: fm.Threshold, Alpha: fm.Alpha, DOF: fm.DOF,
		Categories: ds.Categories, Permutations: r.Config.Permutations}
	if r.Config.Permutations < 1 {
		return nil, errors.New("the report has no permutation p-values (trainer real haxby --permutations 0)")
	}
	for i := range 4 {
		for j := range 4 {
			rb.Affine[4*i+j] = ds.Affine[i][j]
		}
	}
	for _, v := range fm.Mean {
		rb.Mean = append(rb.Mean, float32(v))
	}
	for j, v := range fm.Mask {
		rb.Mask = append(rb.Mask, int32(v))
		rb.T = append(rb.T, float32(fm.T[j]))
	}
	k := len(ds.Categories)
	for _, m := range r.Methods {
		if len(m.Folds) != ds.Runs {
			continue
		}
		if rb.Runs == nil {
			rb.Runs = m.Folds
		} else if !slices.Equal(rb.Runs, m.Folds) {
			return nil, fmt.Errorf("methods %q and %q hold out different runs", r.Methods[0].Name, m.Name)
		}
		rm := site.RealMethod{Name: m.Name, Accuracy: m.Accuracy, PValue: m.PValue, Pairwise: m.Pairwise, PairwisePValue: m.PairwisePValue}
		for run, row := range m.Predicted {
			for c, p := range row {
				if p < 0 || p >= k {
					return nil, fmt.Errorf("method %q, %s: category %d decoded as %d", m.Name, m.Folds[run], c, p)
				}
				rm.Predicted = append(rm.Predicted, uint8(p))
			}
		}
		for _, row := range m.Confusion {
			for _, n := range row {
				rm.Confusion = append(rm.Confusion, int32(n))
			}
		}
		rb.Methods = append(rb.Methods, rm)
	}
	if len(rb.Methods) == 0 {
		return nil, fmt.Errorf("no method holds out each of the %d runs", ds.Runs)
	}
	for _, l := range r.Literature {
		ours := l.Ours
		if l.Note != "" {
			ours += " (" + l.Note + ")"
		}
		rb.Literature = append(rb.Literature, site.RealLit{Measure: l.Measure, Value: l.Value, Source: l.Source, Ours: ours})
	}
	// The face-selective voxels the panel derives (t > threshold, from the
	// rounded values of results.json) must be the report's.
	var want []int32
	for _, v := range fm.FaceSelective {
		want = append(want, int32(v))
	}
	if got := rb.FaceSelective(); !slices.Equal(got, want) {
		return nil, fmt.Errorf("face-selective voxels %v from t > %v, the report lists %v", got, fm.Threshold, want)
	}
	return rb, nil
}

// addReal is --real-only: it writes the realbrain file from --real into
// the site data already in --out and lists it in that index.json (replacing
// an earlier one), leaving every other file as it is.
func addReal(o options, stdout, stderr io.Writer) error {
	ix, path, err := loadIndex(o.Out, "--real-only")
	if err != nil {
		return err
	}
	o.realSet = true // the report must exist
	f, err := realFile(o, stderr)
	if err != nil {
		return err
	}
	if f == nil {
		return errors.New("--real-only needs --real")
	}
	rs := []outFile{*f}
	if err := writeBundles(o.Out, rs); err != nil {
		return err
	}
	*f = rs[0]
	if err := checkReal(o.Out, f); err != nil {
		return err
	}
	old := ix.Real
	ent := f.entry()
	ix.Real = &ent
	if err := saveIndex(o.Out, ix); err != nil {
		return err
	}
	if old != nil && old.File != ent.File {
		if err := os.Remove(filepath.Join(o.Out, old.File)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	fmt.Fprintf(stdout, "wrote %s (%d bytes) and listed it in %s\n", filepath.Join(o.Out, ent.File), ent.Bytes, path)
	return nil
}

// checkReal loads the written realbrain file back from disk through the
// app's loader (package infer/site).
func checkReal(dir string, f *outFile) error {
	path := filepath.Join(dir, f.Name())
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if _, err := site.LoadRealBrain(path, data); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if len(data) > sitedata.MaxRealBytes {
		return fmt.Errorf("verify: %s: %d bytes, more than the %d index.json allows", path, len(data), sitedata.MaxRealBytes)
	}
	return nil
}
