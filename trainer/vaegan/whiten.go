package vaegan

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"fmriface/face/metrics"
	"fmriface/util/ckpt"
)

// Names of the latent map's tensors in a model file.
const (
	LatentMeanName   = "latent.mean"   // (Latent): m
	LatentWhitenName = "latent.whiten" // (Latent, Latent): A = Σ^{-1/2}, symmetric
)

// LatentMap is the whitening a model may apply to its latent space. The
// trained encoder's mean μ is mapped to w = (μ − m)·A with A = Σ^{-1/2}, where
// m and Σ are the mean and covariance of μ over the training faces (the
// aggregate posterior), and the inverse μ = w·Σ^{1/2} + m is folded into the
// generator's first linear layer. It is an exact reparametrisation: every
// image the model makes is unchanged, but the latent has zero mean and
// identity covariance on the training faces, as the VAE's prior assumes.
//
// Why: the paper's linear read-outs (a male − female mean-difference axis,
// correlation between latents) treat every latent dimension alike. A trained
// VAE's aggregate posterior is far from isotropic, and those read-outs then
// weigh a few high-variance directions. Prior samples w ~ N(0, I) land where
// the generator was trained, on the Gaussian fitted to the training latents.
type LatentMap struct {
	Mean []float32 // m, length Latent
	A    []float32 // Σ^{-1/2}, Latent × Latent row-major, symmetric
}

// Apply maps n raw encoder means (n × L, in place) to the whitened latent.
func (lm *LatentMap) Apply(mu []float32, n int) {
	l := len(lm.Mean)
	row := make([]float64, l)
	out := make([]float64, l)
	for i := range n {
		z := mu[i*l : (i+1)*l]
		for k := range l {
			row[k] = float64(z[k] - lm.Mean[k])
		}
		clear(out)
		for k, v := range row {
			a := lm.A[k*l : (k+1)*l]
			for j := range out {
				out[j] += v * float64(a[j])
			}
		}
		for j := range l {
			z[j] = float32(out[j])
		}
	}
}

// WhitenMeta records how a model's latent map was fitted.
type WhitenMeta struct {
	Images      int     `json:"images"`       // training faces whose latents gave m and Σ
	Split       string  `json:"split"`        // the split file those faces came from
	MinVariance float64 `json:"min_variance"` // smallest eigenvalue of Σ
	MaxVariance float64 `json:"max_variance"` // largest eigenvalue of Σ
	CodeVersion string  `json:"code_version"`
}

// Whiten returns a copy of w (encoder and generator) whose latent is
// whitened on the n raw latents given (n × Latent, the encoder means of the
// training faces): the map is stored in Latent and the generator's first
// layer absorbs its inverse. It fails if w is already whitened or if Σ is
// singular (fewer faces than dimensions, or a dimension the encoder never
// uses), since then the map could not be inverted exactly.
func Whiten(w *Weights, latents []float32, n int) (*Weights, WhitenMeta, error) {
	l := w.Cfg.Latent
	var meta WhitenMeta
	switch {
	case w.Latent != nil:
		return nil, meta, fmt.Errorf("whiten: the model's latent is already whitened")
	case len(latents) != n*l:
		return nil, meta, fmt.Errorf("whiten: %d values for %d latents of %d", len(latents), n, l)
	case n <= l:
		return nil, meta, fmt.Errorf("whiten: %d latents cannot give a full-rank %d×%d covariance", n, l, l)
	}
	mean, vals, vecs, err := metrics.Moments(latents, n, l)
	if err != nil {
		return nil, meta, fmt.Errorf("whiten: %w", err)
	}
	meta = WhitenMeta{Images: n, MinVariance: vals[0], MaxVariance: vals[len(vals)-1]}
	// A relative floor well above float32 rounding: below it, the inverse
	// would amplify rounding noise into the latent.
	if vals[0] <= 1e-7*vals[len(vals)-1] {
		return nil, meta, fmt.Errorf("whiten: latent covariance is singular (eigenvalues %.3g … %.3g)", vals[0], vals[len(vals)-1])
	}
	power := func(p float64) *mat.Dense {
		s := mat.DenseCopyOf(vecs)
		for k, v := range vals {
			f := math.Pow(v, p)
			for a := range l {
				s.Set(a, k, s.At(a, k)*f)
			}
		}
		out := mat.NewDense(l, l, nil)
		out.Mul(s, vecs.T())
		return out
	}
	inv, root := power(-0.5), power(0.5)

	out := &Weights{Cfg: w.Cfg, Params: w.Params, Data: map[string][]float32{}}
	for k, v := range w.Data {
		out.Data[k] = append([]float32(nil), v...)
	}
	lm := &LatentMap{Mean: make([]float32, l), A: make([]float32, l*l)}
	for k := range l {
		lm.Mean[k] = float32(mean[k])
		for j := range l {
			lm.A[k*l+j] = float32(inv.At(k, j))
		}
	}
	out.Latent = lm

	// Generator: z = w·R + m feeds z·W + b, so W' = R·W and b' = b + m·W.
	fcW, fcB := w.Data["gen.fc.w"], w.Data["gen.fc.b"]
	cols := len(fcB)
	if len(fcW) != l*cols {
		return nil, meta, fmt.Errorf("whiten: gen.fc.w has %d values, want %d×%d", len(fcW), l, cols)
	}
	wm := mat.NewDense(l, cols, nil)
	for k := range l {
		for j := range cols {
			wm.Set(k, j, float64(fcW[k*cols+j]))
		}
	}
	var folded mat.Dense
	folded.Mul(root, wm)
	var shift mat.VecDense
	shift.MulVec(wm.T(), mat.NewVecDense(l, mean))
	newW, newB := out.Data["gen.fc.w"], out.Data["gen.fc.b"]
	for k := range l {
		for j := range cols {
			newW[k*cols+j] = float32(folded.At(k, j))
		}
	}
	for j := range cols {
		newB[j] = float32(float64(fcB[j]) + shift.AtVec(j))
	}
	return out, meta, nil
}

// latentTensors lists the map's tensors for a model file (none if nil).
func (lm *LatentMap) tensors() []ckpt.Tensor {
	if lm == nil {
		return nil
	}
	l := len(lm.Mean)
	return []ckpt.Tensor{
		{Name: LatentMeanName, Shape: []int{l}, Data: lm.Mean},
		{Name: LatentWhitenName, Shape: []int{l, l}, Data: lm.A},
	}
}

// latentMapFrom reads the map from a model file's tensors: nil if it has
// neither tensor, an error if it has one without the other or a wrong shape.
func latentMapFrom(ts map[string]ckpt.Tensor, l int) (*LatentMap, error) {
	m, okM := ts[LatentMeanName]
	a, okA := ts[LatentWhitenName]
	switch {
	case !okM && !okA:
		return nil, nil
	case okM != okA:
		return nil, fmt.Errorf("latent map: %s and %s must come together", LatentMeanName, LatentWhitenName)
	case !sameShape(m.Shape, []int{l}) || !sameShape(a.Shape, []int{l, l}):
		return nil, fmt.Errorf("latent map: shapes %v and %v, want [%d] and [%d %d]", m.Shape, a.Shape, l, l, l)
	}
	for _, t := range []ckpt.Tensor{m, a} {
		for i, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("latent map: %s[%d] is %v", t.Name, i, v)
			}
		}
	}
	return &LatentMap{Mean: append([]float32(nil), m.Data...), A: append([]float32(nil), a.Data...)}, nil
}
