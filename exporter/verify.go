package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"fmriface/bundle"
	"fmriface/contract/handoff"
	"fmriface/contract/sitedata"
	"fmriface/infer/fold"
	"fmriface/infer/site"
)

// report is export-report.json.
type report struct {
	PSNRdB               float64 `json:"psnr_db"`     // pooled over all faces
	PSNRMindB            float64 `json:"psnr_min_db"` // of the worst face
	Faces                int     `json:"faces"`
	LatentCorrMin        float64 `json:"latent_corr_min"`
	PairwiseChangedPairs int     `json:"pairwise_changed_pairs"` // worst subject, all voxels
	BytesTotal           int64   `json:"bytes_total"`
	BytesGenerator       int64   `json:"bytes_generator"`
	BytesSubjects        int64   `json:"bytes_subjects"`
	BytesPCA             int64   `json:"bytes_pca,omitempty"` // the PCA baseline's files
	Dominant             string  `json:"dominant"`
	// The fidelity and bytes of each latent space apart: the fields above
	// (the VAE-GAN's; bytes_total is the whole site data's) and the PCA
	// baseline's, with what the page downloads for each part.
	VAEGAN      spaceReport        `json:"vaegan"`
	PCA         *spaceReport       `json:"pca,omitempty"`
	Parts       partBytes          `json:"bytes_parts"`
	PCASubjects []subjectReport    `json:"pca_subjects,omitempty"`
	Bars        bars               `json:"bars"`
	Pass        bool               `json:"pass"`
	Failures    []string           `json:"failures,omitempty"`
	Files       []sitedata.FileRef `json:"files"`
	Subjects    []subjectReport    `json:"subjects"`
	Tensors     []*choice          `json:"tensors"`
}

// spaceReport is one latent space's bars and bytes.
type spaceReport struct {
	PSNRdB               float64 `json:"psnr_db"`     // faces of its stored generator or basis, pooled
	PSNRMindB            float64 `json:"psnr_min_db"` // the worst face
	Faces                int     `json:"faces"`
	LatentCorrMin        float64 `json:"latent_corr_min"`
	PairwiseChangedPairs int     `json:"pairwise_changed_pairs"` // worst subject, all voxels
	BytesTotal           int64   `json:"bytes_total"`            // this space's files
	Dominant             string  `json:"dominant"`
}

// partBytes is what each step of a visit downloads (bundles only: index.json
// and the app come on top).
type partBytes struct {
	// FirstFace is the generator and the first subject's bundle, which the
	// page loads before the first face.
	FirstFace int64 `json:"first_face"`
	// Regions is the first subject's regions file (its first region view).
	Regions int64 `json:"regions"`
	// PCAComparison is the PCA bundle and the first subject's PCA bundle:
	// what showing the comparison for one subject adds.
	PCAComparison int64 `json:"pca_comparison,omitempty"`
	// PCARegions is that subject's PCA regions file (a region view of the
	// comparison).
	PCARegions int64 `json:"pca_regions,omitempty"`
}

type bars struct {
	PSNRdB         float64 `json:"psnr_db_min"`
	LatentCorr     float64 `json:"latent_corr_min"`
	PairwiseChange int     `json:"pairwise_changed_pairs_max"`
}

type subjectReport struct {
	ID            string             `json:"id"`
	NVoxels       int                `json:"n_voxels"`
	Bytes         int64              `json:"bytes"`
	RegionsBytes  int64              `json:"regions_bytes"`
	LatentCorrMin float64            `json:"latent_corr_min"`
	PairwiseFloat map[string]float64 `json:"pairwise_float"`
	PairwiseQuant map[string]float64 `json:"pairwise_quantized"`
	Flipped       map[string]int     `json:"pairwise_changed_pairs"`
}

// finite keeps +Inf (identical images) out of JSON, which cannot hold it.
func finite(x float64) float64 {
	if math.IsInf(x, 1) {
		return 999
	}
	return x
}

// verify reads every bundle back from disk, loads it as the app will
// (loadAsTheApp), and checks the bars against the float pipeline.
func verify(o options, m *model, faceZ [][]float32, evals []*subjectEval, files []outFile, pp *pcaPlan) (*report, error) {
	sp, err := loadAsTheApp(o, files)
	if err != nil {
		return nil, err
	}
	rep := &report{Bars: bars{o.PSNR, o.Corr, o.Pairwise}, LatentCorrMin: 1}
	if pp != nil {
		rep.PCA = &spaceReport{LatentCorrMin: 1}
	}
	fail := func(format string, args ...any) { rep.Failures = append(rep.Failures, fmt.Sprintf(format, args...)) }
	for _, f := range files {
		path := filepath.Join(o.Out, f.Name())
		b, err := bundle.Open(path, bundle.Limits{})
		if err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
		rep.Files = append(rep.Files, f.entry())
		rep.BytesTotal += b.Size()
		switch f.Kind {
		case "generator":
			rep.BytesGenerator += b.Size()
			if err := verifyGenerator(b, path, m, faceZ, rep); err != nil {
				return nil, err
			}
			continue
		case "pca", "pca-subject", "pca-regions":
			rep.BytesPCA += b.Size()
			if err := verifyPCAFile(o, f, b, path, files, sp, pp, rep, fail); err != nil {
				return nil, err
			}
			continue
		}
		rep.BytesSubjects += b.Size()
		if f.Kind == "regions" {
			continue // verified with its subject's bundle, which comes first
		}
		rb, rpath, err := openRegions(o, files, f.Subject)
		if err != nil {
			return nil, err
		}
		sr, err := verifySubject(b, path, rb, rpath, f.Subject)
		if err != nil {
			return nil, err
		}
		sr.Bytes = b.Size()
		sr.RegionsBytes = rb.Size()
		rep.Subjects = append(rep.Subjects, sr)
		rep.LatentCorrMin = min(rep.LatentCorrMin, sr.LatentCorrMin)
		rep.PairwiseChangedPairs = max(rep.PairwiseChangedPairs, sr.Flipped["all"])
		if sr.LatentCorrMin < o.Corr {
			fail("%s: decoded latents correlate %.6f < %v with float", sr.ID, sr.LatentCorrMin, o.Corr)
		}
		if sr.Flipped["all"] > o.Pairwise {
			fail("%s: %d pairwise outcomes flipped > %d", sr.ID, sr.Flipped["all"], o.Pairwise)
		}
	}
	if rep.PSNRdB < o.PSNR {
		fail("faces: PSNR %.2f dB < %v dB", rep.PSNRdB, o.PSNR)
	}
	if rep.PCA != nil && rep.PCA.PSNRdB < o.PSNR {
		fail("pca faces: PSNR %.2f dB < %v dB", rep.PCA.PSNRdB, o.PSNR)
	}
	rep.Pass = len(rep.Failures) == 0
	rep.Dominant = dominant(rep)
	return rep, nil
}

// loadAsTheApp reads every bundle back from disk through package infer/site,
// the browser app's loaders, so that an export the page would refuse fails
// here. files lists the generator first and each subject's regions file
// after its bundle, as run writes them, then the PCA bundle before the PCA
// subjects. It returns the PCA as the app loads it (nil without one).
func loadAsTheApp(o options, files []outFile) (*site.PCA, error) {
	latent := 0
	var sp *site.PCA
	subjects := map[*subjectEval]*site.Subject{}
	for _, f := range files {
		path := filepath.Join(o.Out, f.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
		switch f.Kind {
		case "generator":
			var m *site.Model
			if m, err = site.LoadModel(path, data); err == nil {
				latent = m.Latent()
			}
		case "pca":
			sp, err = site.LoadPCA(path, data)
		case "subject", "pca-subject":
			var s *site.Subject
			if f.Kind == "subject" {
				s, err = site.LoadSubject(path, data, latent)
			} else if sp == nil {
				err = fmt.Errorf("%s comes before the PCA bundle", path)
			} else {
				s, err = site.LoadPCASubject(path, data, sp.K)
			}
			if err == nil {
				if s.ID != f.Subject.s.ID || s.V != f.Subject.s.NVoxels() {
					err = fmt.Errorf("%s: loads as subject %s with %d voxels, want %s with %d", path, s.ID, s.V, f.Subject.s.ID, f.Subject.s.NVoxels())
				}
				subjects[f.Subject] = s
			}
		case "regions", "pca-regions":
			s := subjects[f.Subject]
			if s == nil {
				return nil, fmt.Errorf("verify: %s comes before its subject's bundle", path)
			}
			err = s.AddRegions(path, data)
		}
		if err != nil {
			return nil, fmt.Errorf("verify: the app would refuse the bundle: %w", err)
		}
	}
	return sp, nil
}

// verifyGenerator runs the generator stored in b and compares its faces
// with the float32 model's.
func verifyGenerator(b *bundle.Bundle, path string, m *model, faceZ [][]float32, rep *report) error {
	folded := map[string][]float32{}
	for _, p := range fold.GeneratorParams(m.Cfg) {
		v, err := floatTensor(b, path, p.Name, p.Shape)
		if err != nil {
			return err
		}
		folded[p.Name] = v
	}
	ge, err := newGenEval(m.Cfg, m.Params, faceZ)
	if err != nil {
		return err
	}
	mse, worst, err := ge.mse(folded)
	if err != nil {
		return fmt.Errorf("verify %s: %w", path, err)
	}
	rep.PSNRdB, rep.PSNRMindB, rep.Faces = finite(psnr(mse)), finite(psnr(worst)), len(faceZ)
	return nil
}

// floatTensor reads a float tensor and checks its shape.
func floatTensor(b *bundle.Bundle, path, name string, shape []int) ([]float32, error) {
	info, err := b.Tensor(name)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	if !slices.Equal(info.Shape, shape) {
		return nil, fmt.Errorf("verify %s: tensor %s has shape %v, want %v", path, name, info.Shape, shape)
	}
	v, err := b.Float32(name)
	if err != nil {
		return nil, fmt.Errorf("verify %s: %w", path, err)
	}
	return v, nil
}

// openRegions opens the regions file written for e.
func openRegions(o options, files []outFile, e *subjectEval) (*bundle.Bundle, string, error) {
	f := regionsOf(files, e)
	if f == nil {
		return nil, "", fmt.Errorf("verify: no regions file for %s", e.s.ID)
	}
	path := filepath.Join(o.Out, f.Name())
	b, err := bundle.Open(path, bundle.Limits{})
	if err != nil {
		return nil, "", fmt.Errorf("verify: %w", err)
	}
	if id, err := b.MetaString("subject"); err != nil || id != e.s.ID {
		return nil, "", fmt.Errorf("verify %s: meta subject %q, want %q (%v)", path, id, e.s.ID, err)
	}
	return b, path, nil
}

// verifySubject decodes with the stored tensors, the region decoders from
// the regions file rb, and compares with the float pipeline; the integer
// tensors must be stored exactly.
func verifySubject(b *bundle.Bundle, path string, rb *bundle.Bundle, rpath string, e *subjectEval) (subjectReport, error) {
	s := e.s
	V, L, N, R, M := s.NVoxels(), s.Latent, s.NTest(), s.NSubsets(), s.NImagery()
	sr := subjectReport{ID: s.ID, NVoxels: V, PairwiseFloat: map[string]float64{}}
	stored := map[string][]float32{}
	shapes := map[string][]int{"test.patterns": {N, V}, "test.subsets": {R, N, V}, "imagery.pattern": {V},
		"test.latents": {N, L}, "imagery.latents": {M, L}, "latent.mean": {L}}
	for _, r := range s.ROIs {
		shapes["decoder."+r.Name] = []int{len(r.Voxels), L}
		got, err := b.Int32("roi." + r.Name)
		if err != nil || !slices.Equal(got, r.Voxels) {
			return sr, fmt.Errorf("verify %s: roi.%s differs from the input (%v)", path, r.Name, err)
		}
	}
	for name, shape := range shapes {
		from, fpath := b, path
		if inRegionsFile(name) {
			from, fpath = rb, rpath
		}
		v, err := floatTensor(from, fpath, name, shape)
		if err != nil {
			return sr, err
		}
		stored[name] = v
	}
	if got, err := b.Int16("voxels.ijk"); err != nil || !slices.Equal(got, s.VoxelIJK) {
		return sr, fmt.Errorf("verify %s: voxels.ijk differs from the input (%v)", path, err)
	}
	if got, err := b.Uint8("voxels.roi"); err != nil || !slices.Equal(got, s.VoxelROI) {
		return sr, fmt.Errorf("verify %s: voxels.roi differs from the input (%v)", path, err)
	}
	if got, err := b.Uint8("test.male"); err != nil || !slices.Equal(got, s.TestMale) {
		return sr, fmt.Errorf("verify %s: test.male differs from the input (%v)", path, err)
	}
	res, err := e.eval(func(name string) []float32 { return stored[name] }, nil)
	if err != nil {
		return sr, fmt.Errorf("verify %s: %w", path, err)
	}
	for _, r := range handoff.ROINames() {
		sr.PairwiseFloat[r] = e.pairF[r].Accuracy
	}
	sr.LatentCorrMin, sr.PairwiseQuant, sr.Flipped = res.MinCorr, res.Pairwise, res.Flipped
	return sr, nil
}

// dominant says what takes most of the bytes.
func dominant(rep *report) string {
	if rep.BytesTotal == 0 {
		return ""
	}
	d := fmt.Sprintf("generator %.0f%%, subjects %.0f%%", 100*float64(rep.BytesGenerator)/float64(rep.BytesTotal),
		100*float64(rep.BytesSubjects)/float64(rep.BytesTotal))
	if rep.BytesPCA > 0 {
		d += fmt.Sprintf(", PCA baseline %.0f%%", 100*float64(rep.BytesPCA)/float64(rep.BytesTotal))
	}
	return d
}
