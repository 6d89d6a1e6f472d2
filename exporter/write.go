package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fmriface/bundle"
	"fmriface/contract/handoff"
	"fmriface/contract/sitedata"
	"fmriface/infer/fold"
	"fmriface/util/atomicfile"
)

// outFile is one bundle to write.
type outFile struct {
	// Kind is "generator", "subject" or "regions" (a subject's region
	// decoders), or for the PCA baseline "pca", "pca-subject" or
	// "pca-regions".
	Kind string
	// Prefix is "generator", the subject id, or the id + ".regions"; "pca",
	// the id + ".pca" or + ".pca-regions".
	Prefix  string
	Data    []byte
	Subject *subjectEval
}

// isRegionDecoder reports whether a subject tensor is the decoder of a
// region other than "all".
func isRegionDecoder(name string) bool {
	return strings.HasPrefix(name, "decoder.") && name != "decoder.all"
}

// inRegionsFile reports whether a subject tensor goes to the regions file:
// what the first view (all voxels, all trials) does not use, which the page
// downloads when the user first switches region or number of trials, so
// that the first face does not wait for it. The region decoders, and the
// fewer-trial patterns (test.subsets, about a quarter of a subject bundle
// after brotli; test.subset_trials stays, so the app knows the subsets).
func inRegionsFile(name string) bool {
	return isRegionDecoder(name) || name == "test.subsets"
}

// SHA256 is the hex SHA-256 of the whole file.
func (f outFile) SHA256() string {
	s := sha256.Sum256(f.Data)
	return hex.EncodeToString(s[:])
}

// Name is the content-hashed file name.
func (f outFile) Name() string { return f.Prefix + "." + f.SHA256()[:8] + ".fmb" }

// entry is the file's line in index.json and the report.
func (f outFile) entry() sitedata.FileRef {
	return sitedata.FileRef{File: f.Name(), Bytes: int64(len(f.Data)), SHA256: f.SHA256()}
}

// regionsOf returns the regions file written for e's subject (VAE-GAN or
// PCA: each has its own subjectEval), or nil.
func regionsOf(files []outFile, e *subjectEval) *outFile {
	for i := range files {
		if (files[i].Kind == "regions" || files[i].Kind == "pca-regions") && files[i].Subject == e {
			return &files[i]
		}
	}
	return nil
}

func generatorBundle(m *model, folded map[string][]float32, axes *handoff.Axes, cs []*choice, o options, cfg json.RawMessage) ([]byte, error) {
	w := bundle.NewWriter()
	archJSON, err := json.Marshal(m.Cfg)
	if err != nil {
		return nil, err
	}
	w.SetMeta(bundle.KeyKind, sitedata.GeneratorKind)
	w.SetMeta("arch", string(archJSON))
	w.SetMeta("latent", int64(m.Cfg.Latent))
	w.SetMeta("image_size", int64(m.Cfg.ImageSize))
	w.SetMeta("axes", axesRecord(axes))
	training := m.Train.Config.Faces
	if m.Train.Config.SplitFile != "" {
		training += " (split " + m.Train.Config.SplitFile + ")"
	}
	w.SetProvenance(bundle.Provenance{Command: o.bundleArgs(), Config: cfg, Seed: int64(m.Train.Config.Seed),
		CodeVersion: o.codeVersion, TrainingData: training})
	kinds := kindOf(cs)
	for _, p := range fold.GeneratorParams(m.Cfg) {
		w.AddFloat32(p.Name, p.Shape, folded[p.Name], kinds[p.Name])
	}
	w.AddFloat32("axis.male", []int{len(axes.Male)}, axes.Male, kinds["axis.male"])
	w.AddFloat32("axis.smile", []int{len(axes.Smile)}, axes.Smile, kinds["axis.smile"])
	b, err := w.Bytes()
	if err != nil {
		return nil, fmt.Errorf("generator bundle: %w", err)
	}
	return b, nil
}

func axesRecord(a *handoff.Axes) json.RawMessage {
	b, _ := json.Marshal(a.Meta)
	return b
}

func subjectBundle(e *subjectEval, cs []*choice, o options) ([]byte, error) {
	s := e.s
	w := bundle.NewWriter()
	V := s.NVoxels()
	kind := sitedata.SubjectKind
	if s.Space == handoff.SpacePCA {
		kind = sitedata.PCASubjectKind
	}
	w.SetMeta(bundle.KeyKind, kind)
	w.SetMeta("n_voxels", int64(V))
	w.SetMeta("rois", sitedata.ROINames())
	w.SetMeta("simulated", s.Simulated)
	w.SetMeta("imagery_target", int64(s.ImageryTarget))
	w.SetMeta("latent", int64(s.Latent))
	w.SetMeta("pairwise_float", e.pairF["all"].Accuracy)
	if s.Simulated {
		w.SetMeta("noise_level", s.Provenance.NoiseLevel)
	}
	analysis, err := json.Marshal(s.Provenance)
	if err != nil {
		return nil, err
	}
	w.SetMeta("analysis", json.RawMessage(analysis))
	w.SetProvenance(bundle.Provenance{Command: o.bundleArgs(), Config: analysis, Seed: s.Provenance.Seed,
		CodeVersion: o.codeVersion, TrainingData: s.Provenance.TrainingData, Subject: s.ID, VoxelCount: int64(V)})
	w.AddInt16("voxels.ijk", []int{V, 3}, s.VoxelIJK)
	w.AddUint8("voxels.roi", []int{V}, s.VoxelROI)
	g := s.GridShape
	w.AddInt32("grid.shape", []int{3}, []int32{int32(g[0]), int32(g[1]), int32(g[2])})
	for _, r := range s.ROIs {
		w.AddInt32("roi."+r.Name, []int{len(r.Voxels)}, r.Voxels)
	}
	w.AddInt32("test.subset_trials", []int{s.NSubsets()}, s.TestSubsetTrials)
	w.AddUint8("test.male", []int{s.NTest()}, s.TestMale)
	for _, c := range cs {
		if !inRegionsFile(c.Name) {
			c.addTo(w)
		}
	}
	b, err := w.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%s bundle: %w", s.ID, err)
	}
	return b, nil
}

// regionsBundle is the subject's regions file (docs/site-data.md).
func regionsBundle(e *subjectEval, cs []*choice, o options) ([]byte, error) {
	s := e.s
	w := bundle.NewWriter()
	kind := sitedata.RegionsKind
	if s.Space == handoff.SpacePCA {
		kind = sitedata.PCARegionsKind
	}
	w.SetMeta(bundle.KeyKind, kind)
	w.SetMeta("subject", s.ID)
	w.SetMeta("n_voxels", int64(s.NVoxels()))
	w.SetMeta("latent", int64(s.Latent))
	w.SetMeta("simulated", s.Simulated)
	w.SetProvenance(bundle.Provenance{Command: o.bundleArgs(), Seed: s.Provenance.Seed, CodeVersion: o.codeVersion,
		TrainingData: s.Provenance.TrainingData, Subject: s.ID, VoxelCount: int64(s.NVoxels())})
	for _, c := range cs {
		if inRegionsFile(c.Name) {
			c.addTo(w)
		}
	}
	b, err := w.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%s regions bundle: %w", s.ID, err)
	}
	return b, nil
}

// writeBundles writes every file atomically under its content-hashed name,
// first taking over the bytes of an existing file that differs only in its
// code version (reuseUnchanged): files[i].Data may change.
func writeBundles(dir string, files []outFile) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := reuseUnchanged(dir, files); err != nil {
		return err
	}
	for _, f := range files {
		if err := atomicfile.WriteFile(filepath.Join(dir, f.Name()), f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

const simulatedNotice = "The fMRI samples come from virtual subjects simulated on the real ds001761 protocol; they are not real brain data."

// writeIndex writes index.json listing files and, where there is one, the
// realbrain file real.
func writeIndex(o options, m *model, files []outFile, real *outFile) error {
	date := o.Date
	if date == "" {
		date = m.Train.Saved
	}
	if date == "" {
		date = "unknown"
	}
	ix := sitedata.Index{Format: sitedata.IndexFormat, Simulated: true,
		GeneratedBy: sitedata.GeneratedBy{Command: strings.Join(o.Args, " "), CodeVersion: o.codeVersion, Date: date}}
	keep := map[string]bool{}
	for _, f := range files {
		ent := f.entry()
		keep[f.Name()] = true
		switch f.Kind {
		case "generator":
			ix.Generator = ent
			continue
		case "regions", "pca-regions":
			continue // attached to its subject below
		case "pca":
			ix.PCA = &ent
			continue
		case "pca-subject":
			continue // attached to its subject after the loop
		}
		s := f.Subject.s
		ix.Simulated = ix.Simulated && s.Simulated
		is := sitedata.SubjectRef{ID: s.ID, FileRef: ent, NVoxels: s.NVoxels(), PairwiseFloat: f.Subject.pairF["all"].Accuracy}
		if r := regionsOf(files, f.Subject); r != nil {
			re := r.entry()
			is.Regions = &re
		}
		ix.Subjects = append(ix.Subjects, is)
	}
	attachPCA(&ix, files)
	if ix.Simulated {
		ix.Notice = simulatedNotice
	}
	if real != nil {
		ent := real.entry()
		ix.Real = &ent
		keep[real.Name()] = true
	}
	if err := saveIndex(o.Out, &ix); err != nil {
		return err
	}
	return removeStale(o.Out, keep, "generator.*.fmb", "sub-*.*.fmb", "realbrain.*.fmb", "pca.*.fmb")
}

// loadIndex reads the index.json of the site data in dir, for the steps
// that add one kind of file to an earlier export (what names the step in
// errors).
func loadIndex(dir, what string) (*sitedata.Index, string, error) {
	path := filepath.Join(dir, sitedata.IndexName)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, path, fmt.Errorf("%s: %w (run the exporter, or site/fakesite, first)", what, err)
	}
	ix, err := sitedata.ParseIndex(raw)
	if err != nil {
		return nil, path, fmt.Errorf("%s: %s: %w", what, path, err)
	}
	return ix, path, nil
}

// saveIndex writes ix as dir's index.json, atomically.
func saveIndex(dir string, ix *sitedata.Index) error {
	data, err := ix.Encode()
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, sitedata.IndexName), data, 0o644)
}

// removeStale deletes the files in dir that match one of patterns (names
// the calling step writes) and are not in keep: bundles of earlier exports
// that the index no longer lists.
func removeStale(dir string, keep map[string]bool, patterns ...string) error {
	var stale []string
	for _, pat := range patterns {
		m, err := filepath.Glob(filepath.Join(dir, pat))
		if err != nil {
			return err
		}
		for _, p := range m {
			if !keep[filepath.Base(p)] {
				stale = append(stale, p)
			}
		}
	}
	slices.Sort(stale)
	for _, p := range stale {
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	return nil
}

// attachPCA lists each PCA subject's files under its subject.
func attachPCA(ix *sitedata.Index, files []outFile) {
	for _, f := range files {
		if f.Kind != "pca-subject" {
			continue
		}
		p := &sitedata.PCASubjectRef{FileRef: f.entry(), NVoxels: f.Subject.s.NVoxels(), PairwiseFloat: f.Subject.pairF["all"].Accuracy}
		if r := regionsOf(files, f.Subject); r != nil {
			re := r.entry()
			p.Regions = &re
		}
		for i := range ix.Subjects {
			if ix.Subjects[i].ID == f.Subject.s.ID {
				ix.Subjects[i].PCA = p
			}
		}
	}
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.WriteFile(path, append(b, '\n'), 0o644)
}
