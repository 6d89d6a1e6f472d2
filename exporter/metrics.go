package main

import (
	"fmt"
	"math"

	"fmriface/contract/handoff"
	"fmriface/infer/arch"
	"fmriface/infer/fold"
	"fmriface/infer/nn"
	"fmriface/neuro/score"
	"fmriface/util/corr"
)

// lookup gives a tensor's values: a quantized trial's, or the float ones.
type lookup func(name string) []float32

// decodeRows decodes n patterns (rows of V values) through an ROI's decoder
// D (len(idx) × L) and the subject's latent.mean m (L): ẑ = y[idx]·D + m,
// accumulated in float64. D gives mean-centred latents (the analysis's GLM
// centres them), so without m the latents are not the analysis's.
func decodeRows(D []float32, idx []int32, L int, mean, patterns []float32, V int) [][]float64 {
	mean = mean[:L] // a short mean is a bug, not a zero mean
	n := len(patterns) / V
	out := make([][]float64, n)
	for i := range out {
		y := patterns[i*V : (i+1)*V]
		z := make([]float64, L)
		for k, v := range idx {
			yv := float64(y[v])
			row := D[k*L : (k+1)*L]
			for j, d := range row {
				z[j] += yv * float64(d)
			}
		}
		for j, m := range mean {
			z[j] += float64(m)
		}
		out[i] = z
	}
	return out
}

func rows64(x []float32, L int) [][]float64 {
	out := make([][]float64, len(x)/L)
	for i := range out {
		out[i] = make([]float64, L)
		for j := range out[i] {
			out[i][j] = float64(x[i*L+j])
		}
	}
	return out
}

// patternSets are the subject's pattern tensors, decoded for the bars.
var patternSets = []string{"test.patterns", "test.subsets", "imagery.pattern"}

// subjectEval holds a subject's float pipeline, against which quantized
// trials are compared.
type subjectEval struct {
	s       *handoff.Subject
	float   lookup
	dec     map[string]map[string][][]float64 // ROI → pattern set → float decoded latents
	outcome map[string][][]bool               // ROI → float pairwise outcome [i][j]
	pairF   map[string]score.Pairwise         // ROI → float pairwise result
}

func floatLookup(s *handoff.Subject) lookup {
	m := map[string][]float32{
		"test.patterns": s.TestPatterns, "test.subsets": s.TestSubsets, "imagery.pattern": s.ImageryPattern,
		"test.latents": s.TestLatents, "imagery.latents": s.ImageryLatents, "latent.mean": s.LatentMean,
	}
	for _, r := range s.ROIs {
		m["decoder."+r.Name] = r.Decoder
	}
	return func(name string) []float32 { return m[name] }
}

func newSubjectEval(s *handoff.Subject) (*subjectEval, error) {
	e := &subjectEval{s: s, float: floatLookup(s), dec: map[string]map[string][][]float64{},
		outcome: map[string][][]bool{}, pairF: map[string]score.Pairwise{}}
	for _, r := range s.ROIs {
		e.dec[r.Name] = map[string][][]float64{}
		for _, set := range patternSets {
			e.dec[r.Name][set] = decodeRows(r.Decoder, r.Voxels, s.Latent, s.LatentMean, e.float(set), s.NVoxels())
		}
		out, p, err := pairwise(e.dec[r.Name]["test.patterns"], rows64(s.TestLatents, s.Latent))
		if err != nil {
			return nil, fmt.Errorf("%s ROI %s: float pairwise test: %w", s.ID, r.Name, err)
		}
		e.outcome[r.Name], e.pairF[r.Name] = out, p
	}
	return e, nil
}

// pairwise returns the pairwise test's outcome per (decoded i, distractor j)
// and its summary.
func pairwise(decoded, truth [][]float64) ([][]bool, score.Pairwise, error) {
	r, err := score.CorrMatrix(decoded, truth)
	if err != nil {
		return nil, score.Pairwise{}, err
	}
	p, err := score.PairwiseFromCorr(r)
	if err != nil {
		return nil, p, err
	}
	out := make([][]bool, len(r))
	for i := range r {
		out[i] = make([]bool, len(r))
		for j := range r {
			out[i][j] = j != i && r[i][i] > r[i][j]
		}
	}
	return out, p, nil
}

// subjectResult is how far a trial is from the float pipeline.
type subjectResult struct {
	MinCorr  float64            // smallest correlation of a decoded latent with its float counterpart
	Flipped  map[string]int     // ROI → pairwise outcomes flipped
	Pairwise map[string]float64 // ROI → pairwise accuracy of the trial
}

// eval decodes every pattern set through the ROIs named (all when nil) with
// the trial's tensors and compares with the float pipeline.
func (e *subjectEval) eval(get lookup, rois []string) (subjectResult, error) {
	s := e.s
	res := subjectResult{MinCorr: 1, Flipped: map[string]int{}, Pairwise: map[string]float64{}}
	if rois == nil {
		rois = handoff.ROINames()
	}
	truth := rows64(get("test.latents"), s.Latent)
	mean := get("latent.mean")
	for _, name := range rois {
		r, _ := s.ROI(name)
		D := get("decoder." + name)
		for _, set := range patternSets {
			dq := decodeRows(D, r.Voxels, s.Latent, mean, get(set), s.NVoxels())
			for i, z := range dq {
				c := corr.Pearson(z, e.dec[name][set][i])
				if math.IsNaN(c) {
					c = -1 // a constant decoded latent: as bad as it gets
				}
				res.MinCorr = min(res.MinCorr, c)
			}
			if set != "test.patterns" {
				continue
			}
			out, p, err := pairwise(dq, truth)
			if err != nil {
				return res, fmt.Errorf("%s ROI %s: pairwise test: %w", s.ID, name, err)
			}
			flips := 0
			for i := range out {
				for j := range out[i] {
					if out[i][j] != e.outcome[name][i][j] {
						flips++
					}
				}
			}
			res.Flipped[name], res.Pairwise[name] = flips, p.Accuracy
		}
	}
	return res, nil
}

// genEval compares generators with the float32 model on a set of latents.
type genEval struct {
	cfg arch.Config
	z   [][]float32
	ref [][]float32 // float32 model's faces
}

func newGenEval(cfg arch.Config, params map[string][]float32, z [][]float32) (*genEval, error) {
	g, err := nn.NewGenerator(cfg, params)
	if err != nil {
		return nil, err
	}
	e := &genEval{cfg: cfg, z: z}
	for _, zi := range z {
		img := make([]float32, 3*cfg.ImageSize*cfg.ImageSize)
		if err := g.Generate(zi, img); err != nil {
			return nil, err
		}
		e.ref = append(e.ref, img)
	}
	return e, nil
}

// mse runs the folded generator with the given tensors and returns the
// mean squared pixel error pooled over all faces, and the worst face's.
func (e *genEval) mse(folded map[string][]float32) (pooled, worst float64, err error) {
	p, err := fold.NNParams(e.cfg, folded)
	if err != nil {
		return 0, 0, err
	}
	g, err := nn.NewGenerator(e.cfg, p)
	if err != nil {
		return 0, 0, err
	}
	img := make([]float32, len(e.ref[0]))
	var sum float64
	for i, z := range e.z {
		if err := g.Generate(z, img); err != nil {
			return 0, 0, err
		}
		var s float64
		for k, v := range img {
			d := float64(v) - float64(e.ref[i][k])
			s += d * d
		}
		sum += s
		worst = max(worst, s/float64(len(img)))
	}
	return sum / float64(len(e.ref)*len(img)), worst, nil
}

// psnr is the peak signal-to-noise ratio in dB of images in [0, 1].
func psnr(mse float64) float64 {
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(1/mse)
}

// mseFor is the MSE a PSNR allows.
func mseFor(psnrDB float64) float64 { return math.Pow(10, -psnrDB/10) }
