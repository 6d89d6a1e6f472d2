package app_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"fmriface/site/fixture"
	"fmriface/wasm/app"
)

// TestRealPanel walks the real-brain panel as a user would: opening it asks
// for its file once and says so; a failed download is retried by opening it
// again; the file's arrival announces the accuracies; the arrows step
// through the runs and decoders, a click chooses a run; and what the view
// reads agrees with the file.
func TestRealPanel(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 120, Subjects: 1, Seed: 21})
	if s.real == nil {
		t.Fatal("the fixture wrote no realbrain file")
	}
	a, _ := newApp(t, s)
	asked := 0
	a.OnNeedReal(func() { asked++ })
	runAll(t, a)
	msg := func() string { m, _ := a.Message(); return m }
	if v := a.Real(); v.State != app.RealWaiting || v.Data != nil || asked != 0 {
		t.Fatalf("before the panel opens: state %v, asked %d", v.State, asked)
	}

	open := app.KeyPanel1 + app.Key(app.PanelReal)
	a.Press(open)
	if a.Panel() != app.PanelReal || asked != 1 || a.Real().State != app.RealDownloading || !a.RealPending() ||
		!strings.HasPrefix(msg(), "Real brain panel. Downloading the real fMRI data") || !strings.Contains(msg(), "kB") {
		t.Fatalf("opened: panel %v, asked %d, state %v, message %q", a.Panel(), asked, a.Real().State, msg())
	}
	a.Press(app.KeyRight) // nothing to step through yet
	a.Press(open)
	if asked != 1 {
		t.Errorf("asked %d times, want once while it downloads", asked)
	}
	a.RealFailed(errors.New("HTTP 404"))
	if a.Real().State != app.RealFailed || a.Real().Failed != "HTTP 404" || !strings.Contains(msg(), "could not be downloaded: HTTP 404") {
		t.Fatalf("failed: state %v, message %q", a.Real().State, msg())
	}
	a.Press(open)
	if asked != 2 || a.Real().State != app.RealDownloading {
		t.Fatalf("reopened after a failure: asked %d, state %v", asked, a.Real().State)
	}

	if err := a.AddReal(s.real); err != nil {
		t.Fatal(err)
	}
	r := s.real
	v := a.Real()
	if v.State != app.RealReady || v.Data != r || v.Run != 0 || v.Method != 0 || a.RealPending() {
		t.Fatalf("arrived: %+v", v)
	}
	// The arrival announces what the panel shows: the fixture's warning,
	// each decoder's accuracy with its count and p-value, chance, the
	// face-selective voxels and the first run.
	m := msg()
	for _, want := range []string{"TEST FIXTURE", "chance 12.5%", fmt.Sprintf("%d of %d voxels are face-selective", len(r.FaceSelective()), len(r.Mask)),
		"Held-out run 1 of 12", "Left and Right step through the runs"} {
		if !strings.Contains(m, want) {
			t.Errorf("announcement %q lacks %q", m, want)
		}
	}
	for _, meth := range r.Methods {
		want := fmt.Sprintf("%.1f%% (%d of 96, p = %.3f)", 100*meth.Accuracy, meth.Correct(r.K()), meth.PValue)
		if !strings.Contains(m, want) {
			t.Errorf("announcement %q lacks %q", m, want)
		}
	}
	if err := a.AddReal(s.real); err == nil {
		t.Error("the file was added twice")
	}

	// The slice: one pixel per voxel, the face-selective ones coloured, the
	// subject's left on the left (the affine's x step is negative).
	if v.W != r.NX || v.H != r.NY || len(v.RGBA) != 4*r.NX*r.NY || !v.Facing {
		t.Fatalf("slice %d×%d, %d bytes, facing %v", v.W, v.H, len(v.RGBA), v.Facing)
	}
	face := 0
	for i := 0; i < len(v.RGBA); i += 4 {
		if [3]byte(v.RGBA[i:i+3]) == app.RealFaceColor {
			face++
		}
	}
	if face != v.FaceSelective || face == 0 {
		t.Errorf("%d face-coloured pixels, %d face-selective voxels", face, v.FaceSelective)
	}
	fv := r.FaceSelective()[0]
	x, y := int(fv)%r.NX, int(fv)/r.NX
	if o := 4 * ((r.NX - 1 - x) + r.NX*(r.NY-1-y)); [3]byte(v.RGBA[o:o+3]) != app.RealFaceColor {
		t.Errorf("voxel (%d, %d) is not drawn, flipped, at (%d, %d)", x, y, r.NX-1-x, r.NY-1-y)
	}

	// The view's tables are the file's.
	for mi := range r.Methods {
		total := 0
		for run := range r.R() {
			total += v.RunCorrect(run)
		}
		if total != r.Methods[v.Method].Correct(r.K()) || v.Confusion(2, v.Decoded(0, 2)) < 1 {
			t.Errorf("method %d: runs' correct sum to %d", mi, total)
		}
		a.Press(app.KeyDown)
		v = a.Real()
	}

	// Keys and a click.
	for _, step := range []struct {
		key       app.Key
		run, meth int
		says      string
	}{
		{app.KeyRight, 1, 0, "Held-out run 2 of 12 (run 1), correlation"},
		{app.KeyLeft, 0, 0, "Held-out run 1 of 12"},
		{app.KeyLeft, 11, 0, "Held-out run 12 of 12"},
		{app.KeyDown, 11, 1, "linear decoder (shrinkage LDA)"},
		{app.KeyDown, 11, 0, "correlation (Haxby's method)"},
		{app.KeyUp, 11, 1, "linear decoder"},
	} {
		a.Press(step.key)
		if v := a.Real(); v.Run != step.run || v.Method != step.meth || !strings.Contains(msg(), step.says) {
			t.Fatalf("key %v: run %d method %d, message %q; want run %d method %d, %q", step.key, v.Run, v.Method, msg(), step.run, step.meth, step.says)
		}
	}
	a.Point(app.Area{Target: app.Target{Run: 5}}, 0)
	if a.Real().Run != 4 || !strings.HasPrefix(msg(), "Held-out run 5 of 12") {
		t.Errorf("a click on run 5: run %d, message %q", a.Real().Run, msg())
	}
	a.SelectRun(99)
	if a.Real().Run != 4 {
		t.Error("a run out of range was chosen")
	}
	// Every block is named in the run's description, right or wrong.
	d := a.DescribeRun()
	for k, c := range r.Categories {
		if dk := a.Real().Decoded(4, k); dk == k && !strings.Contains(d, c+" correct") || dk != k && !strings.Contains(d, c+" as "+r.Categories[dk]) {
			t.Errorf("run description %q: block %s", d, c)
		}
	}
	// Opened again, the panel repeats its results.
	a.Press(app.KeyPanel1)
	a.Press(open)
	if !strings.HasPrefix(msg(), "Real brain panel. TEST FIXTURE") || asked != 2 {
		t.Errorf("reopened: message %q, asked %d", msg(), asked)
	}
	if a.LeavesApp(app.KeyNextPanel) {
		t.Error("Tab on the real brain panel leaves the app, but the results panel comes after it")
	}
}

// A site without the file keeps the panel, which says so, asks for nothing
// and ignores the arrows; D does not ask for it.
func TestRealPanelAbsent(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 120, Subjects: 1, Seed: 22, NoReal: true, NoLab: true})
	a, _ := newApp(t, s)
	asked := 0
	a.OnNeedReal(func() { asked++ })
	a.Press(app.KeyPanel1 + app.Key(app.PanelReal))
	a.Press(app.KeyRight)
	a.Press(app.KeyDownloadAll)
	m, _ := a.Message()
	if v := a.Real(); v.State != app.RealAbsent || asked != 0 || !strings.Contains(m, "Every subject is downloaded") {
		t.Errorf("state %v, asked %d, message %q", v.State, asked, m)
	}
}

// D asks for the file with the subjects, once; with everything here it says so.
func TestRealDownloadAll(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 120, Subjects: 1, Seed: 23})
	a, _ := newApp(t, s)
	asked := 0
	a.OnNeedReal(func() { asked++ })
	a.Press(app.KeyDownloadAll)
	m, _ := a.Message()
	if asked != 1 || !strings.Contains(m, "Downloading every subject and the real brain data for offline use") {
		t.Fatalf("D: asked %d, message %q", asked, m)
	}
	a.Press(app.KeyDownloadAll)
	if asked != 1 {
		t.Errorf("D again asked %d times", asked)
	}
	if err := a.AddReal(s.real); err != nil {
		t.Fatal(err)
	}
	if err := a.AddLab(s.lab); err != nil {
		t.Fatal(err)
	}
	if m, _ := a.Message(); strings.Contains(m, "TEST FIXTURE") {
		t.Errorf("an arrival off the panel announced it: %q", m)
	}
	a.Press(app.KeyDownloadAll)
	if m, _ := a.Message(); !strings.Contains(m, "Every subject and the real brain data are downloaded") {
		t.Errorf("D with everything here: %q", m)
	}
}

// The panel's link is ?panel=real (or 8); opening it asks for the file.
func TestRealPanelLink(t *testing.T) {
	for _, q := range []string{"panel=real", "panel=8"} {
		vals, _ := url.ParseQuery(q)
		v, problems := app.ParseView(vals)
		if v.Panel != app.PanelReal || len(problems) != 0 {
			t.Errorf("%s: panel %v, problems %q", q, v.Panel, problems)
		}
	}
	if app.PanelReal.Slug() != "real" || app.PanelReal.String() != "Real brain" {
		t.Errorf("slug %q, name %q", app.PanelReal.Slug(), app.PanelReal)
	}
	s := loadSite(t, fixture.Options{Voxels: 120, Subjects: 1, Seed: 24})
	a, _ := newApp(t, s)
	asked := 0
	a.OnNeedReal(func() { asked++ })
	if problems := a.Open(app.View{Panel: app.PanelReal}); len(problems) != 0 || asked != 1 {
		t.Fatalf("Open: problems %q, asked %d", problems, asked)
	}
	if q := a.Query(url.Values{}); q.Encode() != "panel=real" {
		t.Errorf("query %q", q.Encode())
	}
}

// The panel's colours keep text legible: every confusion cell, and the
// correct and wrong cells of the runs' table, with the text TextOn gives,
// reach WCAG's 4.5:1; the face-selective colour stands out from the
// brightest grey of the slice.
func TestRealColours(t *testing.T) {
	for n := 0; n <= 12; n++ {
		bg := app.RealHeat(n, 12)
		if c := app.Contrast(app.TextOn(bg), bg); c < 4.5 {
			t.Errorf("confusion cell %d/12 %v: text contrast %.2f", n, bg, c)
		}
	}
	for _, bg := range [][3]byte{app.RealCorrect, app.RealWrong, app.RealFaceColor} {
		if c := app.Contrast(app.TextOn(bg), bg); c < 4.5 {
			t.Errorf("cell %v: text contrast %.2f", bg, c)
		}
	}
	if app.RealHeat(0, 12) == app.RealHeat(12, 12) || app.RealHeat(5, 0) != app.RealHeat(0, 12) {
		t.Error("the heat scale is flat, or divides by zero")
	}
	if c := app.Contrast([3]byte{0, 0, 0}, [3]byte{255, 255, 255}); c < 20.9 || c > 21.1 {
		t.Errorf("black on white: %.2f, want 21", c)
	}
	if app.ShortCategory("scrambledpix", 5) != "scram" || app.ShortCategory("cat", 5) != "cat" {
		t.Error("ShortCategory")
	}
}

// Opened by a link at the start, the panel keeps the live region while the
// virtual subject's faces decode behind it: their results are not
// announced over the real brain's.
func TestRealPanelKeepsLiveRegion(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 120, Subjects: 1, Seed: 25})
	a, _ := newApp(t, s)
	a.OnNeedReal(func() {})
	a.Open(app.View{Panel: app.PanelReal})
	if err := a.AddReal(s.real); err != nil {
		t.Fatal(err)
	}
	runAll(t, a)
	if m, _ := a.Message(); !strings.Contains(m, "Correct: correlation") || a.FirstFace() == 0 || !a.Ready() {
		t.Errorf("after the faces decoded: message %q, first face %v, ready %v", m, a.FirstFace(), a.Ready())
	}
	a.Press(app.KeyPanel1)
	if m, _ := a.Message(); !strings.HasPrefix(m, "Faces panel. Face 1 of") {
		t.Errorf("faces panel: %q", m)
	}
}
