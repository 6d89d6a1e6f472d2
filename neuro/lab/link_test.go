package lab

import (
	"net/url"
	"os"
	"strings"
	"testing"
)

func TestQueryRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"default", DefaultConfig("sub-01"), ""},
		{"other subject", func() Config { c := DefaultConfig("sub-01"); c.Subject = "sub-03"; return c }(), "subject=sub-03"},
		{"everything", Config{Subject: "sub-02", Space: SpacePCA, Train: 4000, Reps: 10, Noise: 2.5, Region: "temporal",
			Voxels: 1500, Decoder: DecoderRidge, Lambda: 0.1, Seed: 3},
			"decoder=ridge&lambda=0.1&noise=2.5&region=temporal&reps=10&seed=3&space=pca&subject=sub-02&train=4000&voxels=1500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.cfg.Query(url.Values{"panel": {"lab"}}, "sub-01")
			if q.Get("panel") != "lab" {
				t.Error("the app's parameters were dropped")
			}
			q.Del("panel")
			if got := q.Encode(); got != tc.want {
				t.Errorf("query %q, want %q", got, tc.want)
			}
			back, problems := ParseQuery(q, "sub-01")
			if len(problems) > 0 || back != tc.cfg {
				t.Errorf("parsed back %+v (%v), want %+v", back, problems, tc.cfg)
			}
		})
	}
}

func TestParseQueryProblems(t *testing.T) {
	q, _ := url.ParseQuery("space=gan&train=many&noise=-1&region=hippocampus&decoder=svm&seed=x&reps=3")
	c, problems := ParseQuery(q, "sub-01")
	if len(problems) != 6 {
		t.Errorf("problems %q, want 6", problems)
	}
	for _, key := range []string{"space", "train", "noise", "region", "decoder", "seed"} {
		if !strings.Contains(strings.Join(problems, " "), key+"=") {
			t.Errorf("no problem names %s: %q", key, problems)
		}
	}
	d := DefaultConfig("sub-01")
	d.Reps = 3
	if c != d {
		t.Errorf("config %+v, want the defaults with reps 3", c)
	}
}

func TestPresetsAreValid(t *testing.T) {
	d, err := Synthetic(SyntheticSpec{Train: 8000, K: 8, P: 1024, Voxels: []int{4400, 4400}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range Presets() {
		if seen[p.Slug] || p.Question == "" || len(p.Values) == 0 {
			t.Errorf("preset %q: duplicate, or no question or values", p.Slug)
		}
		seen[p.Slug] = true
		for _, x := range p.Values {
			c := p.Config("sub-02").SetKnob(p.Vary, x)
			if err := c.Validate(d); err != nil {
				t.Errorf("preset %s at %s = %v: %v", p.Slug, p.Vary, x, err)
			}
		}
	}
}

func TestCurve(t *testing.T) {
	res := func(c Config, acc float64) *Result {
		r := &Result{Config: c}
		r.Pairwise.Accuracy, r.OneOf.Accuracy = acc, acc/2
		return r
	}
	base := DefaultConfig("sub-01")
	var cv Curve
	cv.Add(res(base, 0.8))
	more := base
	more.Reps = 10
	cv.Add(res(more, 0.7)) // a second run changing one knob turns the curve to it
	if cv.Knob != KnobReps || len(cv.Points) != 2 || cv.Points[0].X != 10 || cv.Points[1].X != 45 {
		t.Fatalf("curve %+v", cv)
	}
	again := more
	again.Seed = 5
	cv.Add(res(again, 0.72)) // a rerun replaces its point
	if len(cv.Points) != 2 || cv.Points[0].Pairwise != 0.72 {
		t.Errorf("rerun: %+v", cv.Points)
	}
	other := more
	other.Space, other.Reps = SpacePCA, 20
	cv.Add(res(other, 0.6)) // two settings changed: a new curve
	if len(cv.Points) != 1 || cv.Points[0].X != 20 {
		t.Errorf("new curve: %+v", cv)
	}
}

// docs/teaching.md opens every preset's runs by their links.
func TestTeachingPageLinks(t *testing.T) {
	raw, err := os.ReadFile("../../docs/teaching.md")
	if err != nil {
		t.Fatal(err)
	}
	page := string(raw)
	for _, p := range Presets() {
		for _, x := range p.Values {
			q := p.Config("sub-01").SetKnob(p.Vary, x).Query(url.Values{"panel": {"lab"}}, "sub-01")
			if link := "(?" + q.Encode() + ")"; !strings.Contains(page, link) {
				t.Errorf("preset %s, %s = %v: docs/teaching.md has no link %s", p.Slug, p.Vary, x, link)
			}
		}
	}
}
