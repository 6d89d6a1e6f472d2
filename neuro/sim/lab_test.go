package sim

import (
	"context"
	"math"
	"slices"
	"testing"
)

// LabDrives gives the lab the simulator's own drives: the first subject's
// training faces then its test faces, every subject's drives centred
// over them, the same for the same seed.
func TestLabDrives(t *testing.T) {
	design := testDesign(t, []string{"01", "02"}, 3, 80)
	pool := testPool(160, 100, 32)
	cfg := tinyConfig("01", "02")
	opt := Options{DesignRoot: design}
	lb, err := LabDrives(context.Background(), cfg, pool, 25, opt)
	if err != nil {
		t.Fatal(err)
	}
	// The tiny design has fewer test faces than ds001761's 20.
	if lb.Train != 25 || len(lb.Faces) <= 25 || len(lb.Subjects) != 2 {
		t.Fatalf("%d training faces of %d, %d subjects", lb.Train, len(lb.Faces), len(lb.Subjects))
	}
	test := map[int]bool{}
	for _, i := range pool.Test {
		test[i] = true
	}
	for r, f := range lb.Faces {
		if test[f] != (r >= lb.Train) {
			t.Errorf("row %d (face %d): training %v, test split %v", r, f, r < lb.Train, test[f])
		}
	}
	n := len(lb.Faces)
	for _, s := range lb.Subjects {
		V := len(s.ROI)
		if V == 0 || len(s.Drive) != n*V || len(s.Modulation) != V {
			t.Fatalf("sub-%s: %d voxels, %d drive values, %d modulations", s.Label, V, len(s.Drive), len(s.Modulation))
		}
		for _, v := range []int{0, V / 2, V - 1} {
			var m, q float64
			for r := 0; r < n; r++ {
				x := float64(s.Drive[r*V+v])
				m += x / float64(n)
				q += x * x / float64(n)
			}
			// Mean 0; variance 1 for a pure visual voxel, near 1 for a mix
			// of two standardised parts (v1: VisMix² + AttrMix² = 1 plus
			// their covariance).
			if math.Abs(m) > 1e-4 || q-m*m < 0.3 || q-m*m > 2 {
				t.Errorf("sub-%s voxel %d: drive mean %.2g, variance %.4f", s.Label, v, m, q-m*m)
			}
		}
	}
	again, err := LabDrives(context.Background(), cfg, pool, 25, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again.Faces, lb.Faces) || !slices.Equal(again.Subjects[1].Drive, lb.Subjects[1].Drive) {
		t.Error("the same seed gave other faces or drives")
	}
	if _, err := LabDrives(context.Background(), cfg, pool, 0, opt); err == nil {
		t.Error("no training faces: no error")
	}
}
