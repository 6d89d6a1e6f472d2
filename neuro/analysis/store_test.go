package analysis

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func smallResult() *SubjectResult {
	r := &SubjectResult{Subject: "sub-01", TestImages: []string{"F1.jpg", "M2.jpg"}, TestKeys: []string{"1.jpg", "2.jpg"},
		TestMale: []bool{false, true}, ImageryKeys: []string{"3.jpg", "4.jpg"}, ImageryTarget: 1, ImageSize: 0}
	m := ModelResult{Name: "vaegan", L: 3, Variants: []string{VariantOLS}, TrueTest: [][]float64{{1, 2, 3}, {3, 2, 1}},
		TrueImagery: [][]float64{{1, 0, 0}, {0, 1, 0}}, MaleAxis: []float64{1, -1, 0},
		Test:      map[string]map[string][][]float64{VariantOLS: {"all": {{1, 2, 2}, {3, 1, 1}}}},
		Imagery:   map[string]map[string][]float64{VariantOLS: {"all": {0, 1, 0}}},
		Curve:     []CurveInfo{{Fraction: 0.5, NFaces: 10}, {Fraction: 0.25, NFaces: 5, Err: "rank"}},
		CurveTest: [][][]float64{{{1, 2, 3}, {3, 2, 1}}, nil}}
	r.Models = []ModelResult{m}
	return r
}

func TestResultRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub-01", ResultFileName)
	if err := WriteResult(path, smallResult()); err != nil {
		t.Fatal(err)
	}
	r, err := ReadResult(path)
	if err != nil {
		t.Fatal(err)
	}
	m := r.Models[0]
	if m.Test[VariantOLS]["all"][1][0] != 3 || m.Imagery[VariantOLS]["all"][1] != 1 || m.CurveTest[1] != nil || m.CurveTest[0][0][2] != 3 {
		t.Errorf("round trip lost values: %+v", m)
	}
	ev, err := Evaluate(r, EvalOptions{Draws: 1000})
	if err != nil {
		t.Fatal(err)
	}
	// Decoded 0 ~ true 0 (r = 0.87 vs −0.87), decoded 1 ~ true 1: both pairs right.
	if got := *ev.Models["vaegan"]["all"].Pairwise; got != 1 {
		t.Errorf("pairwise %v, want 1", got)
	}
	// Imagery: decoded (0,1,0) is the target (0,1,0): one win of one.
	if got := *ev.Models["vaegan"]["all"].ImageryPairwise; got != 1 {
		t.Errorf("imagery %v, want 1", got)
	}
	// Gender: projections on (1,−1,0) are −1 (female) and 2 (male): both right.
	if got := *ev.Models["vaegan"]["all"].Gender; got != 1 {
		t.Errorf("gender %v, want 1", got)
	}
	if ev.Models["vaegan"]["occipital"].Pairwise != nil {
		t.Error("an ROI without decoded latents has a pairwise accuracy")
	}
}

func TestReadResultErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, data, want string }{
		{"empty", "", "zip"},
		{"text", "not a zip file at all", "zip"},
	} {
		p := filepath.Join(dir, c.name+".npz")
		if err := os.WriteFile(p, []byte(c.data), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadResult(p)
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v should name the file", c.name, err)
		}
	}
}

func FuzzReadResult(f *testing.F) {
	p := filepath.Join(f.TempDir(), "seed.npz")
	if err := WriteResult(p, smallResult()); err != nil {
		f.Fatal(err)
	}
	seed, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "x.npz")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := ReadResult(p)
		if err != nil {
			return
		}
		// Whatever reads must evaluate without panicking.
		Evaluate(r, EvalOptions{Draws: 10})
	})
}

func FuzzReadStimuli(f *testing.F) {
	f.Add([]byte("stim_file\tceleba_file\tmale\nsub01/run01/F0001.jpg\t000001.jpg\t0\n"), []byte("celeba_file\timagined\n000002.jpg\t1\n000003.jpg\t0\n"))
	f.Add([]byte("stim_file\tceleba_file\nsub01/run01/M0001.jpg\t000001.jpg\n"), []byte(""))
	f.Fuzz(func(t *testing.T, stim, imagery []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "sub-01_stimuli.tsv"), stim, 0o644); err != nil {
			t.Fatal(err)
		}
		if len(imagery) > 0 {
			if err := os.WriteFile(filepath.Join(dir, "sub-01_imagery.tsv"), imagery, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		s, err := ReadStimuli(dir, "01")
		if err != nil {
			return
		}
		if s.Imagery != nil && (s.ImageryTarget < 0 || s.ImageryTarget >= len(s.Imagery)) {
			t.Fatalf("imagery target %d of %d", s.ImageryTarget, len(s.Imagery))
		}
	})
}

func TestReadStimuli(t *testing.T) {
	for _, c := range []struct {
		name, stim, imagery, want string
	}{
		{"ok", "stim_file\tceleba_file\nsub01/run01/M0001.jpg\t000001.jpg\nsub01/run02/F0002.jpg\t000002.jpg\n", "", ""},
		{"missing column", "stim_file\tfile\na\tb\n", "", "celeba_file"},
		{"bad male", "stim_file\tceleba_file\tmale\na\tb\tyes\n", "", "want 0 or 1"},
		{"conflict", "stim_file\tceleba_file\na\tb\na\tc\n", "", "maps to both"},
		{"two imagined", "stim_file\tceleba_file\na\tb\n", "celeba_file\timagined\nx\t1\ny\t1\n", "more than one"},
		{"none imagined", "stim_file\tceleba_file\na\tb\n", "celeba_file\timagined\nx\t0\ny\t0\n", "exactly one"},
	} {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "sub-01_stimuli.tsv"), []byte(c.stim), 0o644)
		if c.imagery != "" {
			os.WriteFile(filepath.Join(dir, "sub-01_imagery.tsv"), []byte(c.imagery), 0o644)
		}
		s, err := ReadStimuli(dir, "sub-01")
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		case c.want == "" && (!s.Male["000001.jpg"] || s.Male["000002.jpg"] || s.Imagery != nil):
			t.Errorf("%s: genders from the M/F prefix: %+v", c.name, s)
		}
	}
}
