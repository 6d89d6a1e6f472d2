package lab

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"fmriface/infer/gemm"
	"fmriface/neuro/score"
)

// Decoders (Config.Decoder).
const (
	DecoderInversion = "inversion" // the paper's: OLS encoding, ẑ = (WWᵀ)⁻¹W y
	DecoderRidge     = "ridge"     // ridge encoding (penalty Lambda), same inversion
)

// Limits of the knobs (the training faces run from P+2 to Data.Train).
const (
	MaxReps   = 60
	MaxNoise  = 100.0
	MaxLambda = 1e4
)

// Config is one lab experiment.
type Config struct {
	Subject string  `json:"subject"`
	Space   string  `json:"space"`   // SpaceVAEGAN or SpacePCA
	Train   int     `json:"train"`   // training faces, each seen once
	Reps    int     `json:"reps"`    // presentations of each test face
	Noise   float64 `json:"noise"`   // noise scale: the trial noise is Noise × Data.NoiseUnit
	Region  string  `json:"region"`  // one of Regions
	Voxels  int     `json:"voxels"`  // the region's strongest voxels to use; 0 = all
	Decoder string  `json:"decoder"` // DecoderInversion or DecoderRidge
	// Lambda is the ridge penalty as a multiple of the mean diagonal of the
	// centred latents' XᵀX (scale-free: 1 shrinks as much as the data
	// pull).
	Lambda float64 `json:"lambda"`
	Seed   uint64  `json:"seed"`
}

// Validate checks the configuration against the data: errors say which knob
// is out of range and what it allows.
func (c *Config) Validate(d *Data) error {
	s, err := d.Subject(c.Subject)
	if err != nil {
		return err
	}
	if _, ok := d.Latents[c.Space]; !ok {
		return fmt.Errorf("lab: latent space %q is not loaded (have %v)", c.Space, spaceNames(d))
	}
	if c.Train <= d.P+1 || c.Train > d.Train {
		// Below P+2 faces the fit W has rank < P whatever the penalty, and
		// the inversion (WWᵀ)⁻¹ does not exist.
		return fmt.Errorf("lab: %d training faces, want %d (more than the latent dimensions + 1: the inversion needs a full-rank W) to %d", c.Train, d.P+2, d.Train)
	}
	if c.Reps < 1 || c.Reps > MaxReps {
		return fmt.Errorf("lab: %d repetitions of a test face, want 1 to %d", c.Reps, MaxReps)
	}
	if !(c.Noise >= 0 && c.Noise <= MaxNoise) {
		return fmt.Errorf("lab: noise scale %v, want 0 to %v", c.Noise, MaxNoise)
	}
	if regionLabel(c.Region) < 0 {
		return fmt.Errorf("lab: region %q, want one of %v", c.Region, Regions)
	}
	have := s.RegionVoxels(c.Region)
	if c.Voxels < 0 || c.Voxels > have {
		return fmt.Errorf("lab: %d voxels, the %s region of %s has %d", c.Voxels, c.Region, s.Name, have)
	}
	use := c.Voxels
	if use == 0 {
		use = have
	}
	if use <= d.P {
		return fmt.Errorf("lab: %d voxels: the inversion needs more voxels than latent dimensions (%d)", use, d.P)
	}
	switch c.Decoder {
	case DecoderInversion:
	case DecoderRidge:
		if !(c.Lambda > 0 && c.Lambda <= MaxLambda) {
			return fmt.Errorf("lab: ridge λ %v, want > 0 and ≤ %v", c.Lambda, MaxLambda)
		}
	default:
		return fmt.Errorf("lab: decoder %q, want %q or %q", c.Decoder, DecoderInversion, DecoderRidge)
	}
	return nil
}

func spaceNames(d *Data) []string {
	var out []string
	for _, s := range []string{SpaceVAEGAN, SpacePCA} {
		if _, ok := d.Latents[s]; ok {
			out = append(out, s)
		}
	}
	return out
}

// Result is a run's outcome.
type Result struct {
	Config Config
	Voxels int // voxels used
	// Decoded holds the 20 decoded latents (TestFaces × P).
	Decoded []float32
	// Corr is the decoded × true correlation matrix of the test faces.
	Corr      [][]float64
	Pairwise  score.Pairwise
	PairwiseP float64 // exact p of the pairwise count under chance (0.5)
	OneOf     score.Recognition
}

// Chance levels of the two measures.
const (
	PairwiseChance = 0.5
	OneOfChance    = 1.0 / TestFaces
)

// Run does a whole experiment; cache (may be nil) as for NewJob; progress
// (may be nil) gets the fraction done and the current stage's name every
// few steps.
func Run(ctx context.Context, d *Data, cfg Config, cache *Cache, progress func(frac float64, stage string)) (*Result, error) {
	j, err := NewJob(d, cfg, cache)
	if err != nil {
		return nil, err
	}
	for n := 0; !j.Step(); n++ {
		if n%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if progress != nil {
				progress(j.Progress())
			}
		}
	}
	if progress != nil {
		progress(1, "done")
	}
	return j.Result()
}

// stage is one part of a run: setup runs when it starts and returns its
// number of steps.
type stage struct {
	name  string
	cost  float64 // estimated multiply-adds, for the progress fraction
	setup func() (int, error)
	step  func(i int) error
}

// Job is a run split into small steps (about a millisecond each under
// WebAssembly): Step does one; the browser app calls it between frames.
type Job struct {
	d   *Data
	cfg Config
	sub *Subject
	rng *rand.Rand
	ws  gemm.Workspace

	stages       []stage
	si, i, count int
	started      bool
	done         bool
	err          error
	costDone     float64
	costAll      float64
	res          *Result

	n, p, K, r int
	x          []float32 // the space's latents, all faces
	xbar       []float64
	xc, fc     []float32 // centred training latents (n × p) and features (n × K)
	fbar       []float64
	gram32     []float32 // XᵀX
	phi        []float32 // Xᵀ F, p × K
	gram       []float64 // XᵀX, then its Cholesky factor Lc when n > p
	lam        []float64 // XᵀX + cI, then its factor
	u          []float64 // Lλ⁻ᵀ
	u32        []float32
	lc32       []float32 // Lc (n > p)
	m32        []float32 // (XᵀX + cI)⁻¹ XᵀF, p × K
	nmat       []float32 // N, p × r
	sigma      float64
	ridge      float64 // c of XᵀX + cI: 0 for the inversion
	vox        []int
	basis      [][]float64 // orthonormal basis vectors of Q (each V')
	coords     [][]float64 // coordinates of each input vector on the basis
	mdim       int
	g32        []float32 // G' r × m
	t32        []float32 // Bartlett factor r × q
	q          int
	p1         []float32 // W Qᵀ, p × m
	bc32       []float32 // Bc, K × m
	nt         []float32 // σ N T, p × q
	h32        []float32 // WWᵀ
	h          []float64
	a32        []float32 // test coordinates, m × 20
	wu32       []float32 // W u, p × 20
	ops        []*mulOp
	decoded    [][]float64
	cache      *Cache
	gen        uint64   // the cache's generation when the job started
	bufs       *buffers // the cache's arrays
}

// Cache keeps what a run leaves to the next one of the same session: the
// last encoding fit (the products of the training latents, which depend
// only on the space, the training faces and the decoder), so that runs
// that change only the subject, the noise, the repetitions, the voxels or
// the seed skip most of the work; and the run's working arrays, so that a
// run after the first allocates almost nothing. Under WebAssembly a Go
// collection holds the page for a frame, and a run's arrays are tens of
// megabytes (a collection every 3–4 runs in the page before they were
// kept; BENCHMARKS.md). The arrays stay at the largest size a run has
// needed. The zero value is
// empty; it is not safe for concurrent jobs.
type Cache struct {
	key        fitKey
	ok         bool
	xbar, fbar []float64
	m32, nmat  []float32
	bufs       buffers
	gen        uint64 // jobs started on this cache
}

// buffers holds a run's arrays by role. Roles whose lifetimes within a run
// do not overlap share one array (see Job.plan's stages): slotA holds XᵀX
// in float32, then Lc, then Bartlett's factor, then WWᵀ; slotB the
// product Uᵀ Lc, then σ N T; gram64 holds XᵀX in float64, then WWᵀ.
// The encoding fit's own arrays (xbar, fbar, m32, u32 or nmat) are the
// cache's while it holds the fit, so a run that refits first drops the fit.
type buffers struct {
	xbar, fbar, gram64, lam, u, basis                            []float64
	xc, fc, phi, u32, nmat, ut, m32, slotA, slotB, g32, p1, bc32 []float32
	a32, wu32                                                    []float32
}

// grow returns (*b)[:n], zeroed, reallocating only when *b is too short.
func grow[T float32 | float64](b *[]T, n int) []T {
	if cap(*b) < n {
		*b = make([]T, n)
		return *b
	}
	*b = (*b)[:n]
	clear(*b)
	return *b
}

// fill is grow without the zeroing, for arrays the run overwrites whole.
func fill[T float32 | float64](b *[]T, n int) []T {
	if cap(*b) < n {
		*b = make([]T, n)
	}
	*b = (*b)[:n]
	return *b
}

type fitKey struct {
	space   string
	train   int
	decoder string
	lambda  float64
	data    *Data
}

func keyOf(d *Data, c Config) fitKey {
	k := fitKey{space: c.Space, train: c.Train, decoder: c.Decoder, data: d}
	if c.Decoder == DecoderRidge {
		k.lambda = c.Lambda
	}
	return k
}

// NewJob checks the configuration and plans the run; cache (may be nil)
// supplies and keeps the encoding fit.
func NewJob(d *Data, cfg Config, cache *Cache) (*Job, error) {
	if err := cfg.Validate(d); err != nil {
		return nil, err
	}
	sub, _ := d.Subject(cfg.Subject)
	j := &Job{d: d, cfg: cfg, sub: sub, n: cfg.Train, p: d.P, K: d.K,
		rng: rand.New(rand.NewPCG(cfg.Seed, 0x6c61622d72756e31))}
	j.r = j.p // n > p+1: the noise's square root is p × p
	j.sigma = cfg.Noise * d.NoiseUnit
	j.x = d.Latents[cfg.Space]
	if cache == nil {
		cache = new(Cache)
	}
	// The cache's arrays now belong to this job: a job started earlier on
	// the same cache fails at its next step instead of writing into them.
	cache.gen++
	j.cache, j.gen, j.bufs = cache, cache.gen, &cache.bufs
	j.plan()
	if cache.ok && cache.key == keyOf(d, cfg) {
		j.xbar, j.fbar, j.m32, j.nmat = cache.xbar, cache.fbar, cache.m32, cache.nmat
		for i, st := range j.stages {
			if st.name == "voxels" { // the first stage after the fit
				j.stages = j.stages[i:]
				break
			}
		}
	} else {
		cache.ok = false // the fit's arrays are about to be overwritten
	}
	for _, s := range j.stages {
		j.costAll += s.cost
	}
	return j, nil
}

// Step does the next step and reports whether the job has ended (done or
// failed; see Result).
func (j *Job) Step() bool {
	if j.done {
		return true
	}
	if j.cache.gen != j.gen {
		j.fail(fmt.Errorf("lab: the run was superseded by another on the same cache"))
		return true
	}
	for !j.started {
		if j.si == len(j.stages) {
			j.done = true
			return true
		}
		n, err := j.stages[j.si].setup()
		if err != nil {
			j.fail(err)
			return true
		}
		j.count, j.i, j.started = n, 0, true
		if n == 0 {
			j.next()
		}
	}
	s := &j.stages[j.si]
	if err := s.step(j.i); err != nil {
		j.fail(err)
		return true
	}
	j.i++
	if j.i >= j.count {
		j.next()
		if j.si == len(j.stages) {
			j.release()
			return true
		}
	}
	return false
}

func (j *Job) next() {
	j.costDone += j.stages[j.si].cost
	j.si++
	j.started = false
}

func (j *Job) fail(err error) {
	j.err = err
	j.release()
}

// Progress is the fraction of the work done and the current stage's name.
func (j *Job) Progress() (float64, string) {
	if j.done {
		return 1, "done"
	}
	if j.si >= len(j.stages) {
		return 1, "done"
	}
	s := j.stages[j.si]
	f := j.costDone
	if j.started && j.count > 0 {
		f += s.cost * float64(j.i) / float64(j.count)
	}
	return f / math.Max(j.costAll, 1), s.name
}

// Result is the run's result once Step has reported the end.
func (j *Job) Result() (*Result, error) {
	if !j.done {
		return nil, fmt.Errorf("lab: the run is not finished")
	}
	if j.err != nil {
		return nil, j.err
	}
	return j.res, nil
}

// release drops the job's buffers once it has ended (the result stays), so
// that a finished job held by the app costs nothing.
func (j *Job) release() {
	res, err, c := j.res, j.err, j.cache
	*j = Job{d: j.d, cfg: j.cfg, done: true, res: res, err: err, cache: c}
}

func (j *Job) plan() {
	n, p, K, r := float64(j.n), float64(j.p), float64(j.K), float64(j.r)
	V := float64(j.cfg.Voxels)
	if V == 0 {
		V = float64(j.sub.RegionVoxels(j.cfg.Region))
	}
	m := K + TestFaces + 1
	j.stages = []stage{
		{name: "means", cost: n * (p + K), setup: j.meanSetup, step: j.meanStep},
		{name: "centring", cost: n * (p + K), setup: j.centreSetup, step: j.centreStep},
		{name: "XᵀX", cost: n * p * (p + K), setup: j.gramSetup, step: j.opsStep},
		{name: "factoring", cost: 2 * p * p, setup: j.gramPrepSetup, step: j.gramPrepStep},
		{name: "factoring", cost: 3 * p * p * p / 6, setup: j.factorSetup, step: j.factorStep},
		{name: "inverting", cost: p * p * p / 6, setup: j.invSetup, step: j.invStep},
		{name: "encoding fit", cost: p * p, setup: j.fitPrepSetup, step: j.fitPrepStep},
		{name: "encoding fit", cost: p * p * (p + K + r), setup: j.fitSetup, step: j.opsStep},
		{name: "voxels", cost: m * m * V, setup: j.voxelSetup, step: j.voxelStep},
		{name: "noise", cost: r * (m + math.Max(V-m, 0)/4), setup: j.noiseSetup, step: j.noiseStep},
		{name: "decoder", cost: p*(K+r)*m + p*r*r, setup: j.decoderSetup, step: j.opsStep},
		{name: "WWᵀ", cost: p * p * (m + r), setup: j.wwSetup, step: j.opsStep},
		{name: "decoding", cost: p * p, setup: j.hPrepSetup, step: j.hPrepStep},
		{name: "decoding", cost: p * p * p / 6, setup: j.decodeSetup, step: j.decodeStep},
		{name: "decoding", cost: p * p * TestFaces, setup: j.solveSetup, step: j.solveStep},
		{name: "scoring", cost: 1, setup: func() (int, error) { return 1, nil }, step: j.scoreStep},
	}
}

// rowsPerStep is the rows of a row-wise pass done per step.
const rowsPerStep = 64

func (j *Job) meanSetup() (int, error) {
	j.xbar = grow(&j.bufs.xbar, j.p)
	j.fbar = grow(&j.bufs.fbar, j.K)
	return (j.n + rowsPerStep - 1) / rowsPerStep, nil
}

// meanStep adds a block of rows to the sums; the last divides.
func (j *Job) meanStep(s int) error {
	n, p, K := j.n, j.p, j.K
	for i := s * rowsPerStep; i < min(n, (s+1)*rowsPerStep); i++ {
		for c, v := range j.x[i*p : (i+1)*p] {
			j.xbar[c] += float64(v)
		}
		for c, v := range j.d.Features[i*K : (i+1)*K] {
			j.fbar[c] += float64(v)
		}
	}
	if (s+1)*rowsPerStep >= n {
		for c := range j.xbar {
			j.xbar[c] /= float64(n)
		}
		for c := range j.fbar {
			j.fbar[c] /= float64(n)
		}
	}
	return nil
}

func (j *Job) centreSetup() (int, error) {
	n, p, K := j.n, j.p, j.K
	j.xc = fill(&j.bufs.xc, n*p)
	j.fc = fill(&j.bufs.fc, n*K)
	return (n + rowsPerStep - 1) / rowsPerStep, nil
}

func (j *Job) centreStep(s int) error {
	p, K := j.p, j.K
	for i := s * rowsPerStep; i < min(j.n, (s+1)*rowsPerStep); i++ {
		for c, v := range j.x[i*p : (i+1)*p] {
			j.xc[i*p+c] = float32(float64(v) - j.xbar[c])
		}
		for c, v := range j.d.Features[i*K : (i+1)*K] {
			j.fc[i*K+c] = float32(float64(v) - j.fbar[c])
		}
	}
	return nil
}

// setOps makes ops the stage's products and returns their total number of
// tiles.
func (j *Job) setOps(ops ...*mulOp) int {
	j.ops = ops
	t := 0
	for _, o := range ops {
		t += o.tiles()
	}
	return t
}

func (j *Job) opsStep(t int) error {
	for _, o := range j.ops {
		if n := o.tiles(); t >= n {
			t -= n
			continue
		}
		o.step(&j.ws, t)
		return nil
	}
	return fmt.Errorf("lab: internal error: product step out of range")
}

func (j *Job) gramSetup() (int, error) {
	n, p, K := j.n, j.p, j.K
	j.gram32 = grow(&j.bufs.slotA, p*p)
	j.phi = grow(&j.bufs.phi, p*K)
	return j.setOps(
		&mulOp{m: p, n: p, k: n, a: j.xc, lda: p, ta: true, b: j.xc, ldb: p, c: j.gram32, sym: true},
		&mulOp{m: p, n: K, k: n, a: j.xc, lda: p, ta: true, b: j.fc, ldb: K, c: j.phi},
	), nil
}

// prepRows is the rows of a p × p matrix one conversion step handles
// (about 128 K values: well under a millisecond).
const prepRows = 128

func prepSteps(p int) int { return (p + prepRows - 1) / prepRows }

// gramPrepSetup starts copying XᵀX (its lower triangle, which is all the
// factorisations read) into float64, as XᵀX + cI too, row block by row
// block: one step of O(p²) would hold a frame for tens of milliseconds.
func (j *Job) gramPrepSetup() (int, error) {
	p := j.p
	var tr float64
	for i := 0; i < p; i++ {
		tr += float64(j.gram32[i*p+i])
	}
	j.ridge = 0
	if j.cfg.Decoder == DecoderRidge {
		j.ridge = j.cfg.Lambda * tr / float64(p)
	}
	j.gram = grow(&j.bufs.gram64, p*p)
	j.lam = grow(&j.bufs.lam, p*p)
	return prepSteps(p), nil
}

func (j *Job) gramPrepStep(s int) error {
	p := j.p
	for i := s * prepRows; i < min(p, (s+1)*prepRows); i++ {
		for c := 0; c <= i; c++ {
			v := float64(j.gram32[i*p+c])
			j.gram[i*p+c] = v
			j.lam[i*p+c] = v
		}
		j.lam[i*p+i] += j.ridge
	}
	return nil
}

// factorSetup factors XᵀX + cI and, for ridge (c > 0), XᵀX itself (when
// n > p its Cholesky factor is the noise's square root). Steps: p columns
// of each factor.
func (j *Job) factorSetup() (int, error) {
	j.gram32 = nil
	if j.cfg.Decoder == DecoderInversion {
		return j.p, nil // λ = 0: one factor serves both
	}
	return 2 * j.p, nil
}

func (j *Job) factorStep(i int) error {
	p := j.p
	if i < p {
		return cholColumn(j.lam, p, i, "XᵀX + λ (the latents of the training faces)")
	}
	return cholColumn(j.gram, p, i-p, "XᵀX (the latents of the training faces)")
}

func (j *Job) invSetup() (int, error) {
	j.u = fill(&j.bufs.u, j.p*j.p) // invLowerColumn writes whole rows
	return j.p, nil
}

func (j *Job) invStep(i int) error {
	invLowerColumn(j.lam, j.p, i, j.u)
	return nil
}

// fitPrepSetup starts converting U (and, for ridge, the factor Lc of XᵀX)
// to float32 for the products, row block by row block.
func (j *Job) fitPrepSetup() (int, error) {
	p := j.p
	j.u32 = fill(&j.bufs.u32, p*p)
	if j.cfg.Decoder != DecoderInversion {
		j.lc32 = grow(&j.bufs.slotA, p*p) // its upper triangle stays zero
	}
	return prepSteps(p), nil
}

func (j *Job) fitPrepStep(s int) error {
	p := j.p
	r0, r1 := s*prepRows, min(p, (s+1)*prepRows)
	to32(j.u32[r0*p:r1*p], j.u[r0*p:r1*p])
	if j.lc32 != nil {
		for i := r0; i < r1; i++ {
			for c := 0; c <= i; c++ {
				j.lc32[i*p+c] = float32(j.gram[i*p+c])
			}
		}
	}
	return nil
}

// fitSetup: Γλ⁻¹ = UUᵀ (U = Lλ⁻ᵀ), M = Γλ⁻¹ Φ, and the noise root N: U
// when λ = 0, else Γλ⁻¹ Lc with Lc the factor of XᵀX.
func (j *Job) fitSetup() (int, error) {
	p, K := j.p, j.K
	j.u = nil
	j.m32 = grow(&j.bufs.m32, p*K)
	// M = U (Uᵀ Φ): two thin products instead of forming Γλ⁻¹ first.
	ut := grow(&j.bufs.ut, p*K)
	ops := []*mulOp{
		{m: p, n: K, k: p, a: j.u32, lda: p, ta: true, b: j.phi, ldb: K, c: ut, aTri: lower},
		{m: p, n: K, k: p, a: j.u32, lda: p, b: ut, ldb: K, c: j.m32, aTri: upper},
	}
	switch {
	case j.cfg.Decoder == DecoderInversion:
		j.nmat = j.u32
	default:
		lc := j.lc32
		j.nmat = grow(&j.bufs.nmat, p*p)
		// N = U (Uᵀ Lc): Uᵀ Lc is lower triangular.
		tmp := grow(&j.bufs.slotB, p*p)
		ops = append(ops,
			&mulOp{m: p, n: p, k: p, a: j.u32, lda: p, ta: true, b: lc, ldb: p, c: tmp, aTri: lower, bTri: lower},
			&mulOp{m: p, n: p, k: p, a: j.u32, lda: p, b: tmp, ldb: p, c: j.nmat, aTri: upper, bTri: lower})
	}
	j.gram = nil
	return j.setOps(ops...), nil
}

// voxelSetup picks the voxels; the steps build the input vectors (the
// loadings on those voxels, then the test noise vectors) one at a time and
// orthonormalise them (modified Gram–Schmidt).
func (j *Job) voxelSetup() (int, error) {
	j.lc32, j.lam = nil, nil
	c := j.cache
	c.key, c.ok = keyOf(j.d, j.cfg), true
	c.xbar, c.fbar, c.m32, c.nmat = j.xbar, j.fbar, j.m32, j.nmat
	j.vox = j.sub.pick(j.cfg.Region, j.cfg.Voxels)
	j.coords = make([][]float64, j.K+TestFaces+1) // orthonormalised in place, one per step
	j.basis = nil
	// Room for every input vector: vector i is drawn into the row after
	// the basis so far, which it joins if anything is left of it.
	fill(&j.bufs.basis, len(j.coords)*len(j.vox))
	return len(j.coords), nil
}

// voxelVector is input vector i: loading i on the chosen voxels, or (i ≥ K)
// test noise vector i − K (the 20 test faces', then the training mean's),
// drawn in that order.
func (j *Job) voxelVector(i int) []float64 {
	V := len(j.vox)
	v := j.bufs.basis[len(j.basis)*V : (len(j.basis)+1)*V : (len(j.basis)+1)*V]
	if i < j.K {
		all := j.sub.Voxels()
		row := j.sub.Load[i*all : (i+1)*all]
		for c, idx := range j.vox {
			v[c] = float64(row[idx])
		}
		return v
	}
	for c := range v {
		v[c] = j.rng.NormFloat64()
	}
	return v
}

// voxelStep orthogonalises input vector i against the basis so far, records
// its coordinates and extends the basis when something is left.
func (j *Job) voxelStep(i int) error {
	v := j.voxelVector(i)
	co := make([]float64, 0, len(j.basis)+1)
	norm0 := dot(v, v)
	for _, b := range j.basis {
		s := dot(v, b)
		b = b[:len(v)]
		for k := range v {
			v[k] -= s * b[k]
		}
		co = append(co, s)
	}
	nrm := dot(v, v)
	if nrm > 1e-18*norm0 && nrm > 0 {
		s := math.Sqrt(nrm)
		for k := range v {
			v[k] /= s
		}
		j.basis = append(j.basis, v)
		co = append(co, s)
	} else {
		clear(v)
	}
	j.coords[i] = co
	return nil
}

// noiseSetup plans the explicit noise G' (r × m) and Bartlett's factor T
// (r × q) of the complement's Wishart matrix: r steps draw G' a row each,
// then r steps T a row each.
func (j *Job) noiseSetup() (int, error) {
	m := len(j.basis)
	j.mdim = m
	j.basis = nil
	V := len(j.vox)
	dof := V - m
	j.q = max(0, min(j.r, dof))
	j.g32 = fill(&j.bufs.g32, j.r*m)
	j.t32 = grow(&j.bufs.slotA, j.r*j.q) // its upper triangle stays zero
	return 2 * j.r, nil
}

func (j *Job) noiseStep(i int) error {
	if i < j.r {
		for c := range j.g32[i*j.mdim : (i+1)*j.mdim] {
			j.g32[i*j.mdim+c] = float32(j.rng.NormFloat64())
		}
		return nil
	}
	i -= j.r
	dof := len(j.vox) - j.mdim
	row := j.t32[i*j.q : (i+1)*j.q]
	for c := 0; c < min(i, j.q); c++ {
		row[c] = float32(j.rng.NormFloat64())
	}
	if i < j.q {
		var chi float64
		for k := 0; k < dof-i; k++ {
			x := j.rng.NormFloat64()
			chi += x * x
		}
		row[i] = float32(math.Sqrt(chi))
	}
	return nil
}

// decoderSetup: W Qᵀ = M Bc + σ N G' and σ N T.
func (j *Job) decoderSetup() (int, error) {
	p, K, m, r := j.p, j.K, j.mdim, j.r
	j.bc32 = grow(&j.bufs.bc32, K*m)
	for k := 0; k < K; k++ {
		for c, x := range j.coords[k] {
			j.bc32[k*m+c] = float32(x)
		}
	}
	s := float32(j.sigma)
	for i := range j.g32 {
		j.g32[i] *= s
	}
	for i := range j.t32 {
		j.t32[i] *= s
	}
	j.p1 = grow(&j.bufs.p1, p*m)
	j.nt = grow(&j.bufs.slotB, p*j.q)
	nTri := full
	if j.cfg.Decoder == DecoderInversion {
		nTri = upper // N = Lλ⁻ᵀ
	}
	return j.setOps(
		&mulOp{m: p, n: m, k: K, a: j.m32, lda: K, b: j.bc32, ldb: m, c: j.p1},
		&mulOp{m: p, n: m, k: r, a: j.nmat, lda: r, b: j.g32, ldb: m, c: j.p1, aTri: nTri},
		&mulOp{m: p, n: j.q, k: r, a: j.nmat, lda: r, b: j.t32, ldb: j.q, c: j.nt, aTri: nTri, bTri: lower},
	), nil
}

// wwSetup: WWᵀ = P1 P1ᵀ + NT NTᵀ and W u for the test patterns.
func (j *Job) wwSetup() (int, error) {
	p, m, K := j.p, j.mdim, j.K
	j.nmat, j.g32, j.t32, j.m32 = nil, nil, nil, nil
	// Test patterns minus the training mean, on the basis: (f_t − f̄)·Bc +
	// σ/√reps e_t − σ/√n ē.
	j.a32 = fill(&j.bufs.a32, m*TestFaces)
	st := j.sigma / math.Sqrt(float64(j.cfg.Reps))
	sm := j.sigma / math.Sqrt(float64(j.n))
	ebar := j.coords[K+TestFaces]
	a := make([]float64, m)
	for t := 0; t < TestFaces; t++ {
		f := j.d.Features[(j.d.Train+t)*K : (j.d.Train+t+1)*K]
		clear(a)
		for k, fv := range f {
			df := float64(fv) - j.fbar[k]
			for c, b := range j.coords[k] {
				a[c] += df * b
			}
		}
		for c, e := range j.coords[K+t] {
			a[c] += st * e
		}
		for c, e := range ebar {
			a[c] -= sm * e
		}
		for c := range a {
			j.a32[c*TestFaces+t] = float32(a[c])
		}
	}
	j.h32 = grow(&j.bufs.slotA, p*p)
	j.wu32 = grow(&j.bufs.wu32, p*TestFaces)
	return j.setOps(
		&mulOp{m: p, n: p, k: m, a: j.p1, lda: m, b: j.p1, ldb: m, tb: true, c: j.h32, sym: true},
		&mulOp{m: p, n: p, k: j.q, a: j.nt, lda: j.q, b: j.nt, ldb: j.q, tb: true, c: j.h32, sym: true},
		&mulOp{m: p, n: TestFaces, k: m, a: j.p1, lda: m, b: j.a32, ldb: TestFaces, c: j.wu32},
	), nil
}

// hPrepSetup starts copying WWᵀ's lower triangle (both products wrote
// it; the factorisation and the solves read nothing else) into float64,
// row block by row block.
func (j *Job) hPrepSetup() (int, error) {
	j.h = grow(&j.bufs.gram64, j.p*j.p)
	j.p1, j.nt = nil, nil
	return prepSteps(j.p), nil
}

func (j *Job) hPrepStep(s int) error {
	p := j.p
	for i := s * prepRows; i < min(p, (s+1)*prepRows); i++ {
		to64(j.h[i*p:i*p+i+1], j.h32[i*p:i*p+i+1])
	}
	return nil
}

func (j *Job) decodeSetup() (int, error) {
	j.h32 = nil
	return j.p, nil
}

func (j *Job) decodeStep(i int) error {
	return cholColumn(j.h, j.p, i, fmt.Sprintf("WWᵀ (the encoding model of %d voxels)", len(j.vox)))
}

func (j *Job) solveSetup() (int, error) {
	j.decoded = make([][]float64, TestFaces)
	return TestFaces, nil
}

// solveStep decodes test face t: ẑ = (WWᵀ)⁻¹ W u + x̄.
func (j *Job) solveStep(t int) error {
	p := j.p
	b := make([]float64, p)
	for c := range b {
		b[c] = float64(j.wu32[c*TestFaces+t])
	}
	cholSolve(j.h, p, b)
	for c := range b {
		b[c] += j.xbar[c]
	}
	j.decoded[t] = b
	return nil
}

func (j *Job) scoreStep(int) error {
	p, d := j.p, j.d
	dec := make([]float32, TestFaces*p)
	decoded := j.decoded
	truth := make([][]float64, TestFaces)
	for t, b := range decoded {
		for c, v := range b {
			dec[t*p+c] = float32(v)
		}
		tr := make([]float64, p)
		to64(tr, j.x[(d.Train+t)*p:(d.Train+t+1)*p])
		truth[t] = tr
	}
	r, err := score.CorrMatrix(decoded, truth)
	if err != nil {
		return fmt.Errorf("lab: scoring: %w", err)
	}
	pw, err := score.PairwiseFromCorr(r)
	if err != nil {
		return fmt.Errorf("lab: scoring: %w", err)
	}
	pv, err := score.RankSumPValueExact(pw.Correct, TestFaces, TestFaces)
	if err != nil {
		return fmt.Errorf("lab: scoring: %w", err)
	}
	rec, err := score.RecognitionFromCorr(r)
	if err != nil {
		return fmt.Errorf("lab: scoring: %w", err)
	}
	j.res = &Result{Config: j.cfg, Voxels: len(j.vox), Decoded: dec, Corr: r, Pairwise: pw, PairwiseP: pv, OneOf: rec}
	return nil
}

// DefaultConfig is the lab's opening experiment on a subject: the paper's
// design at a quarter of its training faces, the VAE-GAN latent space, the
// region's 2,000 most strongly tuned voxels (the pipeline keeps about half
// of a subject's 4,400), noise scale 6 (about the calibrated subjects').
func DefaultConfig(subject string) Config {
	return Config{Subject: subject, Space: SpaceVAEGAN, Train: 2000, Reps: 45, Noise: 6, Region: "all",
		Voxels: 2000, Decoder: DecoderInversion, Seed: 1}
}
