package paper

import (
	"math"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	cases := []struct {
		measure, roi, model string
		s1, mean            float64
	}{
		{"pairwise", "full", "VAE-GAN", 369.0 / 380, 0.9553},
		{"pairwise", "all", "vaegan", 369.0 / 380, 0.9553},
		{"pairwise", "all", "pca", 340.0 / 380, 0.8750},
		{"one_of_20", "all", "vaegan", 15.0 / 20, 0.65},
		{"imagery_pairwise", "temporal", "vaegan", 19.0 / 19, 0.8421},
		{"gender", "frontoparietal", "VAE-GAN", 7.0 / 20, 0.5125},
	}
	for _, c := range cases {
		per, mean, ok := Lookup(c.measure, c.roi, c.model)
		if !ok {
			t.Errorf("%v: not found", c)
			continue
		}
		if math.Abs(per[0]-c.s1) > 1e-12 || mean != c.mean {
			t.Errorf("%v: got %v, %v", c, per, mean)
		}
	}
	per, mean, ok := Lookup("gender", "all", "ceiling")
	if !ok || !math.IsNaN(per[2]) || mean != 0.85 {
		t.Errorf("ceiling: %v %v %v", per, mean, ok)
	}
	if _, _, ok := Lookup("pairwise", "cerebellum", "vaegan"); ok {
		t.Error("unknown ROI found")
	}
}

// TestMeansConsistent: each group mean is the mean of its four counts.
func TestMeansConsistent(t *testing.T) {
	rows, err := Table()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 19 {
		t.Errorf("%d rows, want 19", len(rows))
	}
	for _, r := range rows {
		f := r.Fractions()
		if math.IsNaN(f[0]) {
			continue
		}
		m := (f[0] + f[1] + f[2] + f[3]) / 4
		if math.Abs(m-r.GroupMean) > 0.0006 {
			t.Errorf("%s/%s/%s: counts give %.4f, table says %.4f", r.Measure, r.ROI, r.Model, m, r.GroupMean)
		}
	}
}

func TestParseErrors(t *testing.T) {
	good := strings.Join(columns(), ",") + "\n"
	cases := map[string]string{
		"empty":       "",
		"bad header":  "a,b,c,d,e,f,g,h,i,j,k\n",
		"short row":   good + "pairwise,full\n",
		"bad count":   good + "pairwise,full,PCA,x,1,1,1,0.5,380,s,n\n",
		"count > den": good + "pairwise,full,PCA,400,1,1,1,0.5,380,s,n\n",
		"bad mean":    good + "pairwise,full,PCA,1,1,1,1,5,380,s,n\n",
		"bad den":     good + "pairwise,full,PCA,1,1,1,1,0.5,0,s,n\n",
	}
	for name, text := range cases {
		if _, err := Parse(text); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(resultsCSV)
	f.Add(strings.Join(columns(), ",") + "\npairwise,full,PCA,NA,1,1,1,0.5,380,s,\"n,\"\n")
	f.Fuzz(func(t *testing.T, text string) {
		rows, err := Parse(text)
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Denominator <= 0 || r.GroupMean < 0 || r.GroupMean > 1 {
				t.Fatalf("invalid row accepted: %+v", r)
			}
		}
	})
}
