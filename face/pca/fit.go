package pca

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"

	"fmriface/util/progress"
)

// PaperComponents is K of the paper's PCA baseline: 1024 components, as many
// as the VAE-GAN has latent dimensions (the trainer's --pca-k default).
const PaperComponents = 1024

// Defaults of Options.
const (
	DefaultOversample = 64
	DefaultPowerIters = 2
	DefaultBlockRows  = 512
)

// Options tune Fit. The zero value gives the defaults.
type Options struct {
	// Oversample is the number of random directions beyond k
	// (0 = DefaultOversample; negative = none).
	Oversample int
	// PowerIters is the number of power (subspace) iterations
	// (0 = DefaultPowerIters; negative = none).
	PowerIters int
	// BlockRows is how many rows of x are converted to float64 at once
	// (0 = DefaultBlockRows). It trades memory for BLAS efficiency.
	BlockRows int
	// Progress receives a progress bar; nil = silent.
	Progress io.Writer
}

// Config records how a model was fitted (stored with it).
type Config struct {
	N          int    `json:"n"`           // training rows
	K          int    `json:"k"`           // components kept
	Seed       uint64 `json:"seed"`        // test-matrix seed
	Oversample int    `json:"oversample"`  // extra random directions actually used
	PowerIters int    `json:"power_iters"` // power iterations
}

// Fit computes the first k principal components of the n rows of x (n×d,
// row-major). It needs n ≥ 2 and 1 ≤ k ≤ min(n, d); every value must be finite.
// The result depends only on x, k, seed and the options.
func Fit(x []float32, n, d, k int, seed uint64, opts Options) (*Model, error) {
	switch {
	case n < 2 || d < 1:
		return nil, fmt.Errorf("pca: fit needs at least 2 rows and 1 column, have %d×%d", n, d)
	case len(x) != n*d:
		return nil, fmt.Errorf("pca: fit: %d values for %d rows × %d columns (want %d)", len(x), n, d, n*d)
	case k < 1 || k > min(n, d):
		return nil, fmt.Errorf("pca: fit: k = %d components, want 1…min(n=%d, d=%d)", k, n, d)
	}
	p := opts.Oversample
	if p == 0 {
		p = DefaultOversample
	}
	q := opts.PowerIters
	if q == 0 {
		q = DefaultPowerIters
	}
	p, q = max(p, 0), max(q, 0)
	l := min(k+p, n, d) // width of the sketch
	block := opts.BlockRows
	if block <= 0 {
		block = DefaultBlockRows
	}
	block = min(block, n)

	f := &fitter{x: x, n: n, d: d, l: l, block: make([]float32, block*d), rows: block,
		a32: make([]float32, max(n, d)*l), c32: make([]float32, max(n, d)*l)}
	f.bar = progress.New(opts.Progress, "pca fit", (2*q+3)*n)
	f.bar.SetUnit("rows")
	defer f.bar.Done()

	f.bar.SetInfo("mean")
	totalVar, err := f.computeMean()
	if err != nil {
		return nil, err
	}
	y, z, qr := f.rangeFinder(q, seed)
	comp, s, err := f.principalAxes(y, z, qr, k)
	if err != nil {
		return nil, err
	}
	m := &Model{
		Mean:       f.mean32(),
		Components: make([]float32, k*d),
		K:          k,
		D:          d,
		Explained:  make([]float64, k),
		TotalVar:   totalVar,
		Config:     Config{N: n, K: k, Seed: seed, Oversample: l - k, PowerIters: q},
	}
	m.setComponents(comp, s, n)
	return m, nil
}

// rangeFinder sketches the range of the centred data: Y = Xc·Ω, then q
// rounds of Y ← Xc·orth(Xcᵀ·orth(Y)). It returns Y orthonormalised (n×l)
// and the d×l buffer z, reused for Xcᵀ·Q.
func (f *fitter) rangeFinder(q int, seed uint64) (y, z blas64.General, qr *orthonormaliser) {
	n, d, l := f.n, f.d, f.l
	f.bar.SetInfo("sketch")
	omega := make([]float64, d*l) // D×L, later reused for Z = Xcᵀ·Q
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := range omega {
		omega[i] = rng.NormFloat64()
	}
	z = blas64.General{Rows: d, Cols: l, Stride: l, Data: omega}
	y = blas64.General{Rows: n, Cols: l, Stride: l, Data: make([]float64, n*l)}
	f.times(y, z)
	qr = newOrth(max(n, d), l)
	for it := range q {
		f.bar.SetInfo(fmt.Sprintf("power iteration %d/%d", it+1, q))
		qr.orth(y)
		f.timesT(z, y)
		qr.orth(z)
		f.times(y, z)
	}
	qr.orth(y)
	return y, z, qr
}

// principalAxes returns the first k principal axes (k×d) and the singular
// values of the sketch. B = Qᵀ·Xc = Zᵀ with Z = Xcᵀ·Q (D×L). Z = Q₂·R,
// R = U·S·Vᵀ, so the right singular vectors of B (the principal axes) are
// the columns of Q₂·U.
func (f *fitter) principalAxes(y, z blas64.General, qr *orthonormaliser, k int) (blas64.General, []float64, error) {
	d, l := f.d, f.l
	f.bar.SetInfo("projection")
	f.timesT(z, y)
	y = blas64.General{} // release the N×L sketch and the float32 buffers
	f.a32, f.c32 = nil, nil
	f.bar.SetInfo("small SVD")
	tau := qr.geqrf(z)
	r := blas64.General{Rows: l, Cols: l, Stride: l, Data: make([]float64, l*l)}
	for i := range l {
		copy(r.Data[i*l+i:(i+1)*l], z.Data[i*l+i:(i+1)*l])
	}
	qr.orgqr(z, tau)
	u := blas64.General{Rows: l, Cols: l, Stride: l, Data: make([]float64, l*l)}
	s := make([]float64, l)
	var none blas64.General
	work := []float64{0}
	lapack64.Gesvd(lapack.SVDStore, lapack.SVDNone, r, u, none, s, work, -1)
	work = make([]float64, int(work[0]))
	if !lapack64.Gesvd(lapack.SVDStore, lapack.SVDNone, r, u, none, s, work, len(work)) {
		return blas64.General{}, nil, errors.New("pca: fit: the small SVD did not converge")
	}
	comp := blas64.General{Rows: k, Cols: d, Stride: d, Data: make([]float64, k*d)}
	uk := blas64.General{Rows: l, Cols: k, Stride: l, Data: u.Data}
	blas64.Gemm(blas.Trans, blas.Trans, 1, uk, z, 0, comp) // Uₖᵀ·Q₂ᵀ
	return comp, s, nil
}

// setComponents stores the axes comp as float32 components, each signed so
// that its largest entry is positive (an SVD leaves the sign arbitrary),
// and their explained variances s²/(n−1).
func (m *Model) setComponents(comp blas64.General, s []float64, n int) {
	d := m.D
	for i := range m.K {
		row := comp.Data[i*d : (i+1)*d]
		big := 0
		for j, v := range row {
			if math.Abs(v) > math.Abs(row[big]) {
				big = j
			}
		}
		sign := 1.0
		if row[big] < 0 {
			sign = -1
		}
		out := m.Components[i*d : (i+1)*d]
		for j, v := range row {
			out[j] = float32(sign * v)
		}
		m.Explained[i] = s[i] * s[i] / float64(n-1)
	}
}

// fitter streams the rows of x, centred on the mean, through BLAS products.
// The big products run in float32 (the data are float32 and the components
// are stored as float32: float64 would double the time for no visible gain);
// the orthonormalisations and the small SVD run in float64.
type fitter struct {
	x       []float32
	n, d, l int
	mean    []float64
	block   []float32 // rows×d scratch: centred rows
	rows    int
	a32     []float32 // max(n,d)×l: float32 copy of the right operand
	c32     []float32 // max(n,d)×l: float32 product
	bar     *progress.Bar
}

// computeMean sets f.mean and returns the total variance (trace of the
// covariance, divisor n−1). It rejects non-finite values.
func (f *fitter) computeMean() (float64, error) {
	n, d := f.n, f.d
	sum := make([]float64, d)
	for i := range n {
		row := f.x[i*d : (i+1)*d]
		for j, v := range row {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return 0, fmt.Errorf("pca: fit: value %v at row %d, column %d", v, i, j)
			}
			sum[j] += float64(v)
		}
		if i%256 == 255 {
			f.bar.Add(256)
		}
	}
	f.bar.Add(n % 256)
	for j := range sum {
		sum[j] /= float64(n)
	}
	f.mean = sum
	var ss float64
	for i := range n {
		for j, v := range f.x[i*d : (i+1)*d] {
			dv := float64(v) - sum[j]
			ss += dv * dv
		}
	}
	return ss / float64(n-1), nil
}

func (f *fitter) mean32() []float32 {
	out := make([]float32, f.d)
	for j, v := range f.mean {
		out[j] = float32(v)
	}
	return out
}

// load fills the scratch block with rows r0…r1 of x minus the mean.
func (f *fitter) load(r0, r1 int) blas32.General {
	d := f.d
	b := f.block[:(r1-r0)*d]
	for i := r0; i < r1; i++ {
		src := f.x[i*d : (i+1)*d]
		dst := b[(i-r0)*d : (i-r0+1)*d]
		for j, v := range src {
			dst[j] = float32(float64(v) - f.mean[j])
		}
	}
	return blas32.General{Rows: r1 - r0, Cols: d, Stride: d, Data: b}
}

func to32(dst []float32, src []float64) {
	for i, v := range src {
		dst[i] = float32(v)
	}
}

func to64(dst []float64, src []float32) {
	for i, v := range src {
		dst[i] = float64(v)
	}
}

// times sets y (n×l) = Xc·m (m is d×l).
func (f *fitter) times(y, m blas64.General) {
	l := f.l
	m32 := blas32.General{Rows: f.d, Cols: l, Stride: l, Data: f.a32[:f.d*l]}
	to32(m32.Data, m.Data)
	for r0 := 0; r0 < f.n; r0 += f.rows {
		r1 := min(r0+f.rows, f.n)
		xb := f.load(r0, r1)
		yb := blas32.General{Rows: r1 - r0, Cols: l, Stride: l, Data: f.c32[r0*l : r1*l]}
		blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, xb, m32, 0, yb)
		f.bar.Add(r1 - r0)
	}
	to64(y.Data, f.c32[:f.n*l])
}

// timesT sets z (d×l) = Xcᵀ·y (y is n×l).
func (f *fitter) timesT(z, y blas64.General) {
	l := f.l
	to32(f.a32[:f.n*l], y.Data)
	z32 := blas32.General{Rows: f.d, Cols: l, Stride: l, Data: f.c32[:f.d*l]}
	for r0 := 0; r0 < f.n; r0 += f.rows {
		r1 := min(r0+f.rows, f.n)
		xb := f.load(r0, r1)
		yb := blas32.General{Rows: r1 - r0, Cols: l, Stride: l, Data: f.a32[r0*l : r1*l]}
		var beta float32 = 1
		if r0 == 0 {
			beta = 0
		}
		blas32.Gemm(blas.Trans, blas.NoTrans, 1, xb, yb, beta, z32)
		f.bar.Add(r1 - r0)
	}
	to64(z.Data, z32.Data)
}

// orthonormaliser keeps the Householder work space between calls.
type orthonormaliser struct {
	tau  []float64
	work []float64
}

func newOrth(maxRows, cols int) *orthonormaliser {
	o := &orthonormaliser{tau: make([]float64, cols)}
	q := []float64{0}
	a := blas64.General{Rows: maxRows, Cols: cols, Stride: cols}
	lapack64.Geqrf(a, o.tau, q, -1)
	lw := int(q[0])
	lapack64.Orgqr(a, o.tau, q, -1)
	o.work = make([]float64, max(lw, int(q[0]), maxRows, 1))
	return o
}

func (o *orthonormaliser) geqrf(a blas64.General) []float64 {
	tau := o.tau[:a.Cols]
	lapack64.Geqrf(a, tau, o.work, len(o.work))
	return tau
}

func (o *orthonormaliser) orgqr(a blas64.General, tau []float64) {
	lapack64.Orgqr(a, tau, o.work, len(o.work))
}

// orth replaces a (rows ≥ cols) by an orthonormal basis of its column space.
func (o *orthonormaliser) orth(a blas64.General) {
	o.orgqr(a, o.geqrf(a))
}
