package lab

import (
	"strings"
	"testing"
)

func TestSessionKnobs(t *testing.T) {
	d := sizedData(t, 2500, 24, 16, 90, 120)
	cfg := DefaultConfig("sub-01")
	cfg.Voxels = 0
	s := NewSession(d, cfg)
	for _, tc := range []struct {
		knob string
		dir  int
		want string
		chk  func(Config) bool
	}{
		{KnobTrain, +1, "2500 training faces", func(c Config) bool { return c.Train == 2500 }}, // clamped to the data
		{KnobTrain, -1, "2000 training faces", func(c Config) bool { return c.Train == 2000 }},
		{KnobReps, -1, "30 times", func(c Config) bool { return c.Reps == 30 }},
		{KnobNoise, +1, "Noise scale 9", func(c Config) bool { return c.Noise == 9 }},
		{KnobLambda, +1, "choose the ridge decoder first", func(c Config) bool { return c.Decoder == DecoderInversion }},
		{"decoder", +1, "ridge, λ 0.01", func(c Config) bool { return c.Decoder == DecoderRidge }},
		{KnobLambda, +1, "λ 0.03", func(c Config) bool { return c.Lambda == 0.03 }},
		{"subject", +1, "sub-02", func(c Config) bool { return c.Subject == "sub-02" }},
		{"subject", +1, "sub-01", func(c Config) bool { return c.Subject == "sub-01" }},
		{"region", +1, "occipital, 30 voxels", func(c Config) bool { return c.Region == "occipital" }},
		{"space", +1, "PCA", func(c Config) bool { return c.Space == SpacePCA }},
		{"seed", +1, "Seed 2", func(c Config) bool { return c.Seed == 2 }},
	} {
		got := s.Step(tc.knob, tc.dir)
		if !strings.Contains(got, tc.want) || !tc.chk(s.Config) {
			t.Errorf("%s %+d: %q, config %+v; want %q", tc.knob, tc.dir, got, s.Config, tc.want)
		}
	}
}

// A knob change the data cannot run is refused, saying why, and changes
// nothing.
func TestSessionRefuses(t *testing.T) {
	d := sizedData(t, 400, 60, 40, 90)
	cfg := baseConfig()
	s := NewSession(d, cfg)
	got := s.Step("region", +1) // 30 occipital voxels, 40 latent dimensions
	if !strings.Contains(got, "Cannot") || !strings.Contains(got, "more voxels than latent dimensions") || s.Config != cfg || s.Err == nil {
		t.Errorf("%q, config %+v", got, s.Config)
	}
}

func TestSessionRuns(t *testing.T) {
	d := sizedData(t, 400, 24, 16, 90, 120)
	cfg := baseConfig()
	s := NewSession(d, cfg)
	run := func() string {
		j, err := s.Start()
		if err != nil {
			t.Fatal(err)
		}
		for !j.Step() {
		}
		return s.Finish(j)
	}
	msg := run()
	for _, want := range []string{"sub-01", "pairwise", "chance 50 %", "of 20", "p "} {
		if !strings.Contains(msg, want) {
			t.Errorf("announcement %q lacks %q", msg, want)
		}
	}
	s.Step(KnobNoise, +1)
	run()
	if s.Curve.Knob != KnobNoise || len(s.Curve.Points) != 2 {
		t.Errorf("curve %+v after a noise change", s.Curve)
	}
	// A cancelled run leaves no result.
	j, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	j.Step()
	if running, _, _ := s.Running(); !running || !s.Cancel() {
		t.Error("the run was not under way")
	}
	for !j.Step() {
	}
	if msg := s.Finish(j); msg != "" || len(s.Curve.Points) != 2 {
		t.Errorf("a cancelled run announced %q; curve %d points", msg, len(s.Curve.Points))
	}
	// A space that is not loaded is refused with a reason.
	delete(d.Latents, SpacePCA)
	s.Config.Space = SpacePCA
	if _, err := s.Start(); err == nil || !strings.Contains(err.Error(), "not loaded") {
		t.Errorf("PCA not loaded: %v", err)
	}
}
