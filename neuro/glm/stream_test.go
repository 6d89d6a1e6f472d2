package glm

import (
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestStreamMatchesFit checks that a fit streamed run by run (runs added
// out of order) equals the in-memory Design.Fit: betas, RSS, DOF, t and F,
// and that the extra columns' cross-products equal EᵀY of the residual.
func TestStreamMatchesFit(t *testing.T) {
	for _, tc := range []struct {
		name         string
		runs, scans  int
		mods, voxels int
		order        []int
	}{
		{"one run", 1, 120, 2, 5, []int{0}},
		{"four runs reversed", 4, 100, 3, 9, []int{3, 2, 1, 0}},
		{"six runs shuffled", 6, 80, 4, 17, []int{2, 5, 0, 4, 1, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(21, uint64(tc.runs)))
			d, err := BuildDesign(smallRuns(rng, tc.runs, tc.scans, tc.mods), DesignOptions{TR: 2})
			if err != nil {
				t.Fatal(err)
			}
			n := d.NumScans()
			Y := randDense(rng, n, tc.voxels)
			ref, err := d.Fit(Y, FitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// Extra columns: random, residualized on the same nuisance.
			E := randDense(rng, n, 2)
			ext := &Design{TR: d.TR, Task: E, TaskNames: []string{"e1", "e2"}, Runs: d.Runs}
			Er, _, _, err := ext.Residualize(nil)
			if err != nil {
				t.Fatal(err)
			}
			s, err := d.NewStream(tc.voxels, Er)
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range tc.order {
				r := d.Runs[i]
				yr := mat.DenseCopyOf(Y.Slice(r.Start, r.End, 0, tc.voxels))
				if err := s.AddRun(i, yr); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.Result(FitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !mat.EqualApprox(got.Beta, ref.Beta, 1e-9) {
				t.Error("betas differ")
			}
			if got.DOF != ref.DOF || got.N != ref.N {
				t.Errorf("DOF %d, N %d; want %d, %d", got.DOF, got.N, ref.DOF, ref.N)
			}
			if diff := maxAbsDiff(got.RSS, ref.RSS); diff > 1e-8 {
				t.Errorf("RSS differ by %v", diff)
			}
			c := make([]float64, len(d.TaskNames))
			c[0] = 1
			t1, _ := got.T(c)
			t2, _ := ref.T(c)
			if diff := maxAbsDiff(t1, t2); diff > 1e-8 {
				t.Errorf("t differ by %v", diff)
			}
			mods := []int{1}
			for j := 2; j <= tc.mods; j++ {
				mods = append(mods, j)
			}
			f1, _ := got.F(mods)
			f2, _ := ref.F(mods)
			if diff := maxAbsDiff(f1, f2); diff > 1e-8 {
				t.Errorf("F differ by %v", diff)
			}
			// EᵀY over the residual equals the streamed cross-products.
			yres := mat.DenseCopyOf(Y)
			if _, _, _, err := d.Residualize(yres); err != nil {
				t.Fatal(err)
			}
			var want mat.Dense
			want.Mul(Er.T(), yres)
			if !mat.EqualApprox(s.ExtraCross(), &want, 1e-9) {
				t.Error("extra cross-products differ")
			}
		})
	}
}

func TestStreamErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	d, err := BuildDesign(smallRuns(rng, 2, 80, 2), DesignOptions{TR: 2})
	if err != nil {
		t.Fatal(err)
	}
	r0 := d.Runs[0]
	ns := r0.End - r0.Start
	for _, tc := range []struct {
		name string
		do   func(*Stream) error
		want string
	}{
		{"missing run", func(s *Stream) error {
			if err := s.AddRun(0, randDense(rng, ns, 3)); err != nil {
				return err
			}
			_, err := s.Result(FitOptions{})
			return err
		}, "never added"},
		{"run twice", func(s *Stream) error {
			if err := s.AddRun(0, randDense(rng, ns, 3)); err != nil {
				return err
			}
			return s.AddRun(0, randDense(rng, ns, 3))
		}, "twice"},
		{"wrong shape", func(s *Stream) error { return s.AddRun(1, randDense(rng, ns, 4)) }, "want"},
		{"run out of range", func(s *Stream) error { return s.AddRun(2, randDense(rng, ns, 3)) }, "run 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := d.NewStream(3, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = tc.do(s)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := d.NewStream(0, nil); err == nil {
		t.Error("a stream of 0 voxels was accepted")
	}
}
