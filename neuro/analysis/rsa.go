package analysis

import (
	"fmt"
	"math"
	"sort"

	"fmriface/neuro/decoding"
	"fmriface/neuro/glm"
	"fmriface/util/corr"
)

// Representational similarity analysis (Kriegeskorte et al. 2008, Front
// Syst Neurosci 2:4; Kriegeskorte, Mur & Bandettini 2008 for the name):
// each ROI's test-face patterns, each latent space's true latents and each
// stimulus feature level give one dissimilarity matrix (RDM) over the test
// faces; two RDMs are compared by the Spearman correlation of their upper
// triangles. It shows, before any decoding, which space a brain resembles.

// RSA reference names beside the latent spaces (SubjectResult.LevelRDM).
const (
	LevelLow  = "low"  // contrast-normalised Gabor energy
	LevelMid  = "mid"  // the face-feature network's mid level
	LevelHigh = "high" // its embedding
)

// RDM is the dissimilarity matrix of n patterns (rows of equal length):
// 1 − Pearson r of each pair, after removing each column's mean over the
// rows (the "cocktail blank": a response common to every face, such as a
// voxel's face > fixation response, would otherwise dominate every
// correlation). Constant patterns give distance 1.
func RDM(rows [][]float64) ([][]float64, error) {
	n := len(rows)
	if n < 3 {
		return nil, fmt.Errorf("rdm: %d patterns, want at least 3", n)
	}
	d := len(rows[0])
	if d == 0 {
		return nil, fmt.Errorf("rdm: empty patterns")
	}
	c := make([][]float64, n)
	for i := range c {
		if len(rows[i]) != d {
			return nil, fmt.Errorf("rdm: pattern %d has %d values, pattern 0 has %d", i, len(rows[i]), d)
		}
		c[i] = append([]float64(nil), rows[i]...)
	}
	for k := 0; k < d; k++ {
		var m float64
		for i := range c {
			m += c[i][k]
		}
		m /= float64(n)
		for i := range c {
			c[i][k] -= m
		}
	}
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			r := corr.PearsonOr(c[i], c[j], 0)
			if math.IsNaN(r) || math.IsInf(r, 0) {
				return nil, fmt.Errorf("rdm: non-finite correlation between patterns %d and %d", i, j)
			}
			out[i][j], out[j][i] = 1-r, 1-r
		}
	}
	return out, nil
}

// CompareRDMs is the Spearman correlation of the upper triangles of two
// n × n RDMs (ties get their mean rank).
func CompareRDMs(a, b [][]float64) (float64, error) {
	n := len(a)
	if n < 3 || len(b) != n {
		return 0, fmt.Errorf("rsa: RDMs of %d and %d patterns", len(a), len(b))
	}
	var x, y []float64
	for i := 0; i < n; i++ {
		if len(a[i]) != n || len(b[i]) != n {
			return 0, fmt.Errorf("rsa: RDM row %d is not square", i)
		}
		for j := i + 1; j < n; j++ {
			x, y = append(x, a[i][j]), append(y, b[i][j])
		}
	}
	return corr.PearsonOr(ranks(x), ranks(y), 0), nil
}

// ranks returns the 1-based ranks of x, ties sharing their mean rank.
func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		mean := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = mean
		}
		i = j + 1
	}
	return r
}

// brainRDMs are the test faces' RDMs per ROI over the visually responsive
// voxels: those whose face > fixation t (as selectVoxels computed it) passes
// tThr, split into ROIs as the decoders' voxels are (decoding.SplitROIs).
// The selection does not use the latent space's F test, so every model's
// fit gives the same voxels up to the small change of the face regressor's
// estimate with the modulators.
func brainRDMs(d *Data, res *glm.Result, lay *Layout, t []float64, tThr float64) (map[string][][]float64, error) {
	var resp []int
	for v, x := range t {
		if x > tThr {
			resp = append(resp, v)
		}
	}
	if len(resp) < 3 {
		return nil, fmt.Errorf("sub-%s: %d voxels respond to faces (t > %.2f), too few for RSA", d.Subject, len(resp), tThr)
	}
	rois, err := decoding.SplitROIs(d.Coords(), resp)
	if err != nil {
		return nil, err
	}
	out := map[string][][]float64{}
	for _, name := range roiNames {
		vox, _ := rois.Get(name)
		if len(vox) < 2 {
			continue
		}
		g, err := decoding.Gather(res.Beta, lay.Tests[0], vox)
		if err != nil {
			return nil, err
		}
		if out[name], err = RDM(rowsOf(g)); err != nil {
			return nil, fmt.Errorf("sub-%s %s: %w", d.Subject, name, err)
		}
	}
	return out, nil
}
