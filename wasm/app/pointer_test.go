package app_test

import (
	"bytes"
	"strings"
	"testing"

	"fmriface/site/fixture"
	"fmriface/wasm/app"
)

func TestHitMap(t *testing.T) {
	var m app.HitMap
	m.Add(app.Area{Name: "panel", X: 0, Y: 0, W: 100, H: 100})
	m.Add(app.Area{Name: "button", X: 10, Y: 10, W: 20, H: 10})
	m.Add(app.Area{Name: "empty", X: 50, Y: 50, W: 0, H: 10})
	cases := []struct {
		x, y float64
		want string // "" for no area
	}{
		{5, 5, "panel"},
		{10, 10, "button"}, // the later area is on top
		{29.9, 19.9, "button"},
		{30, 15, "panel"}, // the right edge belongs to the neighbour
		{50, 55, "panel"}, // an empty area is never hit
		{100, 50, ""},
		{-1, 50, ""},
	}
	for _, c := range cases {
		ar, ok := m.At(c.x, c.y)
		if got := map[bool]string{true: ar.Name}[ok]; got != c.want {
			t.Errorf("At(%v, %v) = %q, want %q", c.x, c.y, got, c.want)
		}
	}
	if n := len(m.Areas()); n != 3 {
		t.Errorf("%d areas, want 3", n)
	}
	m.Reset()
	if _, ok := m.At(5, 5); ok || len(m.Areas()) != 0 {
		t.Error("Reset left areas")
	}
}

// TestPointerDoesWhatKeysDo clicks the areas a view would draw and checks
// that each does what its key does.
func TestPointerDoesWhatKeysDo(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 4})
	a, _ := newApp(t, s)
	runAll(t, a)
	key := func(k app.Key) app.Area { return app.Area{Name: "key", W: 10, H: 10, Target: app.Target{Key: k}} }
	face := func(i int) app.Area { return app.Area{Name: "face", W: 10, H: 10, Target: app.Target{Face: i}} }

	a.Point(key(app.KeyPanel1+app.Key(app.PanelGender)), 0)
	if a.Panel() != app.PanelGender {
		t.Fatalf("tab: panel %v", a.Panel())
	}
	a.Point(face(7), 0)
	if msg, _ := a.Message(); a.View().Face != 7 || !strings.HasPrefix(msg, "Face 8 of") {
		t.Errorf("face 8: selected %d, message %q", a.View().Face, msg)
	}
	for _, i := range []int{-1, a.N()} {
		rev, _ := a.Message()
		before := a.Rev()
		a.Point(face(i), 0)
		if after, _ := a.Message(); a.View().Face != 7 || a.Rev() != before || after != rev {
			t.Errorf("face %d out of range: selected %d, Rev %d → %d", i, a.View().Face, before, a.Rev())
		}
	}
	a.Point(key(app.KeyPanel1+app.Key(app.PanelPattern)), 0)
	a.Point(face(3), 0)
	if msg, _ := a.Message(); a.View().Face != 3 || !strings.Contains(msg, "ttern") {
		t.Errorf("pattern panel, face 4: selected %d, message %q", a.View().Face, msg)
	}

	a.Point(key(app.KeyPanel1+app.Key(app.PanelPairwise)), 0)
	a.Point(key(app.KeyLeft), 0)
	if g := a.Pairwise(); !g.Answered || !g.UserLeft || g.Rounds != 1 {
		t.Errorf("left candidate: answered %v, left %v, rounds %d", g.Answered, g.UserLeft, g.Rounds)
	}
	a.Point(key(app.KeyEnter), 0)
	if a.Pairwise().Answered {
		t.Error("next pair: still answered")
	}
	a.Point(key(app.KeyROI), 0)
	if a.View().ROI != 1 {
		t.Errorf("region button: ROI %d", a.View().ROI)
	}
}

func TestSliderDrag(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 200, Subjects: 1, Seed: 6})
	a, _ := newApp(t, s)
	a.Press(app.KeyPanel1 + app.Key(app.PanelExplore))
	runAll(t, a)
	gender := app.Area{Name: "slider gender", X: 100, Y: 0, W: 200, H: 20, Target: app.Target{Slider: app.SliderMale}}
	smile := app.Area{Name: "slider smile", X: 100, Y: 30, W: 200, H: 20, Target: app.Target{Slider: app.SliderSmile}}
	cases := []struct {
		ar     app.Area
		x      float64
		male   float64
		smileV float64
	}{
		{gender, 250, 1, 0},                                                  // three quarters along: +SliderMax/2
		{gender, 100, -app.SliderMax, 0},                                     // the left end
		{gender, 1000, app.SliderMax, 0},                                     // past the end: clamped
		{smile, 150, app.SliderMax, -1},                                      // a quarter along
		{smile, 200.2, app.SliderMax, 0},                                     // rounded to 0.01
		{gender, 133.3, -1.33, 0},                                            // rounded to 0.01
		{app.Area{W: 10, Target: app.Target{Key: app.KeyLeft}}, 5, -1.33, 0}, // not a slider
	}
	for _, c := range cases {
		_, n := a.Message()
		a.Drag(c.ar, c.x)
		if e := a.Explore(); e.Male != c.male || e.Smile != c.smileV {
			t.Errorf("drag %s to %v: sliders %v, %v; want %v, %v", c.ar.Name, c.x, e.Male, e.Smile, c.male, c.smileV)
		}
		if _, n2 := a.Message(); n2 != n {
			t.Errorf("drag %s to %v announced something", c.ar.Name, c.x)
		}
	}
	if !a.Explore().Image.Ready() {
		t.Error("the face went blank while the slider moved")
	}

	// A drag's many changes queue one face, drawn from the latest latent.
	one := a.Rev()
	for i := range 50 {
		a.Drag(gender, 100+float64(i)*4)
	}
	if a.Rev() == one {
		t.Error("drag did not change Rev")
	}
	steps := runAll(t, a)
	a.Drag(gender, 120)
	if single := runAll(t, a); steps > single+1 {
		t.Errorf("50 drag moves took %d frames of work, one move %d: moves are not coalesced", steps, single)
	}
	want := make([]byte, len(a.Explore().Image.RGBA()))
	if err := app.NewDecoder(s.model, 1).Image(a.ExploreLatent(), want); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, a.Explore().Image.RGBA()) {
		t.Error("the explore face is not the generator's image of the latest latent")
	}

	a.Point(gender, 300)
	if msg, _ := a.Message(); a.Explore().Male != app.SliderMax || !strings.Contains(msg, "gender slider +2.00") {
		t.Errorf("release at the right end: slider %v, message %q", a.Explore().Male, msg)
	}
}
