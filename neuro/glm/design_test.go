package glm

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// smallRuns builds nRuns runs of a miniature version of the experiment:
// "face" events with m modulators, "fix" events, motion confounds.
func smallRuns(rng *rand.Rand, nRuns, nScans, m int) []Run {
	var runs []Run
	for r := 0; r < nRuns; r++ {
		var face, fix []Event
		for t := 6.0; t < float64(nScans)*2-20; t += 3 {
			if rng.IntN(4) == 0 {
				fix = append(fix, Event{Onset: t + 0.01*rng.Float64(), Duration: 1})
			} else {
				face = append(face, Event{Onset: t + 0.01*rng.Float64(), Duration: 1})
			}
		}
		mods := randDense(rng, len(face), m)
		for i := 0; i < len(face); i++ {
			mods.Set(i, 0, mods.At(i, 0)+3) // a non-zero mean to centre
		}
		motion := randDense(rng, nScans, 6)
		runs = append(runs, Run{
			NumScans: nScans,
			Conditions: []Condition{
				{Name: "face", Events: face, Modulators: mods},
				{Name: "fix", Events: fix},
			},
			Confounds: motion,
		})
	}
	return runs
}

func TestDesignLayoutAndCentring(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	runs := smallRuns(rng, 3, 120, 4)
	d, err := BuildDesign(runs, DesignOptions{TR: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"face", "face×face.pm1", "face×face.pm2", "face×face.pm3", "face×face.pm4", "fix"}
	if strings.Join(d.TaskNames, ",") != strings.Join(want, ",") {
		t.Errorf("task columns %v, want %v", d.TaskNames, want)
	}
	if d.NumScans() != 360 || len(d.Runs) != 3 {
		t.Fatalf("%d scans, %d runs", d.NumScans(), len(d.Runs))
	}
	// 120 scans × 2 s, cutoff 128: floor(240·2/128+1) = 4 cosines incl. the constant.
	if _, q := d.Runs[1].Nuisance.Dims(); q != 1+3+6 {
		t.Errorf("run nuisance has %d columns, want 10", q)
	}
	if d.Runs[2].NuisanceNames[0] != "run3.constant" {
		t.Errorf("nuisance names %v", d.Runs[2].NuisanceNames)
	}
	// Centring: the recorded mean is the mean over all face events.
	var sum float64
	var cnt int
	for _, r := range runs {
		m := r.Conditions[0].Modulators
		n, _ := m.Dims()
		for i := 0; i < n; i++ {
			sum += m.At(i, 0)
		}
		cnt += n
	}
	if mu := d.ModulatorMeans["face"][0]; math.Abs(mu-sum/float64(cnt)) > 1e-12 || mu < 2 {
		t.Errorf("modulator mean %v, want %v", mu, sum/float64(cnt))
	}
	// With centring, the modulator column equals the regressor built from
	// centred values by hand.
	c, _ := NewConvolver(2, Canonical(), 16, SampleMiddle)
	face := runs[0].Conditions[0]
	amp := mat.Col(nil, 0, face.Modulators)
	for i := range amp {
		amp[i] -= d.ModulatorMeans["face"][0]
	}
	reg, _ := c.Regressor(face.Events, amp, 120)
	got := mat.Col(nil, 1, d.Task)[:120]
	if diff := maxAbsDiff(reg, got); diff > 1e-12 {
		t.Errorf("centred modulator column off by %v", diff)
	}
	// Without centring the means are zero and columns differ.
	d2, err := BuildDesign(runs, DesignOptions{TR: 2, NoCentring: true})
	if err != nil {
		t.Fatal(err)
	}
	if d2.ModulatorMeans["face"][0] != 0 || d2.Task.At(20, 1) == d.Task.At(20, 1) {
		t.Errorf("NoCentring ignored")
	}
	main, mods, ok := d.ConditionColumns("face")
	if !ok || main != 0 || len(mods) != 4 || mods[3] != 4 {
		t.Errorf("face columns %d %v %v", main, mods, ok)
	}
	if main, mods, ok := d.ConditionColumns("fix"); !ok || main != 5 || mods != nil {
		t.Errorf("fix columns %d %v %v", main, mods, ok)
	}
	dense := d.Dense()
	if _, c := dense.Dims(); c != 6+30 || len(d.ColumnNames()) != 36 {
		t.Errorf("dense design has %d columns", c)
	}
	if dense.At(130, 6) != 0 || dense.At(130, 16) != 1 {
		t.Errorf("nuisance not block-diagonal: %v %v", dense.At(130, 6), dense.At(130, 16))
	}
}

// TestDesignFitMatchesDense: the Frisch–Waugh–Lovell fit equals a plain fit
// of the full dense design, for betas, RSS, DOF, t and F.
func TestDesignFitMatchesDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	runs := smallRuns(rng, 4, 100, 3)
	d, err := BuildDesign(runs, DesignOptions{TR: 2})
	if err != nil {
		t.Fatal(err)
	}
	n := d.NumScans()
	Y := randDense(rng, n, 9)
	full, err := FitWith(d.Dense(), Y, FitOptions{Names: d.ColumnNames()})
	if err != nil {
		t.Fatal(err)
	}
	y0 := mat.DenseCopyOf(Y)
	fwl, err := d.Fit(Y, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(Y, y0) {
		t.Error("Design.Fit modified Y")
	}
	p := len(d.TaskNames)
	if !mat.EqualApprox(fwl.Beta, full.Beta.Slice(0, p, 0, 9), 1e-9) {
		t.Error("task betas differ")
	}
	if fwl.DOF != full.DOF {
		t.Errorf("DOF %d vs %d", fwl.DOF, full.DOF)
	}
	if diff := maxAbsDiff(fwl.RSS, full.RSS); diff > 1e-8 {
		t.Errorf("RSS differ by %v", diff)
	}
	c := make([]float64, p)
	c[0], c[p-1] = 1, -1
	t1, _ := fwl.T(c)
	t2, _ := full.T(append(c, make([]float64, len(full.Names)-p)...))
	if diff := maxAbsDiff(t1, t2); diff > 1e-8 {
		t.Errorf("t differ by %v", diff)
	}
	f1, _ := fwl.F([]int{1, 2, 3})
	f2, _ := full.F([]int{1, 2, 3})
	if diff := maxAbsDiff(f1, f2); diff > 1e-8 {
		t.Errorf("F differ by %v", diff)
	}
}

func TestDesignRecoversModulatorBetas(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	runs := smallRuns(rng, 6, 150, 3)
	d, err := BuildDesign(runs, DesignOptions{TR: 2})
	if err != nil {
		t.Fatal(err)
	}
	n := d.NumScans()
	p := len(d.TaskNames)
	v := 20
	W := randDense(rng, p, v)
	var Y mat.Dense
	Y.Mul(d.Task, W)
	for i := 0; i < n; i++ { // drift, offset per run, noise
		for k := 0; k < v; k++ {
			Y.Set(i, k, Y.At(i, k)+5+0.002*float64(i%150)+0.05*rng.NormFloat64())
		}
	}
	res, err := d.FitInPlace(&Y, FitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Standardised errors (β̂−β)/se, with se = β̂/t from unit contrasts,
	// should be N(0,1): no large ones, mean square ≈ 1.
	var ss float64
	for j := 0; j < p; j++ {
		c := make([]float64, p)
		c[j] = 1
		tt, err := res.T(c)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < v; k++ {
			se := res.Beta.At(j, k) / tt[k]
			z := (res.Beta.At(j, k) - W.At(j, k)) / se
			if math.Abs(z) > 5 {
				t.Errorf("column %q voxel %d: β̂ %v, true %v (z = %.1f)", d.TaskNames[j], k, res.Beta.At(j, k), W.At(j, k), z)
			}
			ss += z * z
		}
	}
	if ms := ss / float64(p*v); ms < 0.6 || ms > 1.5 {
		t.Errorf("mean squared standardised error %v, want ≈ 1", ms)
	}
}

func TestDesignDropsDependentNuisance(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	runs := smallRuns(rng, 2, 100, 2)
	runs[1].Confounds = mat.NewDense(100, 6, nil) // no motion at all
	for i := 0; i < 100; i++ {
		runs[1].Confounds.Set(i, 2, 0.1*float64(i%7))
	}
	d, err := BuildDesign(runs, DesignOptions{TR: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := "run2.conf1,run2.conf2,run2.conf4,run2.conf5,run2.conf6"
	if got := strings.Join(d.Dropped, ","); got != want {
		t.Errorf("dropped %q, want %q", got, want)
	}
	if _, err := d.Fit(randDense(rng, 200, 2), FitOptions{}); err != nil {
		t.Error(err)
	}
}

func TestDesignRankErrorNamesTaskColumn(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	runs := smallRuns(rng, 2, 100, 2)
	for r := range runs { // a modulator equal to the first one
		m := runs[r].Conditions[0].Modulators
		n, _ := m.Dims()
		for i := 0; i < n; i++ {
			m.Set(i, 1, 2*m.At(i, 0))
		}
	}
	d, err := BuildDesign(runs, DesignOptions{TR: 2})
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.Fit(randDense(rng, 200, 2), FitOptions{})
	if err == nil || !strings.Contains(err.Error(), `"face×face.pm2"`) {
		t.Errorf("got %v, want a rank error naming face×face.pm2", err)
	}
	// A condition that never occurs gives an all-zero column.
	runs = smallRuns(rng, 2, 100, 1)
	for r := range runs {
		runs[r].Conditions = append(runs[r].Conditions, Condition{Name: "imagery"})
	}
	d, _ = BuildDesign(runs, DesignOptions{TR: 2})
	if _, err := d.Fit(randDense(rng, 200, 2), FitOptions{}); err == nil || !strings.Contains(err.Error(), `"imagery"`) {
		t.Errorf("got %v, want a rank error naming imagery", err)
	}
}

func TestBuildDesignErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	base := func() []Run { return smallRuns(rng, 2, 80, 2) }
	cases := []struct {
		name   string
		mutate func([]Run)
		opt    DesignOptions
		want   string
	}{
		{"no TR", func([]Run) {}, DesignOptions{}, "TR"},
		{"modulator count", func(r []Run) {
			n, _ := r[1].Conditions[0].Modulators.Dims()
			r[1].Conditions[0].Modulators = randDense(rng, n, 3)
		}, DesignOptions{TR: 2}, "run 2"},
		{"modulator rows", func(r []Run) { r[0].Conditions[0].Modulators = randDense(rng, 1, 2) }, DesignOptions{TR: 2}, "modulator rows"},
		{"confound rows", func(r []Run) { r[1].Confounds = randDense(rng, 79, 6) }, DesignOptions{TR: 2}, "confounds"},
		{"NaN modulator", func(r []Run) { r[0].Conditions[0].Modulators.Set(0, 0, math.NaN()) }, DesignOptions{TR: 2}, "NaN"},
		{"absurd onset", func(r []Run) { r[0].Conditions[1].Events[0].Onset = 1e7 }, DesignOptions{TR: 2}, "onset"},
		{"unnamed", func(r []Run) { r[0].Conditions[1].Name = "" }, DesignOptions{TR: 2}, "no name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			runs := base()
			tc.mutate(runs)
			_, err := BuildDesign(runs, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
	if _, err := BuildDesign(nil, DesignOptions{TR: 2}); err == nil {
		t.Error("no runs accepted")
	}
}

// TestRidgeCV checks the O(p²)-per-λ held-out error against brute force and
// that CV prefers a penalty when p is large relative to the signal.
func TestRidgeCV(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	n, p, v := 240, 30, 12
	X := randDense(rng, n, p)
	B := randDense(rng, p, v)
	var Y mat.Dense
	Y.Mul(X, B)
	for i := 0; i < n; i++ {
		for k := 0; k < v; k++ {
			Y.Set(i, k, 0.05*Y.At(i, k)+rng.NormFloat64())
		}
	}
	groups := make([]int, n)
	for i := range groups {
		groups[i] = i / 60
	}
	lams := []float64{0, 0.01, 0.1, 1, 10}
	res, err := RidgeCV(X, &Y, groups, RidgeCVOptions{Lambdas: lams})
	if err != nil {
		t.Fatal(err)
	}
	for li, lam := range lams {
		var total float64
		for g := 0; g < 4; g++ {
			var tr, te []int
			for i := 0; i < n; i++ {
				if groups[i] == g {
					te = append(te, i)
				} else {
					tr = append(tr, i)
				}
			}
			xtr, ytr := rowsOf(X, tr), rowsOf(&Y, tr)
			// Scale from the full data, as RidgeCV does.
			s := make([]float64, p)
			for j := range s {
				s[j] = 1 / mat.Norm(X.ColView(j), 2)
			}
			xs := mat.DenseCopyOf(xtr)
			scaleCols(xs, s)
			var g2, h, bs mat.Dense
			g2.Mul(xs.T(), xs)
			for j := 0; j < p; j++ {
				g2.Set(j, j, g2.At(j, j)+lam)
			}
			h.Mul(xs.T(), ytr)
			bs.Solve(&g2, &h)
			xte := rowsOf(X, te)
			scaleCols(xte, s)
			var pred mat.Dense
			pred.Mul(xte, &bs)
			pred.Sub(rowsOf(&Y, te), &pred)
			for _, e := range colSumSq(&pred) {
				total += e
			}
		}
		want := total / float64(n*v)
		if math.Abs(res.CVError[li]-want) > 1e-9*want {
			t.Errorf("λ=%v: CV error %v, brute force %v", lam, res.CVError[li], want)
		}
	}
	if res.Lambda == 0 {
		t.Errorf("weak signal, p=%d: CV chose OLS (errors %v)", p, res.CVError)
	}
	full, err := FitWith(X, &Y, FitOptions{Ridge: res.Lambda})
	if err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(full.Beta, res.Beta, 1e-12) {
		t.Error("final fit is not the ridge fit with the chosen λ")
	}
	// Merging the 4 groups into 2 folds equals using 2 groups directly.
	two := make([]int, n)
	for i := range two {
		two[i] = groups[i] % 2
	}
	a, err := RidgeCV(X, &Y, groups, RidgeCVOptions{Lambdas: lams, Folds: 2})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := RidgeCV(X, &Y, two, RidgeCVOptions{Lambdas: lams})
	if maxAbsDiff(a.CVError, b.CVError) > 1e-12 {
		t.Errorf("merged folds %v, direct %v", a.CVError, b.CVError)
	}
	if _, err := RidgeCV(X, &Y, make([]int, n), RidgeCVOptions{}); err == nil {
		t.Error("a single group accepted")
	}
}

func rowsOf(m *mat.Dense, rows []int) *mat.Dense {
	_, c := m.Dims()
	out := mat.NewDense(len(rows), c, nil)
	for a, i := range rows {
		copy(out.RawRowView(a), m.RawRowView(i))
	}
	return out
}

func TestDesignRidgeCV(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	runs := smallRuns(rng, 4, 100, 3)
	d, err := BuildDesign(runs, DesignOptions{TR: 2})
	if err != nil {
		t.Fatal(err)
	}
	Y := randDense(rng, d.NumScans(), 6)
	res, err := d.RidgeCV(Y, []int{1, 1, 2, 2}, RidgeCVOptions{MaxVoxels: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.CVError) != len(DefaultLambdas()) || res.Names[0] != "face" {
		t.Errorf("unexpected result %+v", res.CVError)
	}
	if _, c := res.Beta.Dims(); c != 6 {
		t.Errorf("final fit has %d voxels, want all 6", c)
	}
}
