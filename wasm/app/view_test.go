package app_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"fmriface/site/fixture"
	"fmriface/wasm/app"
)

// TestViewModels checks, panel by panel, that what the view reads agrees
// with the panel's results and with what the live region says.
func TestViewModels(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 4})
	a, _ := newApp(t, s)
	runAll(t, a)
	results, _ := a.Message() // announced when the last face was drawn
	sub := a.Subject()
	n := sub.N
	cases := []struct {
		panel app.Panel
		check func() error
	}{
		{app.PanelFaces, func() error {
			v := a.Faces()
			beats, first := 0, 0
			for i := range n {
				beats += v.Beats(i)
				if r := v.Rank(i); r < 1 || r > n {
					return fmt.Errorf("face %d: rank %d", i, r)
				} else if r == 1 {
					first++
				}
			}
			if !v.Ready || v.N != n || v.PairTotal != n*(n-1) || beats != v.PairCorrect ||
				!strings.Contains(results, fmt.Sprintf("%d of %d faces ranked first", first, n)) {
				return fmt.Errorf("%+v: beats sum to %d, %d ranked first; results %q", v, beats, first, results)
			}
			return nil
		}},
		{app.PanelPattern, func() error {
			v := a.Pattern()
			if v.W*v.H*4 != len(v.RGBA) || v.N != n || v.Voxels != sub.V {
				return fmt.Errorf("mosaic %d×%d with %d bytes, %d faces, %d voxels", v.W, v.H, len(v.RGBA), v.N, v.Voxels)
			}
			a.Press(app.KeyRight)
			if w := a.Pattern(); w.Sel != (v.Sel+1)%n || w.Version == v.Version {
				return fmt.Errorf("Right: face %d → %d, version %d → %d", v.Sel, w.Sel, v.Version, w.Version)
			}
			return nil
		}},
		{app.PanelPairwise, func() error {
			v := a.Pairwise()
			if v.Target == v.Distractor || v.TargetLeft != (v.Left == v.Target) || !slices.Contains([]int{v.Left, v.Right}, v.Distractor) {
				return fmt.Errorf("pair %+v", v)
			}
			return nil
		}},
		{app.PanelGender, func() error {
			v := a.Gender()
			correct := 0
			for i := range n {
				if v.ReadMale(i) != (v.Projection(i) > 0) {
					return fmt.Errorf("face %d: projection %v, read male %v", i, v.Projection(i), v.ReadMale(i))
				}
				if v.ReadMale(i) == v.ShownMale(i) {
					correct++
				}
			}
			if !v.Ready || v.Correct != correct || !strings.Contains(a.DescribeGender(), fmt.Sprintf("%d of %d decoded faces", correct, n)) {
				return fmt.Errorf("%d correct, recounted %d: %q", v.Correct, correct, a.DescribeGender())
			}
			return nil
		}},
		{app.PanelImagery, func() error {
			v := a.Imagery()
			var order []int
			for k := range n {
				order = append(order, v.Order(k))
				if k > 0 && v.Score(order[k]) > v.Score(order[k-1]) {
					return fmt.Errorf("order %v: not best first", order)
				}
			}
			if !v.Image.Ready() || v.Target != sub.ImageryTarget || v.Score(v.Order(v.Rank-1)) != v.Score(v.Target) {
				return fmt.Errorf("rank %d, order %v, target %d", v.Rank, order, v.Target)
			}
			return nil
		}},
		{app.PanelExplore, func() error {
			v := a.Explore()
			v.Male = 1 // a copy: the app's slider stays
			if w := a.Explore(); !w.Image.Ready() || w.Male != 0 || w.Smile != 0 {
				return fmt.Errorf("explore %+v", w)
			}
			return nil
		}},
	}
	for _, c := range cases {
		a.Press(app.KeyPanel1 + app.Key(c.panel))
		if err := c.check(); err != nil {
			t.Errorf("%v panel: %v", c.panel, err)
		}
	}
}
