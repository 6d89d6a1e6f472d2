package analysis

import (
	"math"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/decoding"
)

// TestBudget restricts a small subject's fit to fewer voxels: it keeps the
// voxels of largest F, restricts W and the patterns to them, rebuilds each
// ROI's decoder on them, and leaves the fit whole at or above the
// selection's size.
func TestBudget(t *testing.T) {
	pool := testPool(300, 260, 32)
	out, d := simulateSubject(t, 4, 100, pool, 1, [3]int{12, 14, 10})
	stim, err := SimStimuli(out, "01")
	if err != nil {
		t.Fatal(err)
	}
	zmap, _ := coarseLatent(pool)
	m := Model{Name: "coarse", L: 4, Latent: func(k string) ([]float64, bool) { v, ok := zmap[k]; return v[:4], ok }}
	mf, err := FitModel(d, stim, m, FitOptions{TAlpha: 0.5, FAlpha: 0.5, Subsets: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	V := len(mf.Selected)
	if V < 40 {
		t.Fatalf("only %d voxels selected", V)
	}
	for _, tc := range []struct {
		name string
		n    int
		same bool
	}{
		{"half", V / 2, false},
		{"a fifth", V / 5, false},
		{"all", V, true},
		{"more than all", V + 10, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := mf.Budget(tc.n)
			if err != nil {
				t.Fatal(err)
			}
			if tc.same {
				if b != mf {
					t.Error("a budget of the whole selection changed the fit")
				}
				return
			}
			if len(b.Selected) != tc.n || len(b.ROIs.All) != tc.n {
				t.Fatalf("%d voxels, %d in all; want %d", len(b.Selected), len(b.ROIs.All), tc.n)
			}
			kept := map[int]bool{}
			pos := map[int]int{}
			for k, v := range mf.Selected {
				pos[v] = k
			}
			cols := make([]int, tc.n)
			for k, v := range b.Selected {
				if k > 0 && v <= b.Selected[k-1] {
					t.Fatal("budget voxels are not ascending")
				}
				kept[v] = true
				cols[k] = pos[v]
			}
			// Within each ROI, no dropped voxel has a larger F than a kept
			// one, and the ROI keeps its share of the budget.
			for _, roi := range [][]int{mf.ROIs.Occipital, mf.ROIs.Temporal, mf.ROIs.Frontoparietal} {
				minKept, maxDropped, nk := math.Inf(1), math.Inf(-1), 0
				for _, p := range roi {
					if kept[mf.Selected[p]] {
						minKept = min(minKept, mf.SelectedF[p])
						nk++
					} else {
						maxDropped = max(maxDropped, mf.SelectedF[p])
					}
				}
				if maxDropped > minKept {
					t.Errorf("a dropped voxel has F %g above a kept one's %g in its ROI", maxDropped, minKept)
				}
				if share := float64(tc.n) * float64(len(roi)) / float64(V); math.Abs(float64(nk)-share) >= 1 {
					t.Errorf("an ROI of %d voxels keeps %d, want its share %.1f", len(roi), nk, share)
				}
			}
			wantW, _ := decoding.Columns(mf.W, cols)
			if !mat.Equal(b.W, wantW) {
				t.Error("W is not the full W's columns of the kept voxels")
			}
			wantP, _ := decoding.Columns(mf.Subsets, cols)
			if !mat.Equal(b.Subsets, wantP) {
				t.Error("subsets are not restricted to the kept voxels")
			}
			// Each ROI keeps exactly its kept voxels, and its decoder is
			// built on them.
			for _, name := range decoding.ROINames() {
				full, _ := mf.ROIs.Get(name)
				sub, _ := b.ROIs.Get(name)
				n := 0
				for _, p := range full {
					if kept[mf.Selected[p]] {
						n++
					}
				}
				if n != len(sub) {
					t.Errorf("%s: %d voxels, want %d", name, len(sub), n)
				}
				dec, ok := b.Decoders[name]
				if !ok {
					continue
				}
				want, err := decoding.NewSubset(b.W, sub)
				if err != nil {
					t.Fatal(err)
				}
				y := make([]float64, len(sub))
				for a, p := range sub {
					y[a] = b.TestPatterns.At(0, p)
				}
				z1, _ := dec.Decode(y)
				z2, _ := want.Decode(y)
				for k := range z1 {
					if z1[k] != z2[k] {
						t.Fatalf("%s: decoder differs from one built on the kept voxels", name)
					}
				}
			}
			if b.Decoded[VariantOLS] == nil || b.Decoded[VariantOLS].Test[decoding.ROIAll] == nil {
				t.Error("no decoded latents at the budget")
			}
		})
	}
	if _, err := mf.Budget(0); err == nil {
		t.Error("a budget of 0 voxels was accepted")
	}
}

// TestBudgetVariantRoundTrip stores and reads a result with the budget
// variant and scores it in Evaluate's Budget table.
func TestBudgetVariantRoundTrip(t *testing.T) {
	pool := testPool(300, 260, 32)
	out, d := simulateSubject(t, 4, 100, pool, 1, [3]int{12, 14, 10})
	stim, err := SimStimuli(out, "01")
	if err != nil {
		t.Fatal(err)
	}
	zmap, L := coarseLatent(pool)
	latent := func(k string) ([]float64, bool) { v, ok := zmap[k]; return v, ok }
	mf, err := FitModel(d, stim, Model{Name: "coarse", L: L, Latent: latent}, FitOptions{TAlpha: 0.05, FAlpha: 0.5, Ridge: true, RidgeFolds: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := mf.Budget(len(mf.Selected) / 2)
	if err != nil {
		t.Fatal(err)
	}
	mf.Decoded[VariantBudget] = b.Decoded[VariantOLS]
	res := coarseResult(t, d, stim, pool, mf, zmap, L)
	m := &res.Models[0]
	m.Variants = append(m.Variants, VariantBudget)
	m.Test[VariantBudget] = map[string][][]float64{}
	for roi, z := range b.Decoded[VariantOLS].Test {
		m.Test[VariantBudget][roi] = rowsOf(z)
	}
	m.BudgetVoxels = map[string]int{"all": len(b.Selected)}
	path := filepath.Join(t.TempDir(), "sub-01", ResultFileName)
	if err := WriteResult(path, res); err != nil {
		t.Fatal(err)
	}
	back, err := ReadResult(path)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := Evaluate(back, EvalOptions{Draws: 2000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := ev.Extras["coarse"].Budget["all"]
	if got.Pairwise == nil || got.NVoxels != len(b.Selected) {
		t.Fatalf("budget metrics %+v, want a pairwise accuracy over %d voxels", got, len(b.Selected))
	}
	if *got.Pairwise < 0.6 {
		t.Errorf("pairwise at half the voxels %.3f: decoding failed", *got.Pairwise)
	}
}
