package glm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// DefaultHighPass is SPM's default high-pass cutoff in seconds.
const DefaultHighPass = 128.0

// Condition is one event type of a run: a main regressor (the events with
// heights Amplitudes, or 1) followed by optional parametric modulators, one
// column per modulator, each the events weighted by that modulator's value.
// A condition with the same Name in several runs shares its columns across
// runs, so its modulator count and names must agree.
type Condition struct {
	Name           string
	Events         []Event
	Amplitudes     []float64  // optional, one per event; nil means 1
	Modulators     *mat.Dense // optional, len(Events) × m modulator values
	ModulatorNames []string   // m names; nil gives Name+".pm1" … Name+".pmM"
}

// Run is one fMRI run: its scans, its conditions and its confound columns
// (e.g. the 6 motion parameters), which stay specific to the run.
type Run struct {
	NumScans      int
	Conditions    []Condition
	Confounds     *mat.Dense // optional, NumScans × c
	ConfoundNames []string   // c names; nil gives "conf1" … "confC"
}

// DesignOptions control BuildDesign. The zero value (apart from TR) gives
// the package defaults: canonical HRF sampled at TR/16, regressors evaluated
// at mid-TR, SPM high-pass at 128 s, modulators mean-centred.
type DesignOptions struct {
	TR       float64
	HRF      *HRF       // nil: Canonical()
	MicroRes int        // HRF samples per TR; 0: DefaultMicroRes
	SampleAt SampleTime // where in each TR regressors are evaluated
	// HighPass is the DCT cutoff in seconds; 0 means DefaultHighPass and a
	// negative value disables the high-pass basis (the run constant stays).
	HighPass float64
	// NoCentring keeps modulators as given. By default each modulator is
	// centred on its mean over all events of its condition in the whole
	// design (all runs), as SPM does, so that the main regressor models the
	// response to the mean stimulus and the modulators the deviations.
	NoCentring bool
	// RankTol is the 1−R² below which a nuisance column counts as a
	// combination of the ones before it and is dropped; 0: DefaultRankTol.
	RankTol float64
}

// RunBlock is one run's rows of a Design and its run-specific nuisance
// columns (constant, high-pass cosines, confounds). Nuisance columns are zero
// outside their run, which Design exploits instead of storing them.
type RunBlock struct {
	Start, End    int        // rows [Start, End) of the design
	Nuisance      *mat.Dense // (End−Start) × q
	NuisanceNames []string
}

// Design is a GLM design for one or more concatenated runs: task columns
// shared by all runs, plus nuisance columns block-diagonal by run.
type Design struct {
	TR        float64
	Task      *mat.Dense // n × p task regressors
	TaskNames []string
	Runs      []RunBlock
	// ModulatorMeans holds, per condition, the value subtracted from each
	// modulator (zeros when centring is off). Add it back to a decoded
	// latent to return to the original (uncentred) latent space.
	ModulatorMeans map[string][]float64
	// Dropped lists nuisance columns removed because they were linear
	// combinations of earlier nuisance columns of their run (e.g. an
	// all-zero motion column in a simulation).
	Dropped []string
}

// condInfo is one condition of the design, shared by the runs that have it.
type condInfo struct {
	name     string
	col      int // column of the main regressor
	modNames []string
	sum      []float64
	count    int
}

// BuildDesign convolves every run's conditions with the HRF, centres the
// modulators, and adds each run's nuisance columns (constant, DCT high-pass,
// confounds). Errors name the run (1-based) and condition at fault.
func BuildDesign(runs []Run, opt DesignOptions) (*Design, error) {
	if len(runs) == 0 {
		return nil, fmt.Errorf("glm: design has no runs")
	}
	hrf := Canonical()
	if opt.HRF != nil {
		hrf = *opt.HRF
	}
	conv, err := NewConvolver(opt.TR, hrf, opt.MicroRes, opt.SampleAt)
	if err != nil {
		return nil, err
	}
	cutoff := opt.HighPass
	if cutoff == 0 {
		cutoff = DefaultHighPass
	}
	tol := opt.RankTol
	if tol == 0 {
		tol = DefaultRankTol
	}

	// Pass 1: column layout, modulator sums, validation.
	lay, err := layoutColumns(runs)
	if err != nil {
		return nil, err
	}
	p := len(lay.names)
	if p == 0 {
		return nil, fmt.Errorf("glm: design has no conditions")
	}
	means := modulatorMeans(lay.conds, opt.NoCentring)

	// Pass 2: fill the task columns and the nuisance blocks.
	d := &Design{TR: opt.TR, Task: mat.NewDense(lay.n, p, nil), TaskNames: lay.names, ModulatorMeans: means}
	row := 0
	for ri, run := range runs {
		ns := run.NumScans
		rows := d.Task.Slice(row, row+ns, 0, p).(*mat.Dense)
		if err := addTaskColumns(rows, ri, run, conv, lay.byName, means); err != nil {
			return nil, err
		}
		blk, dropped, err := runNuisance(ri, run, opt.TR, cutoff, tol)
		if err != nil {
			return nil, err
		}
		blk.Start, blk.End = row, row+ns
		d.Runs = append(d.Runs, blk)
		d.Dropped = append(d.Dropped, dropped...)
		row += ns
	}
	return d, nil
}

// columnLayout is the task columns of a design: each condition's main
// regressor followed by its modulators, in order of first appearance.
type columnLayout struct {
	conds  []*condInfo
	byName map[string]*condInfo
	names  []string // column names
	n      int      // scans over all runs
}

// layoutColumns validates the runs and lays out the task columns, summing
// each condition's modulators over all its events for centring.
func layoutColumns(runs []Run) (*columnLayout, error) {
	lay := &columnLayout{byName: map[string]*condInfo{}}
	for ri, run := range runs {
		if run.NumScans <= 0 || run.NumScans > 1<<20 {
			return nil, fmt.Errorf("glm: run %d: number of scans %d out of range", ri+1, run.NumScans)
		}
		lay.n += run.NumScans
		for ci, c := range run.Conditions {
			m, err := checkCondition(ri, ci, c)
			if err != nil {
				return nil, err
			}
			info, err := lay.condition(ri, c, m)
			if err != nil {
				return nil, err
			}
			for e := range c.Events {
				for k := 0; k < m; k++ {
					v := c.Modulators.At(e, k)
					if math.IsNaN(v) || math.IsInf(v, 0) {
						return nil, fmt.Errorf("glm: run %d: condition %q: modulator %d of event %d is %v", ri+1, c.Name, k+1, e+1, v)
					}
					info.sum[k] += v
				}
			}
			info.count += len(c.Events)
		}
	}
	return lay, nil
}

// checkCondition checks the shapes of condition ci of run ri (0-based) and
// returns its number of modulators.
func checkCondition(ri, ci int, c Condition) (int, error) {
	if c.Name == "" {
		return 0, fmt.Errorf("glm: run %d: condition %d has no name", ri+1, ci+1)
	}
	m := 0
	if c.Modulators != nil {
		r, cols := c.Modulators.Dims()
		if r != len(c.Events) {
			return 0, fmt.Errorf("glm: run %d: condition %q: %d modulator rows for %d events", ri+1, c.Name, r, len(c.Events))
		}
		m = cols
	}
	if c.Amplitudes != nil && len(c.Amplitudes) != len(c.Events) {
		return 0, fmt.Errorf("glm: run %d: condition %q: %d amplitudes for %d events", ri+1, c.Name, len(c.Amplitudes), len(c.Events))
	}
	if c.ModulatorNames != nil && len(c.ModulatorNames) != m {
		return 0, fmt.Errorf("glm: run %d: condition %q: %d modulator names for %d modulators", ri+1, c.Name, len(c.ModulatorNames), m)
	}
	return m, nil
}

// condition returns the columns of condition c (with m modulators) of run
// ri: new ones the first time its name appears, else the earlier runs',
// whose modulator count and names must agree.
func (lay *columnLayout) condition(ri int, c Condition, m int) (*condInfo, error) {
	info := lay.byName[c.Name]
	if info == nil {
		info = &condInfo{name: c.Name, col: len(lay.names), sum: make([]float64, m)}
		info.modNames = c.ModulatorNames
		if info.modNames == nil {
			info.modNames = make([]string, m)
			for k := range info.modNames {
				info.modNames[k] = fmt.Sprintf("%s.pm%d", c.Name, k+1)
			}
		}
		lay.byName[c.Name] = info
		lay.conds = append(lay.conds, info)
		lay.names = append(lay.names, c.Name)
		for _, mn := range info.modNames {
			lay.names = append(lay.names, c.Name+"×"+mn)
		}
		return info, nil
	}
	if len(info.sum) != m {
		return nil, fmt.Errorf("glm: run %d: condition %q has %d modulators, earlier runs %d", ri+1, c.Name, m, len(info.sum))
	}
	for k, mn := range c.ModulatorNames {
		if mn != info.modNames[k] {
			return nil, fmt.Errorf("glm: run %d: condition %q: modulator %d is %q, earlier runs %q", ri+1, c.Name, k+1, mn, info.modNames[k])
		}
	}
	return info, nil
}

// modulatorMeans is, per condition, the mean of each modulator over all its
// events (zeros with noCentring).
func modulatorMeans(conds []*condInfo, noCentring bool) map[string][]float64 {
	means := make(map[string][]float64, len(conds))
	for _, c := range conds {
		mu := make([]float64, len(c.sum))
		if !noCentring && c.count > 0 {
			for k := range mu {
				mu[k] = c.sum[k] / float64(c.count)
			}
		}
		means[c.name] = mu
	}
	return means
}

// addTaskColumns adds run ri's conditions, convolved with the HRF, to its
// rows of the task columns: each main regressor weighted by the amplitudes,
// each modulator centred by means.
func addTaskColumns(rows *mat.Dense, ri int, run Run, conv *Convolver, byName map[string]*condInfo, means map[string][]float64) error {
	ns := run.NumScans
	for _, c := range run.Conditions {
		if len(c.Events) == 0 {
			continue
		}
		info := byName[c.Name]
		resp, err := conv.Responses(c.Events, ns)
		if err != nil {
			return fmt.Errorf("glm: run %d: condition %q: %w", ri+1, c.Name, err)
		}
		amp := c.Amplitudes
		if amp == nil {
			amp = make([]float64, len(c.Events))
			for i := range amp {
				amp[i] = 1
			}
		}
		main := rows.ColView(info.col).(*mat.VecDense)
		main.AddVec(main, mat.NewVecDense(ns, mulVec(resp, amp)))
		if m := len(info.sum); m > 0 {
			mod := mat.DenseCopyOf(c.Modulators)
			mu := means[c.Name]
			for e := 0; e < len(c.Events); e++ {
				r := mod.RawRowView(e)
				for k := range r {
					r[k] -= mu[k]
				}
			}
			dst := rows.Slice(0, ns, info.col+1, info.col+1+m).(*mat.Dense)
			var prod mat.Dense
			prod.Mul(resp, mod)
			dst.Add(dst, &prod)
		}
	}
	return nil
}

// mulVec returns a·x.
func mulVec(a *mat.Dense, x []float64) []float64 {
	r, _ := a.Dims()
	out := mat.NewVecDense(r, nil)
	out.MulVec(a, mat.NewVecDense(len(x), x))
	return out.RawVector().Data
}

// runNuisance builds the constant, DCT and confound columns of one run and
// drops any that are combinations of the earlier ones.
func runNuisance(ri int, run Run, tr, cutoff, tol float64) (RunBlock, []string, error) {
	ns := run.NumScans
	prefix := fmt.Sprintf("run%d.", ri+1)
	var cols [][]float64
	var names []string
	one := make([]float64, ns)
	for i := range one {
		one[i] = 1
	}
	cols = append(cols, one)
	names = append(names, prefix+"constant")
	if cutoff > 0 {
		dct, err := DCTBasis(ns, tr, cutoff)
		if err != nil {
			return RunBlock{}, nil, fmt.Errorf("glm: run %d: %w", ri+1, err)
		}
		if dct != nil {
			_, k := dct.Dims()
			for j := 0; j < k; j++ {
				cols = append(cols, mat.Col(nil, j, dct))
				names = append(names, fmt.Sprintf("%sdct%d", prefix, j+1))
			}
		}
	}
	if run.Confounds != nil {
		r, c := run.Confounds.Dims()
		if r != ns {
			return RunBlock{}, nil, fmt.Errorf("glm: run %d: confounds have %d rows for %d scans", ri+1, r, ns)
		}
		if run.ConfoundNames != nil && len(run.ConfoundNames) != c {
			return RunBlock{}, nil, fmt.Errorf("glm: run %d: %d confound names for %d columns", ri+1, len(run.ConfoundNames), c)
		}
		for j := 0; j < c; j++ {
			col := mat.Col(nil, j, run.Confounds)
			for i, v := range col {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return RunBlock{}, nil, fmt.Errorf("glm: run %d: confound %d at scan %d is %v", ri+1, j+1, i+1, v)
				}
			}
			name := fmt.Sprintf("conf%d", j+1)
			if run.ConfoundNames != nil {
				name = run.ConfoundNames[j]
			}
			cols = append(cols, col)
			names = append(names, prefix+name)
		}
	}
	// Drop dependent columns one at a time, re-checking what remains.
	var dropped []string
	for {
		m := colsDense(ns, cols)
		_, bad, err := gramCheck(m, nil, tol)
		if err != nil {
			return RunBlock{}, nil, fmt.Errorf("glm: run %d: %w", ri+1, err)
		}
		if bad < 0 {
			return RunBlock{Nuisance: m, NuisanceNames: names}, dropped, nil
		}
		dropped = append(dropped, names[bad])
		cols = append(cols[:bad], cols[bad+1:]...)
		names = append(names[:bad], names[bad+1:]...)
	}
}

func colsDense(n int, cols [][]float64) *mat.Dense {
	m := mat.NewDense(n, len(cols), nil)
	for j, c := range cols {
		m.SetCol(j, c)
	}
	return m
}

// NumScans returns the number of rows of the design.
func (d *Design) NumScans() int {
	r, _ := d.Task.Dims()
	return r
}

// Column returns the index of the named task column.
func (d *Design) Column(name string) (int, bool) {
	for i, n := range d.TaskNames {
		if n == name {
			return i, true
		}
	}
	return -1, false
}

// ConditionColumns returns the task column of a condition's main regressor
// and those of its modulators (in order), e.g. the bias row and the latent
// rows of W, or the columns of the modulator F test.
func (d *Design) ConditionColumns(name string) (main int, mods []int, ok bool) {
	main, ok = d.Column(name)
	if !ok {
		return -1, nil, false
	}
	for j := range d.ModulatorMeans[name] {
		mods = append(mods, main+1+j)
	}
	return main, mods, true
}

// ColumnNames returns the names of all columns of Dense(): task columns,
// then each run's nuisance columns.
func (d *Design) ColumnNames() []string {
	out := append([]string(nil), d.TaskNames...)
	for _, r := range d.Runs {
		out = append(out, r.NuisanceNames...)
	}
	return out
}

// Dense returns the full design matrix, task columns then the block-diagonal
// nuisance columns, for inspection or for a plain Fit. Fitting through
// Design.Fit is faster and needs less memory when there are many runs.
func (d *Design) Dense() *mat.Dense {
	n, p := d.Task.Dims()
	q := 0
	for _, r := range d.Runs {
		_, c := r.Nuisance.Dims()
		q += c
	}
	out := mat.NewDense(n, p+q, nil)
	out.Slice(0, n, 0, p).(*mat.Dense).Copy(d.Task)
	col := p
	for _, r := range d.Runs {
		_, c := r.Nuisance.Dims()
		out.Slice(r.Start, r.End, col, col+c).(*mat.Dense).Copy(r.Nuisance)
		col += c
	}
	return out
}

func (d *Design) validate() error {
	n, p := d.Task.Dims()
	if len(d.TaskNames) != p {
		return fmt.Errorf("glm: design has %d task names for %d columns", len(d.TaskNames), p)
	}
	row := 0
	for i, r := range d.Runs {
		if r.Start != row || r.End <= r.Start || r.End > n {
			return fmt.Errorf("glm: design run %d covers rows [%d, %d), expected to start at %d within %d rows", i+1, r.Start, r.End, row, n)
		}
		if r.Nuisance != nil {
			nr, c := r.Nuisance.Dims()
			if nr != r.End-r.Start || len(r.NuisanceNames) != c {
				return fmt.Errorf("glm: design run %d: nuisance is %d×%d with %d names for %d rows", i+1, nr, c, len(r.NuisanceNames), r.End-r.Start)
			}
		}
		row = r.End
	}
	if row != n {
		return fmt.Errorf("glm: design runs cover %d of %d rows", row, n)
	}
	return nil
}

// Residualize projects every run's nuisance columns out of the task columns
// and, in place, out of Y (n × V). By the Frisch–Waugh–Lovell theorem an OLS
// fit of the residualized Y on the residualized task columns gives exactly
// the task betas and residuals of the full design, at the cost of a few
// columns per run instead of a Gram matrix over all nuisance columns.
//
// It returns the residualized task matrix, the number of nuisance columns
// (degrees of freedom used) and, per task column, the fraction of its sum of
// squares left after the projection (a column near 0 is explained by the
// nuisance and cannot be estimated).
func (d *Design) Residualize(Y *mat.Dense) (*mat.Dense, int, []float64, error) {
	if err := d.validate(); err != nil {
		return nil, 0, nil, err
	}
	n, p := d.Task.Dims()
	if Y != nil {
		if ny, _ := Y.Dims(); ny != n {
			return nil, 0, nil, fmt.Errorf("glm: Y has %d rows, design %d scans", ny, n)
		}
	}
	X := mat.DenseCopyOf(d.Task)
	before := colSumSq(X)
	lost := 0
	for i, r := range d.Runs {
		Q, err := nuisanceBasis(i, r)
		if err != nil {
			return nil, 0, nil, err
		}
		if Q == nil {
			continue
		}
		project(Q, X.Slice(r.Start, r.End, 0, p).(*mat.Dense))
		if Y != nil {
			_, v := Y.Dims()
			project(Q, Y.Slice(r.Start, r.End, 0, v).(*mat.Dense))
		}
		_, q := Q.Dims()
		lost += q
	}
	after := colSumSq(X)
	frac := make([]float64, p)
	for j := range frac {
		if before[j] > 0 {
			frac[j] = after[j] / before[j]
		}
	}
	return X, lost, frac, nil
}

// nuisanceBasis is an orthonormal basis Q = N·S·U⁻¹ of run i's nuisance
// columns (nil when it has none).
func nuisanceBasis(i int, r RunBlock) (*mat.Dense, error) {
	if r.Nuisance == nil {
		return nil, nil
	}
	if _, q := r.Nuisance.Dims(); q == 0 {
		return nil, nil
	}
	f, bad, err := gramCheck(r.Nuisance, nil, DefaultRankTol)
	if err != nil {
		return nil, fmt.Errorf("glm: run %d nuisance: %w", i+1, err)
	}
	if bad >= 0 {
		return nil, fmt.Errorf("glm: run %d: nuisance column %q is a linear combination of the ones before it", i+1, r.NuisanceNames[bad])
	}
	Q := mat.DenseCopyOf(r.Nuisance)
	scaleCols(Q, f.scale)
	blas64.Trsm(blas.Right, blas.NoTrans, 1, f.u, Q.RawMatrix())
	return Q, nil
}

// project sets A ← A − Q(QᵀA) for orthonormal Q, in column chunks to bound
// the temporary.
func project(Q, A *mat.Dense) {
	nr, q := Q.Dims()
	_, v := A.Dims()
	const chunk = 4096
	tmp := make([]float64, q*min(v, chunk))
	for c0 := 0; c0 < v; c0 += chunk {
		c1 := min(c0+chunk, v)
		a := A.Slice(0, nr, c0, c1).(*mat.Dense).RawMatrix()
		t := blas64.General{Rows: q, Cols: c1 - c0, Stride: c1 - c0, Data: tmp[:q*(c1-c0)]}
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, Q.RawMatrix(), a, 0, t)
		blas64.Gemm(blas.NoTrans, blas.NoTrans, -1, Q.RawMatrix(), t, 1, a)
	}
}

func colSumSq(X *mat.Dense) []float64 {
	n, p := X.Dims()
	out := make([]float64, p)
	for i := 0; i < n; i++ {
		for j, v := range X.RawRowView(i) {
			out[j] += v * v
		}
	}
	return out
}

func scaleCols(X *mat.Dense, s []float64) {
	n, _ := X.Dims()
	for i := 0; i < n; i++ {
		r := X.RawRowView(i)
		for j := range r {
			r[j] *= s[j]
		}
	}
}

// Fit fits the design to Y (n scans × V voxels) by OLS, reporting only the
// task columns. Y is left unchanged (it is copied); see FitInPlace.
func (d *Design) Fit(Y *mat.Dense, opt FitOptions) (*Result, error) {
	return d.FitInPlace(mat.DenseCopyOf(Y), opt)
}

// FitInPlace is Fit without the copy: Y is overwritten by its residual after
// the nuisance projection. Use it when Y is too large to hold twice.
func (d *Design) FitInPlace(Y *mat.Dense, opt FitOptions) (*Result, error) {
	X, lost, frac, err := d.Residualize(Y)
	if err != nil {
		return nil, err
	}
	if opt.Names == nil {
		opt.Names = d.TaskNames
	}
	return fit(X, Y, opt, lost, frac)
}
