package app_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fmriface/bundle/quant"
	"fmriface/contract/sitedata"
	"fmriface/infer/site"
	"fmriface/neuro/lab"
	"fmriface/site/fixture"
	"fmriface/wasm/app"
)

// loaded is a small fixture written by site/fixture and loaded back through
// the loaders of package infer/site, as the page loads the site data.
type loaded struct {
	dir   string
	ix    *sitedata.Index
	model *site.Model
	subs  []*site.Subject
	real  *site.RealBrain // the realbrain file, where the fixture wrote one
	// The lab's base file, decoded, and its PCA file's bytes, where the
	// fixture wrote them.
	lab        *lab.Data
	labPCAName string
	labPCA     []byte
}

func loadSite(t testing.TB, o fixture.Options) *loaded {
	t.Helper()
	dir := t.TempDir()
	if _, err := fixture.Write(dir, o); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := sitedata.ParseIndex(raw)
	if err != nil {
		t.Fatal(err)
	}
	s := &loaded{dir: dir, ix: ix}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if s.model, err = site.LoadModel(ix.Generator.File, read(ix.Generator.File)); err != nil {
		t.Fatal(err)
	}
	if ix.Real != nil {
		if s.real, err = site.LoadRealBrain(ix.Real.File, read(ix.Real.File)); err != nil {
			t.Fatal(err)
		}
	}
	if ix.Lab != nil {
		if s.lab, err = lab.DecodeBase(ix.Lab.File, read(ix.Lab.File)); err != nil {
			t.Fatal(err)
		}
		if ix.Lab.PCA != nil {
			s.labPCAName, s.labPCA = ix.Lab.PCA.File, read(ix.Lab.PCA.File)
		}
	}
	for _, r := range ix.Subjects {
		sub, err := site.LoadSubject(r.File, read(r.File), s.model.Latent())
		if err != nil {
			t.Fatal(err)
		}
		if r.Regions != nil {
			if err := sub.AddRegions(r.Regions.File, read(r.Regions.File)); err != nil {
				t.Fatal(err)
			}
		}
		s.subs = append(s.subs, sub)
	}
	return s
}

// fakeClock advances by step on every reading, so time budgets are exact.
type fakeClock struct {
	t    time.Time
	step time.Duration
}

func (c *fakeClock) now() time.Time { c.t = c.t.Add(c.step); return c.t }

func TestDecoderMatchesNaive(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 5})
	sub := s.subs[0]
	dec := app.NewDecoder(s.model, sub.V)
	z := make([]float32, sub.L)
	for k := range sitedata.NumROIs {
		roi := &sub.ROIs[k]
		if roi.Complete() {
			t.Fatalf("roi %s: a loaded decoder should start encoded", roi.Name)
		}
		pat := sub.Pattern(1, 3)
		if err := dec.Latent(roi, pat, z); err != nil { // rows dequantized per step
			t.Fatal(err)
		}
		full := roi.Rows(0, len(roi.Index), sub.L, make([]float32, len(roi.Index)*sub.L))
		for d := range sub.L {
			want := float64(sub.Mean[d]) // the decoders give centred latents
			for r, v := range roi.Index {
				want += float64(pat[v]) * float64(full[r*sub.L+d])
			}
			if math.Abs(want-float64(z[d])) > 1e-4*(1+math.Abs(want)) {
				t.Fatalf("roi %s dim %d: %v, want %v", roi.Name, d, z[d], want)
			}
		}
		// Once materialized (in uneven blocks), the decoder reads Decoder
		// and gives the same latent.
		lazy := append([]float32(nil), z...)
		for !roi.Materialize(37) {
		}
		if !roi.Complete() || len(roi.Decoder) != len(full) {
			t.Fatalf("roi %s: materialized %d of %d values", roi.Name, len(roi.Decoder), len(full))
		}
		if err := dec.Latent(roi, pat, z); err != nil {
			t.Fatal(err)
		}
		// The same values; the encoded path scales each row once
		// (quant.AxpyRows), so the rounding may differ in the last bits.
		for d := range z {
			if math.Abs(float64(z[d]-lazy[d])) > 1e-5*(1+math.Abs(float64(lazy[d]))) || roi.Decoder[d] != full[d] {
				t.Fatalf("roi %s dim %d: materialized %v, lazy %v", roi.Name, d, z[d], lazy[d])
			}
		}
	}
}

// TestIdleUpdatesMaterialize: with nothing queued, App.Update dequantizes
// every decoder of every subject, and decoding stays the same.
func TestIdleUpdatesMaterialize(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 200, Subjects: 2, Seed: 8})
	a, _ := newApp(t, s)
	runAll(t, a)
	before := append([]float32(nil), a.DecodedLatent(0)...)
	for range 10000 {
		a.Update(50 * time.Millisecond)
		all := true
		for _, sub := range s.subs {
			for k := range sub.ROIs {
				all = all && sub.ROIs[k].Complete()
			}
		}
		if all {
			a.Press(app.KeyROI)
			for range sitedata.NumROIs - 1 {
				a.Press(app.KeyROI) // back to "all", decoded again from Decoder
			}
			runAll(t, a)
			for d, v := range a.DecodedLatent(0) {
				if math.Abs(float64(v-before[d])) > 1e-5*(1+math.Abs(float64(v))) {
					t.Fatalf("dim %d: %v after materializing, %v before", d, v, before[d])
				}
			}
			return
		}
	}
	t.Fatal("idle updates never completed the decoders")
}

func TestLatentsBatchMatchesSingle(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 500, Subjects: 1, Seed: 6})
	sub := s.subs[0]
	dec := app.NewDecoder(s.model, sub.V)
	zs := make([]float32, sub.N*sub.L)
	z := make([]float32, sub.L)
	for k := range sitedata.NumROIs {
		roi := &sub.ROIs[k]
		pattern := func(i int) []float32 { return sub.Pattern(0, i) }
		if err := dec.Latents(roi, sub.N, pattern, zs); err != nil {
			t.Fatal(err)
		}
		for i := range sub.N {
			if err := dec.Latent(roi, pattern(i), z); err != nil {
				t.Fatal(err)
			}
			for d := range z {
				if got := zs[i*sub.L+d]; math.Abs(float64(got-z[d])) > 1e-4*(1+math.Abs(float64(z[d]))) {
					t.Fatalf("roi %s face %d dim %d: batch %v, single %v", roi.Name, i, d, got, z[d])
				}
			}
		}
	}
	if err := dec.BeginLatents(&sub.ROIs[0], sub.N, nil, zs[:sub.L]); err == nil {
		t.Error("BeginLatents accepted an output of the wrong size")
	}
}

func TestDecodeFaceAllocatesNothing(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 5})
	sub := s.subs[0]
	dec := app.NewDecoder(s.model, sub.V)
	z := make([]float32, sub.L)
	img := make([]byte, 4*s.model.ImageSize()*s.model.ImageSize())
	allocs := testing.AllocsPerRun(50, func() {
		if err := dec.DecodeFace(&sub.ROIs[0], sub.Pattern(-1, 0), z, img); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("DecodeFace allocates %v times per call", allocs)
	}
}

func TestStats(t *testing.T) {
	for _, tc := range []struct {
		a, b []float32
		want float64
	}{
		{[]float32{1, 2, 3}, []float32{2, 4, 6}, 1},
		{[]float32{1, 2, 3}, []float32{3, 2, 1}, -1},
		{[]float32{1, 1, 1}, []float32{1, 2, 3}, 0},
		{[]float32{1, 0, -1, 0}, []float32{0, 1, 0, -1}, 0},
	} {
		if got := app.Pearson(tc.a, tc.b); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Pearson(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	// 3 faces: face 0 beats both, face 1 beats one, face 2 none.
	r := []float64{
		0.9, 0.1, 0.2,
		0.3, 0.5, 0.6,
		0.8, 0.7, 0.1,
	}
	per := make([]int, 3)
	c, n := app.Pairwise(r, 3, per)
	if c != 3 || n != 6 || per[0] != 2 || per[1] != 1 || per[2] != 0 {
		t.Errorf("Pairwise = %d of %d, per face %v", c, n, per)
	}
	if got := app.Rank(r[3:6], 1); got != 2 {
		t.Errorf("Rank = %d, want 2", got)
	}
	if got := app.Rank([]float64{1, 1, 0}, 0); got != 2 {
		t.Errorf("Rank with a tie = %d, want 2 (ties count against)", got)
	}
	if got := app.Order([]float64{0.1, 0.9, 0.5}); got[0] != 1 || got[1] != 2 || got[2] != 0 {
		t.Errorf("Order = %v", got)
	}
}

type countJob struct {
	name  string
	steps int
	log   *[]string
}

func (j *countJob) Step() bool {
	*j.log = append(*j.log, j.name)
	j.steps--
	return j.steps == 0
}

func TestScheduler(t *testing.T) {
	clk := &fakeClock{step: time.Millisecond}
	s := app.NewScheduler(clk.now)
	var log []string
	s.Push(&countJob{"a", 3, &log})
	s.Push(&countJob{"b", 2, &log})
	// Each step reads the clock once (1 ms), so a 2 ms budget runs 2 steps.
	if n := s.Run(2 * time.Millisecond); n != 2 {
		t.Fatalf("first Run did %d steps, want 2", n)
	}
	// a is under way: a front job goes after it.
	s.PushFront(&countJob{"c", 1, &log})
	// A zero budget still does one step.
	s.Run(0)
	s.Run(time.Hour)
	if got := strings.Join(log, ""); got != "aaacbb" {
		t.Errorf("order %q, want aaacbb", got)
	}
	if s.Len() != 0 {
		t.Errorf("%d jobs left", s.Len())
	}
	s.Push(&countJob{"d", 5, &log})
	s.Clear()
	if s.Run(time.Hour) != 0 {
		t.Error("Run after Clear did work")
	}
}

// runAll drives the app like a frame loop until its queue is empty.
func runAll(t *testing.T, a *app.App) int {
	t.Helper()
	frames := 0
	for a.Busy() {
		a.Update(4 * time.Millisecond)
		frames++
		if frames > 100000 {
			t.Fatal("app never finishes its work")
		}
	}
	return frames
}

func newApp(t *testing.T, s *loaded) (*app.App, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: time.Unix(1000, 0), step: 100 * time.Microsecond}
	a, err := app.NewApp(s.ix, s.model, s.subs, clk.now, 1)
	if err != nil {
		t.Fatal(err)
	}
	return a, clk
}

func TestAppDecodesAndScores(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 600, Subjects: 2, Seed: 11})
	a, _ := newApp(t, s)
	if a.Ready() || !a.Busy() {
		t.Fatal("a new app should have work queued and no results")
	}
	a.Update(time.Millisecond)
	if !a.Busy() {
		t.Fatal("one short frame finished everything: decoding is not sliced")
	}
	frames := runAll(t, a)
	if frames < 20 {
		t.Errorf("all decoding took %d frames; slices too big?", frames)
	}
	if !a.Ready() || a.FirstFace() == 0 {
		t.Fatal("no results after the queue drained")
	}
	for i := range a.N() {
		if !a.Decoded(i).Ready() || !a.Shown(i).Ready() || !a.Imagery().Candidate(i).Ready() || a.Decoded(i).Elapsed() <= 0 {
			t.Fatalf("face %d not complete: %+v", i, a.Decoded(i).Ready())
		}
	}
	if !a.Explore().Image.Ready() || !a.Imagery().Image.Ready() {
		t.Fatal("explore or imagery image missing")
	}
	if a.Faces().PairTotal != 380 {
		t.Errorf("pairs = %d, want 380", a.Faces().PairTotal)
	}
	// The fixture's decoder is a noisy pseudo-inverse: well above chance on
	// all voxels, and the message says so.
	if acc := float64(a.Faces().PairCorrect) / 380; acc < 0.7 {
		t.Errorf("all-voxel pairwise accuracy %.3f on the fixture, want > 0.7", acc)
	}
	msg, _ := a.Message()
	if !strings.Contains(msg, "20 faces decoded") || !strings.Contains(msg, "Pairwise accuracy") {
		t.Errorf("message %q", msg)
	}
	// The decoded latent must be what the decoder computes directly.
	sub := a.Subject()
	z := make([]float32, sub.L)
	if err := app.NewDecoder(s.model, sub.V).Latent(&sub.ROIs[0], sub.Pattern(-1, 4), z); err != nil {
		t.Fatal(err)
	}
	for d := range z {
		if got := a.DecodedLatent(4)[d]; math.Abs(float64(got-z[d])) > 1e-4*(1+math.Abs(float64(z[d]))) {
			t.Fatalf("app latent (batch) %v differs from the decoder's single decode %v at %d", got, z[d], d)
		}
	}

	// Frontoparietal voxels are the noisiest in the fixture: switching there
	// re-decodes and gives a different, lower score.
	all := a.Faces().PairCorrect
	a.Press(app.KeyROIBack) // all → frontoparietal
	if a.View().ROI != 3 || a.Ready() {
		t.Fatalf("ROI %d ready %v after Shift+R", a.View().ROI, a.Ready())
	}
	if msg, _ := a.Message(); !strings.Contains(msg, "frontoparietal") {
		t.Errorf("message after ROI switch: %q", msg)
	}
	runAll(t, a)
	if a.Faces().PairCorrect >= all {
		t.Errorf("frontoparietal pairwise %d ≥ all voxels %d", a.Faces().PairCorrect, all)
	}

	// Fewer trials.
	a.Press(app.KeyROI) // back to all
	a.Press(app.KeyTrials)
	a.Press(app.KeyTrials)
	a.Press(app.KeyTrials) // the 1-trial subset
	if a.TrialsLabel() != "1 trial" {
		t.Fatalf("trials %q", a.TrialsLabel())
	}
	runAll(t, a)
	if a.Faces().PairCorrect > all {
		t.Errorf("1 trial pairwise %d > all trials %d", a.Faces().PairCorrect, all)
	}

	// Next subject resets the view and decodes again.
	a.Press(app.KeySubject)
	if a.Subject() != s.subs[1] || a.Ready() {
		t.Fatal("subject switch")
	}
	runAll(t, a)
	if !a.Ready() {
		t.Fatal("second subject not decoded")
	}
}

func TestPairwiseGame(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 2})
	a, _ := newApp(t, s)
	a.Press(app.KeyPanel1 + app.Key(app.PanelPairwise))
	if a.Panel() != app.PanelPairwise {
		t.Fatal("panel key")
	}
	a.Press(app.KeyLeft) // before decoding ends
	if a.Pairwise().Answered {
		t.Fatal("answered before the decoder could")
	}
	runAll(t, a)
	seen := map[[2]int]bool{}
	for round := range 30 {
		g := a.Pairwise()
		if g.Target == g.Distractor || g.Left == g.Right {
			t.Fatalf("bad pair %d/%d", g.Target, g.Distractor)
		}
		seen[[2]int{g.Target, g.Distractor}] = true
		a.Press(app.KeyRight)
		g = a.Pairwise()
		if !g.Answered || g.Rounds != round+1 {
			t.Fatalf("round %d not recorded", round)
		}
		wantDecoder := a.Corr(g.Target, g.Target) > a.Corr(g.Target, g.Distractor)
		if g.DecoderRight != wantDecoder || g.UserRight != !g.TargetLeft {
			t.Fatalf("round %d: decoder %v want %v; user %v", round, g.DecoderRight, wantDecoder, g.UserRight)
		}
		a.Press(app.KeyRight) // a second guess does not count
		if a.Pairwise().Rounds != round+1 {
			t.Fatal("second guess counted")
		}
		msg, _ := a.Message()
		if !strings.Contains(msg, "Score: you") || !strings.Contains(msg, "full pairwise accuracy") {
			t.Fatalf("message %q", msg)
		}
		a.Press(app.KeyEnter)
	}
	if len(seen) != 30 {
		t.Errorf("30 rounds showed %d distinct pairs", len(seen))
	}
	if g := a.Pairwise(); g.UserScore+0 > 30 || g.DecoderScore > 30 {
		t.Error("scores out of range")
	}
}

func TestGenderImageryExplore(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 4})
	a, _ := newApp(t, s)
	runAll(t, a)
	sub := a.Subject()
	correct := 0
	for i := range sub.N {
		male := app.Project(a.DecodedLatent(i), s.model.Male) > 0
		if male == (sub.Male[i] == 1) {
			correct++
		}
	}
	gender := a.Gender()
	if correct != gender.Correct {
		t.Errorf("gender %d, recomputed %d", gender.Correct, correct)
	}
	// The fixture's true latents are pushed ±0.5 along the axis: the
	// read-out on them (the ceiling) gets nearly every face right.
	if gender.Ceiling < sub.N*8/10 {
		t.Errorf("gender ceiling %d of %d on the fixture", gender.Ceiling, sub.N)
	}
	im := a.Imagery()
	if im.Rank < 1 || im.Rank > sub.N || im.Order(im.Rank-1) != sub.ImageryTarget &&
		im.Score(im.Order(im.Rank-1)) != im.Score(sub.ImageryTarget) {
		order := make([]int, sub.N)
		for k := range order {
			order[k] = im.Order(k)
		}
		t.Errorf("imagery rank %d, order %v, target %d", im.Rank, order, sub.ImageryTarget)
	}
	a.Press(app.KeyPanel1 + app.Key(app.PanelImagery))
	if msg, _ := a.Message(); !strings.Contains(msg, "ranks") {
		t.Errorf("imagery message %q", msg)
	}

	a.Press(app.KeyPanel1 + app.Key(app.PanelExplore))
	before := append([]float32(nil), a.ExploreLatent()...)
	v0 := a.Explore().Image.Version()
	a.Press(app.KeyRight)
	a.Press(app.KeyRight)
	if a.Explore().Male != 2*app.SliderStep {
		t.Fatalf("male slider %v", a.Explore().Male)
	}
	for d, x := range a.ExploreLatent() {
		want := before[d] + float32(a.Explore().Male)*s.model.Male[d]
		if math.Abs(float64(x-want)) > 1e-5 {
			t.Fatalf("explore latent %d = %v, want %v", d, x, want)
		}
	}
	for range 20 {
		a.Press(app.KeyUp)
	}
	if a.Explore().Smile != app.SliderMax {
		t.Errorf("smile slider %v, want clamped at %v", a.Explore().Smile, app.SliderMax)
	}
	runAll(t, a)
	if e := a.Explore(); !e.Image.Ready() || e.Image.Version() == v0 {
		t.Error("explore image not regenerated")
	}
	a.Press(app.KeyReset)
	a.Press(app.KeyEnter)
	if e := a.Explore(); e.Male != 0 || e.Smile != 0 {
		t.Error("reset")
	}
	if msg, _ := a.Message(); !strings.Contains(msg, "gender slider +0.00") {
		t.Errorf("explore message %q", msg)
	}
}

func TestMosaic(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 400, Subjects: 1, Seed: 9})
	sub := s.subs[0]
	m := app.NewMosaic(sub)
	if m.W <= 1 || m.H <= 1 || len(m.RGBA) != 4*m.W*m.H {
		t.Fatalf("mosaic %d×%d with %d bytes", m.W, m.H, len(m.RGBA))
	}
	count := func() map[[3]byte]int {
		c := map[[3]byte]int{}
		for i := 0; i < len(m.RGBA); i += 4 {
			c[[3]byte{m.RGBA[i], m.RGBA[i+1], m.RGBA[i+2]}]++
		}
		return c
	}
	m.Paint(sub.Pattern(-1, 0), 0)
	c := count()
	for k := 1; k < sitedata.NumROIs; k++ {
		if c[app.ROIColor(k)] == 0 {
			t.Errorf("no outline of %s", sitedata.ROIName(k))
		}
	}
	grey := [3]byte{58, 58, 62}
	if c[grey] != 0 {
		t.Error("voxels greyed out with all regions shown")
	}
	m.Paint(sub.Pattern(-1, 0), 1)
	if count()[grey] == 0 {
		t.Error("no voxels greyed out with only occipital shown")
	}
}

func TestKeyFromName(t *testing.T) {
	for _, tc := range []struct {
		name  string
		shift bool
		want  app.Key
	}{
		{"ArrowLeft", false, app.KeyLeft},
		{"ArrowDown", true, app.KeyDown},
		{" ", false, app.KeyEnter},
		{"Enter", false, app.KeyEnter},
		{"Tab", true, app.KeyPrevPanel},
		{"r", false, app.KeyROI},
		{"R", true, app.KeyROIBack},
		{"S", true, app.KeySubjectBack},
		{"t", false, app.KeyTrials},
		{"1", false, app.KeyPanel1},
		{"7", false, app.KeyPanel1 + 6},
		{"8", false, app.KeyPanel1 + app.Key(app.PanelReal)},
		{"9", false, app.KeyPanel1 + app.Key(app.PanelResults)},
		{"c", false, app.KeyCompare},
		{"C", true, app.KeyCompare},
		{"0", false, app.KeyReset},
		{"?", true, app.KeyHelp},
		{"d", false, app.KeyDownloadAll},
		{"x", false, app.KeyNone},
		{"Shift", true, app.KeyNone},
		{"Escape", false, app.KeyLeave},
	} {
		if got := app.KeyFromName(tc.name, tc.shift); got != tc.want {
			t.Errorf("KeyFromName(%q, %v) = %d, want %d", tc.name, tc.shift, got, tc.want)
		}
	}
}

// Subjects other than the first download when a view needs them: S asks for
// the next one and switches when it arrives; D asks for every missing file.
func TestAddSubject(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 3, Seed: 12, NoReal: true}) // real.go's tests ask for it
	type asked struct {
		id      string
		regions bool
	}
	start := func(t *testing.T) (*app.App, *[]asked) {
		a, err := app.NewApp(s.ix, s.model, s.subs[:1], nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		var got []asked
		a.OnNeed(func(id string, regions bool) { got = append(got, asked{id, regions}) })
		runAll(t, a)
		return a, &got
	}
	message := func(a *app.App) string { m, _ := a.Message(); return m }

	t.Run("S waits for the next subject", func(t *testing.T) {
		a, got := start(t)
		a.Press(app.KeySubject)
		if a.Subject().ID != "sub-01" || a.PendingSubject() != "sub-02" || !slices.Equal(*got, []asked{{"sub-02", false}}) {
			t.Fatalf("S: on %s, pending %q, asked %v", a.Subject().ID, a.PendingSubject(), *got)
		}
		if m := message(a); !strings.Contains(m, "Downloading subject sub-02") {
			t.Errorf("message %q", m)
		}
		a.Press(app.KeySubject) // on past the pending one: sub-03
		a.Press(app.KeySubjectBack)
		if a.PendingSubject() != "sub-02" || len(*got) != 2 {
			t.Fatalf("S, Shift+S: pending %q, asked %v (sub-02 once)", a.PendingSubject(), *got)
		}
		if k, n := a.SubjectPosition(); k != 1 || n != 3 {
			t.Errorf("SubjectPosition() = %d, %d; want 1, 3", k, n)
		}
		if err := a.AddSubject(s.subs[1]); err != nil {
			t.Fatal(err)
		}
		if k, _ := a.SubjectPosition(); k != 2 {
			t.Errorf("SubjectPosition() = %d on sub-02", k)
		}
		if a.Subject().ID != "sub-02" || a.PendingSubject() != "" || !strings.HasPrefix(message(a), "Subject sub-02 (300 voxels") {
			t.Fatalf("arrival: on %s, pending %q, message %q", a.Subject().ID, a.PendingSubject(), message(a))
		}
		if err := a.AddSubject(s.subs[1]); err == nil {
			t.Error("the same subject was added twice")
		}
		runAll(t, a)
		if !a.Ready() {
			t.Fatal("added subject not decoded")
		}
		// A subject that arrives unasked-for waits for S.
		if err := a.AddSubject(s.subs[2]); err != nil {
			t.Fatal(err)
		}
		if a.Subject().ID != "sub-02" || !strings.Contains(message(a), "sub-03 is ready (3 of 3") {
			t.Errorf("unasked arrival: on %s, message %q", a.Subject().ID, message(a))
		}
		a.Press(app.KeySubject)
		if a.Subject().ID != "sub-03" {
			t.Errorf("S from sub-02 went to %s", a.Subject().ID)
		}
	})

	t.Run("a failed download may be retried", func(t *testing.T) {
		a, got := start(t)
		a.Press(app.KeySubject)
		a.NeedFailed("sub-02", false, errors.New("HTTP 404"))
		if a.PendingSubject() != "" || !strings.Contains(message(a), "sub-02 could not be downloaded: HTTP 404") {
			t.Fatalf("after a failure: pending %q, message %q", a.PendingSubject(), message(a))
		}
		a.Press(app.KeySubjectBack) // sub-03 …
		a.Press(app.KeySubjectBack) // … sub-02 again
		if len(*got) != 3 || (*got)[2] != (asked{"sub-02", false}) {
			t.Errorf("asked %v, want sub-02, sub-03, sub-02", *got)
		}
	})

	t.Run("D asks for everything missing", func(t *testing.T) {
		a, got := start(t)
		a.Press(app.KeySubject)
		a.Press(app.KeyDownloadAll)
		want := []asked{{"sub-02", false}, {"sub-02", true}, {"sub-03", false}, {"sub-03", true}}
		if !slices.Equal(*got, want) {
			t.Errorf("D asked %v, want %v (sub-01 has its regions)", *got, want)
		}
		if m := message(a); !strings.Contains(m, "offline") || !strings.Contains(m, "kB more") {
			t.Errorf("message %q", m)
		}
		a.AddSubject(s.subs[1])
		a.AddSubject(s.subs[2])
		if err := a.AddLab(s.lab); err != nil {
			t.Fatal(err)
		}
		a.Press(app.KeyDownloadAll)
		if m := message(a); !strings.Contains(m, "Every subject is downloaded") || len(*got) != 4 {
			t.Errorf("D with everything here: message %q, asked %v", m, *got)
		}
	})
}

// The site ships each subject's region decoders in a second file that
// arrives after the first face: until it does, a region view decodes nothing
// and says why; once added, it decodes exactly as a one-file subject does.
func TestRegionsFile(t *testing.T) {
	o := fixture.Options{Voxels: 300, Subjects: 1, Seed: 13}
	two, core, regions := loadSplitSubject(t, o)
	sub := two.subs[0]
	checkBadRegionsFiles(t, sub, core, regions)
	a := checkRegionsOnDemand(t, two, regions)
	checkOneFileDecodesAlike(t, a, o)
}

// readFixture reads one file of a fixture.
func readFixture(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadSplitSubject writes a one-subject fixture whose region decoders are in
// a regions file and loads the subject's core bundle only, returning it with
// the bytes of its core bundle and of its regions file.
func loadSplitSubject(t *testing.T, o fixture.Options) (two *loaded, core, regions []byte) {
	split := t.TempDir()
	ix, err := fixture.Write(split, o)
	if err != nil {
		t.Fatal(err)
	}
	ref := ix.Subjects[0]
	if ref.Regions == nil {
		t.Fatal("the fixture wrote no regions file")
	}
	m, err := site.LoadModel(ix.Generator.File, readFixture(t, split, ix.Generator.File))
	if err != nil {
		t.Fatal(err)
	}
	core, regions = readFixture(t, split, ref.File), readFixture(t, split, ref.Regions.File)
	sub, err := site.LoadSubject(ref.File, core, m.Latent())
	if err != nil {
		t.Fatal(err)
	}
	if !sub.RegionsPending() || !sub.ROIs[0].Loaded() || sub.ROIs[1].Loaded() || len(sub.ROIs[1].Index) == 0 {
		t.Fatalf("core bundle: pending %v, loaded all %v occipital %v", sub.RegionsPending(), sub.ROIs[0].Loaded(), sub.ROIs[1].Loaded())
	}
	return &loaded{dir: split, ix: ix, model: m, subs: []*site.Subject{sub}}, core, regions
}

// checkBadRegionsFiles checks that bad regions files leave the subject
// waiting, with an error naming the file.
func checkBadRegionsFiles(t *testing.T, sub *site.Subject, core, regions []byte) {
	other := fixture.Options{Voxels: 300, Subjects: 2, Seed: 14}
	odir := t.TempDir()
	oix, err := fixture.Write(odir, other)
	if err != nil {
		t.Fatal(err)
	}
	truncated := regions[:len(regions)-9]
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"truncated.fmb", truncated, "truncated.fmb:"},
		{"core.fmb", core, "meta kind"},
		{"sub-02.regions.fmb", readFixture(t, odir, oix.Subjects[1].Regions.File), "meta subject"},
	} {
		err := sub.AddRegions(c.name, c.data)
		if err == nil || !strings.HasPrefix(err.Error(), c.name+":") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming the file and %q", c.name, err, c.want)
		}
		if !sub.RegionsPending() {
			t.Fatalf("%s: a failed AddRegions loaded regions", c.name)
		}
	}
}

// checkRegionsOnDemand checks that the app asks for the regions file once,
// when a region view first needs it, waits for it, and decodes the region
// once it has arrived. It returns the app, showing occipital.
func checkRegionsOnDemand(t *testing.T, two *loaded, regions []byte) *app.App {
	sub, file := two.subs[0], two.ix.Subjects[0].Regions.File
	a, _ := newApp(t, two)
	asked := 0
	a.OnNeed(func(id string, regions bool) {
		asked++
		if id != "sub-01" || !regions {
			t.Errorf("asked for %s (regions %v), want sub-01's regions", id, regions)
		}
	})
	runAll(t, a)
	if asked != 0 {
		t.Fatal("regions asked for before a region view")
	}
	a.Press(app.KeyROI) // all → occipital, whose decoder has not arrived
	if msg, _ := a.Message(); !strings.Contains(msg, "occipital") || !strings.Contains(msg, "decoder is downloading (") {
		t.Errorf("message on a region without its decoder: %q", msg)
	}
	a.Press(app.KeyROI) // temporal: the same file, asked for once
	a.Press(app.KeyROIBack)
	if asked != 1 {
		t.Errorf("regions file asked for %d times, want 1", asked)
	}
	runAll(t, a)
	if a.Ready() || a.Decoded(0).Ready() || !a.AwaitingRegions() {
		t.Fatalf("a region without its decoder: ready %v, awaiting %v", a.Ready(), a.AwaitingRegions())
	}
	a.RegionsAdded(sub) // called too early: the view keeps waiting
	if msg, _ := a.Message(); strings.Contains(msg, "arrived") || a.Busy() {
		t.Errorf("RegionsAdded before AddRegions: message %q, busy %v", msg, a.Busy())
	}
	if err := sub.AddRegions(file, regions); err != nil {
		t.Fatal(err)
	}
	if err := sub.AddRegions(file, regions); err == nil {
		t.Error("regions added twice")
	}
	a.RegionsAdded(sub)
	if msg, _ := a.Message(); !strings.Contains(msg, "arrived") {
		t.Errorf("message after the regions arrived: %q", msg)
	}
	runAll(t, a)
	if !a.Ready() || a.AwaitingRegions() {
		t.Fatal("occipital not decoded after its decoder arrived")
	}
	return a
}

// checkOneFileDecodesAlike checks that the same subject written as one file
// decodes occipital as a, which loaded it from two files.
func checkOneFileDecodesAlike(t *testing.T, a *app.App, o fixture.Options) {
	o.OneFile = true
	one := loadSite(t, o)
	if one.ix.Subjects[0].Regions != nil || one.subs[0].RegionsPending() {
		t.Fatal("OneFile fixture has a regions file")
	}
	b, _ := newApp(t, one)
	b.Press(app.KeyROI)
	runAll(t, b)
	if a.Faces().PairCorrect != b.Faces().PairCorrect {
		t.Errorf("occipital pairwise %d from two files, %d from one", a.Faces().PairCorrect, b.Faces().PairCorrect)
	}
	for d, v := range a.DecodedLatent(3) {
		if v != b.DecodedLatent(3)[d] {
			t.Fatalf("decoded latent 3 differs at %d: %v vs %v", d, v, b.DecodedLatent(3)[d])
		}
	}
}

func TestGeneratorFirstLayerLazy(t *testing.T) {
	s := loadSite(t, fixture.Options{Preset: "tiny", Voxels: 300, Subjects: 1, Seed: 15, Quant: quant.Q8})
	if s.model.Gen.DenseFC() {
		t.Fatal("a q8 first layer was dequantized at load")
	}
	l, n := s.model.Latent(), 3*s.model.ImageSize()*s.model.ImageSize()
	z := make([]float32, l)
	for i := range z {
		z[i] = float32(i%7) / 7
	}
	lazy, dense := make([]float32, n), make([]float32, n)
	if err := s.model.Gen.Generate(z, lazy); err != nil {
		t.Fatal(err)
	}
	a, _ := newApp(t, s)
	runAll(t, a)
	if !a.Ready() || !s.model.Gen.DenseFC() {
		t.Fatalf("ready %v, first layer dense %v after the app's work", a.Ready(), s.model.Gen.DenseFC())
	}
	if err := s.model.Gen.Generate(z, dense); err != nil {
		t.Fatal(err)
	}
	for i := range dense {
		if d := math.Abs(float64(lazy[i] - dense[i])); d > 1e-5 {
			t.Fatalf("pixel %d: %v from the encoded rows, %v dense", i, lazy[i], dense[i])
		}
	}
}

// TestRev: Rev changes with everything a view shows (keys, queued work,
// subjects, messages) and not with idle frames, which only dequantize
// decoders: the browser draws nothing on those.
func TestRev(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 200, Subjects: 2, Seed: 8})
	a, err := app.NewApp(s.ix, s.model, s.subs[:1], nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		do      func()
		changes bool
	}{
		{"queued work", func() { a.Update(time.Millisecond) }, true},
		{"the rest of the work", func() { runAll(t, a) }, true},
		{"an idle frame", func() { a.Update(time.Millisecond) }, false},
		{"idle frames until the decoders are dense", func() {
			for range 2000 {
				a.Update(5 * time.Millisecond)
			}
		}, false},
		{"a key", func() { a.Press(app.KeyRight) }, true},
		{"nothing to decode for it", func() { a.Update(time.Millisecond) }, false},
		{"another region", func() { a.Press(app.KeyROI) }, true},
		{"its decode", func() { runAll(t, a) }, true},
		{"a subject", func() {
			if err := a.AddSubject(s.subs[1]); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"another idle frame", func() { a.Update(time.Millisecond) }, false},
		{"a key without effect", func() { a.Press(app.KeyReset) }, true}, // it says why
	}
	for _, st := range steps {
		before := a.Rev()
		st.do()
		if changed := a.Rev() != before; changed != st.changes {
			t.Errorf("%s: Rev changed %v, want %v", st.name, changed, st.changes)
		}
	}
	if a.Busy() {
		t.Error("still busy")
	}
}

// The keyboard can always leave the app: Esc, Tab past the last panel and
// Shift+Tab before the first belong to the page; Tab elsewhere steps panels.
func TestLeavesApp(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 12})
	a, _ := newApp(t, s)
	last := app.NumPanels - 1
	for _, tc := range []struct {
		panel app.Panel
		key   app.Key
		want  bool
	}{
		{app.PanelFaces, app.KeyLeave, true},
		{app.PanelExplore, app.KeyLeave, true},
		{last, app.KeyNextPanel, true},
		{last, app.KeyPrevPanel, false},
		{app.PanelFaces, app.KeyPrevPanel, true},
		{app.PanelFaces, app.KeyNextPanel, false},
		{app.PanelPairwise, app.KeyNextPanel, false},
		{app.PanelPairwise, app.KeyPrevPanel, false},
		{last, app.KeyRight, false},
		{app.PanelFaces, app.KeyLeft, false},
	} {
		a.Press(app.KeyPanel1 + app.Key(tc.panel))
		if got := a.LeavesApp(tc.key); got != tc.want {
			t.Errorf("panel %v, key %d: LeavesApp %v, want %v", tc.panel, tc.key, got, tc.want)
		}
	}
	if !strings.Contains(app.Help, "Esc") {
		t.Error("Help does not say how to leave the app")
	}
}

// The fewer-trial patterns come in the regions file too: the first view
// (all trials) decodes without it; fewer trials ask for it once, decode
// nothing and draw an empty mosaic until it arrives, then decode as the
// definition says.
func TestTrialsFromRegionsFile(t *testing.T) {
	two, _, regions := loadSplitSubject(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 15})
	sub, file := two.subs[0], two.ix.Subjects[0].Regions.File
	if !sub.SubsetsPending() || sub.R() == 0 {
		t.Fatalf("core bundle: subsets pending %v, R %d", sub.SubsetsPending(), sub.R())
	}
	a, _ := newApp(t, two)
	var asked []string
	a.OnNeed(func(id string, regions bool) { asked = append(asked, fmt.Sprintf("%s %v", id, regions)) })
	runAll(t, a)
	if !a.Ready() || len(asked) != 0 {
		t.Fatalf("all trials: ready %v, asked %q", a.Ready(), asked)
	}
	a.Press(app.KeyPanel1 + app.Key(app.PanelPattern))
	a.Press(app.KeyTrials)
	a.Press(app.KeyTrials) // the next subset: the same file, asked for once
	if !slices.Equal(asked, []string{"sub-01 true"}) {
		t.Errorf("fewer trials asked for %q, want sub-01's regions file once", asked)
	}
	if msg, _ := a.Message(); !strings.Contains(msg, "Trials: ") || !strings.Contains(msg, "downloading (") {
		t.Errorf("message on trials without their patterns: %q", msg)
	}
	if d := a.DescribePattern(); !strings.Contains(d, "downloading") {
		t.Errorf("pattern panel without the patterns: %q", d)
	}
	runAll(t, a)
	if a.Ready() || a.Decoded(0).Ready() || !a.AwaitingRegions() {
		t.Fatalf("trials without their patterns: ready %v, awaiting %v", a.Ready(), a.AwaitingRegions())
	}
	if err := sub.AddRegions(file, regions); err != nil {
		t.Fatal(err)
	}
	a.RegionsAdded(sub)
	if msg, _ := a.Message(); !strings.Contains(msg, "arrived") || !strings.Contains(msg, "trials") {
		t.Errorf("message after the regions file arrived: %q", msg)
	}
	runAll(t, a)
	if !a.Ready() || a.AwaitingRegions() {
		t.Fatal("fewer trials not decoded after their patterns arrived")
	}
	want := naiveLatents(sub, 1, 0)
	for i := range sub.N {
		got := a.DecodedLatent(i)
		for d, v := range got {
			if w := want[i*sub.L+d]; math.Abs(float64(v-w)) > 1e-4*(1+math.Abs(float64(w))) {
				t.Fatalf("face %d dim %d: %v, want %v", i, d, v, w)
			}
		}
	}
}
