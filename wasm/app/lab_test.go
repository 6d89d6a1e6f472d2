package app_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"fmriface/neuro/lab"
	"fmriface/site/fixture"
	"fmriface/wasm/app"
)

// TestLabPanel walks the Lab as a learner would: opening the panel asks for
// its file once; a failure is retried by opening it again; once the data are
// here, the knobs move by keys and by pointer, Enter runs, the run steps
// between frames and ends with the result announced, equal to neuro/lab's
// own run of the same settings (the page's e2e compares the same summary
// with site/labrun), and the faces of the run are drawn.
func TestLabPanel(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 2, Seed: 31})
	if s.lab == nil {
		t.Fatal("the fixture wrote no lab file")
	}
	a, _ := newApp(t, s)
	var asked []bool
	a.OnNeedLab(func(pca bool) { asked = append(asked, pca) })
	runAll(t, a)
	msg := func() string { m, _ := a.Message(); return m }

	open := app.KeyPanel1 + app.Key(app.PanelLab)
	if app.KeyFromName("l", false) != open {
		t.Fatalf("L is not the lab's key")
	}
	a.Press(open)
	if a.Panel() != app.PanelLab || len(asked) != 1 || asked[0] || a.Lab().State != app.LabDownloading || !a.LabPending() ||
		!strings.Contains(msg(), "Downloading the lab's data") {
		t.Fatalf("opened: panel %v, asked %v, state %v, message %q", a.Panel(), asked, a.Lab().State, msg())
	}
	a.Press(app.KeyEnter) // nothing to run yet
	a.LabFailed(false, errors.New("HTTP 404"))
	if a.Lab().State != app.LabFailed || !strings.Contains(msg(), "could not be downloaded: HTTP 404") {
		t.Fatalf("failed: state %v, message %q", a.Lab().State, msg())
	}
	a.Press(open)
	if len(asked) != 2 || a.Lab().State != app.LabDownloading {
		t.Fatalf("reopened: asked %v, state %v", asked, a.Lab().State)
	}
	if err := a.AddLab(s.lab); err != nil {
		t.Fatal(err)
	}
	v := a.Lab()
	if v.State != app.LabReady || len(v.Values) != len(lab.Knobs) || !strings.HasPrefix(msg(), "Lab ready.") || !strings.Contains(msg(), "simulated") {
		t.Fatalf("arrived: %+v, message %q", v, msg())
	}
	// The opening experiment, clamped to the fixture's smaller data.
	want := s.lab.Clamp(lab.DefaultConfig(s.subs[0].ID))
	if v.Config != want {
		t.Fatalf("config %+v, want %+v", v.Config, want)
	}

	// Keys: Down to the repetitions, Left to fewer; a click on the noise
	// knob's right arrow raises it.
	a.Press(app.KeyDown)
	a.Press(app.KeyDown)
	a.Press(app.KeyDown)
	if a.Lab().Knob != 3 || !strings.Contains(msg(), "repetitions (knob 4 of 10)") {
		t.Fatalf("focus %d, message %q", a.Lab().Knob, msg())
	}
	a.Press(app.KeyLeft)
	a.Point(app.Area{Target: app.Target{LabKnob: 5, LabDir: +1}}, 0)
	v = a.Lab()
	if v.Config.Reps != 30 || v.Config.Noise != 9 || v.Knob != 4 || !strings.Contains(msg(), "Noise scale 9") {
		t.Fatalf("after the keys and the click: %+v, message %q", v.Config, msg())
	}

	// Enter runs; frames step it; its result is neuro/lab's.
	a.Press(app.KeyEnter)
	if !a.LabRunning() || !a.Busy() || !strings.HasPrefix(msg(), "Running:") {
		t.Fatalf("Enter: running %v, message %q", a.LabRunning(), msg())
	}
	frames := runAll(t, a)
	if frames < 3 {
		t.Errorf("the run took %d frames: not sliced", frames)
	}
	got, ok := a.LabSummary()
	res, err := lab.Run(context.Background(), s.lab, v.Config, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !ok || got != res.Summarize() {
		t.Fatalf("the app's run %+v, neuro/lab's %+v", got, res.Summarize())
	}
	if !strings.Contains(msg(), "pairwise") || !strings.Contains(msg(), "1-of-20") || a.LabRuns() != 1 {
		t.Errorf("after the run: %q", msg())
	}
	for i := range lab.TestFaces {
		if !a.LabShown(i).Ready() || !a.LabDecoded(i).Ready() {
			t.Fatalf("face %d not drawn", i+1)
		}
	}
	if pts := a.Lab().Curve.Points; len(pts) != 1 {
		t.Errorf("curve %+v", pts)
	}

	// Enter during a run cancels it.
	a.Press(app.KeyRight) // noise 12
	a.Press(app.KeyEnter)
	a.Press(app.KeyEnter)
	if a.LabRunning() || msg() != "Run cancelled." || a.LabRuns() != 1 {
		t.Fatalf("cancel: running %v, message %q", a.LabRunning(), msg())
	}

	// The address names the settings and a link opens them, running.
	q := a.Query(url.Values{})
	if q.Get("panel") != "lab" || q.Get("noise") != "12" || q.Get("reps") != "30" || q.Has("face") {
		t.Fatalf("query %v", q)
	}
	b, _ := newApp(t, s)
	b.OnNeedLab(func(bool) {})
	view, problems := app.ParseView(q)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	b.Open(view)
	if err := b.AddLab(s.lab); err != nil {
		t.Fatal(err)
	}
	if !b.LabRunning() || b.Lab().Config != a.Lab().Config {
		t.Fatalf("link: running %v, config %+v, want %+v", b.LabRunning(), b.Lab().Config, a.Lab().Config)
	}
}

// A preset runs its knob's values one after the other, each a point of the
// curve; P steps through the presets.
func TestLabPreset(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 32})
	a, _ := newApp(t, s)
	a.OnNeedLab(func(bool) {})
	a.Press(app.KeyPanel1 + app.Key(app.PanelLab))
	if err := a.AddLab(s.lab); err != nil {
		t.Fatal(err)
	}
	a.Point(app.Area{Target: app.Target{Preset: 2}}, 0) // repetitions: 1, 5, 15, 45
	m, _ := a.Message()
	if !a.LabRunning() || !strings.Contains(m, "How often must a test face be shown?") || a.Lab().Sweep != 3 {
		t.Fatalf("preset 2: running %v, sweep %d, message %q", a.LabRunning(), a.Lab().Sweep, m)
	}
	runAll(t, a)
	c := a.Lab().Curve
	if c.Knob != lab.KnobReps || len(c.Points) != 4 || c.Points[0].X != 1 || c.Points[3].X != 45 || a.LabRuns() != 4 {
		t.Fatalf("curve %+v after %d runs", c, a.LabRuns())
	}
	// The test faces are drawn once, whichever run of the sweep drew them.
	for i := range lab.TestFaces {
		if !a.LabShown(i).Ready() || !a.LabDecoded(i).Ready() {
			t.Fatalf("after the sweep: face %d shown %v, decoded %v", i+1, a.LabShown(i).Ready(), a.LabDecoded(i).Ready())
		}
	}
	// More repetitions average the noise away: accuracy does not fall.
	if c.Points[3].Pairwise < c.Points[0].Pairwise {
		t.Errorf("pairwise %v with 45 repetitions, %v with 1", c.Points[3].Pairwise, c.Points[0].Pairwise)
	}
	a.Press(app.KeyPreset)
	if m, _ := a.Message(); !strings.Contains(m, "Preset 3") {
		t.Errorf("P: %q", m)
	}
	a.Press(app.KeyEnter) // cancel
}

// The PCA space downloads its latents when chosen; a site without them
// says so.
func TestLabPCA(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 33})
	a, _ := newApp(t, s)
	var asked []bool
	a.OnNeedLab(func(pca bool) { asked = append(asked, pca) })
	a.Press(app.KeyPanel1 + app.Key(app.PanelLab))
	if err := a.AddLab(s.lab); err != nil {
		t.Fatal(err)
	}
	a.Press(app.KeyDown) // the space
	a.Press(app.KeyRight)
	if len(asked) != 2 || !asked[1] || a.Lab().Config.Space != lab.SpaceVAEGAN {
		t.Fatalf("PCA chosen: asked %v, space %s", asked, a.Lab().Config.Space)
	}
	if err := a.AddLabPCA(s.labPCAName, s.labPCA); err != nil {
		t.Fatal(err)
	}
	if a.Lab().Config.Space != lab.SpacePCA || !a.Lab().HasPCA {
		t.Fatalf("PCA arrived: space %s", a.Lab().Config.Space)
	}
	a.Press(app.KeyEnter)
	runAll(t, a)
	if sum, ok := a.LabSummary(); !ok || sum.Config.Space != lab.SpacePCA {
		t.Fatalf("PCA run: %+v", sum)
	}

	noPCA := loadSite(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 34})
	noPCA.ix.Lab.PCA = nil // a site built without --pca
	b, _ := newApp(t, noPCA)
	b.OnNeedLab(func(bool) {})
	b.Press(app.KeyPanel1 + app.Key(app.PanelLab))
	if err := b.AddLab(noPCA.lab); err != nil {
		t.Fatal(err)
	}
	b.Press(app.KeyDown)
	b.Press(app.KeyRight)
	if m, _ := b.Message(); !strings.Contains(m, "no PCA latents") {
		t.Errorf("PCA on a site without it: %q", m)
	}

	// A link to a PCA run on that site does not run the VAE-GAN instead.
	c, _ := newApp(t, noPCA)
	c.OnNeedLab(func(bool) {})
	view, _ := app.ParseView(url.Values{"panel": {"lab"}, "space": {"pca"}})
	c.Open(view)
	if err := c.AddLab(noPCA.lab); err != nil {
		t.Fatal(err)
	}
	if m, _ := c.Message(); c.LabRunning() || !strings.Contains(m, "do not have") {
		t.Errorf("a PCA link without PCA: running %v, message %q", c.LabRunning(), m)
	}
}

// A frame's lab work shrinks after a slow frame, whose time went to the
// browser: more work on top of it would make the next one slow too.
func TestLabBudget(t *testing.T) {
	for _, tc := range []struct {
		gap, want time.Duration
	}{
		{16 * time.Millisecond, 16 * time.Millisecond},
		{33 * time.Millisecond, 16 * time.Millisecond},
		{40 * time.Millisecond, 16 * time.Millisecond},
		{50 * time.Millisecond, 6 * time.Millisecond},
		{170 * time.Millisecond, 6 * time.Millisecond},
	} {
		if got := app.LabBudget(tc.gap); got != tc.want {
			t.Errorf("after a frame of %v: %v of lab work, want %v", tc.gap, got, tc.want)
		}
	}
}
