package app

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"fmriface/infer/site"
)

// The real-brain panel: real fMRI from Haxby et al. (2001), one person, one
// slice (the site's realbrain file, docs/site-data.md, which downloads when
// the panel is first opened). It shows the slice's mean image with its
// face-selective voxels, the category each decoder named for each block of
// each held-out run against the category shown, and each decoder's
// confusion matrix, with the accuracies beside the literature's: real brains
// carry category information; the virtual subjects of the other panels show
// what VanRullen & Reddy did with faces. Left and Right step through the
// held-out runs, Up and Down through the decoders.

// realPanel is the panel's state: the file once it has arrived, what the
// view shows of it, and the download's state.
type realPanel struct {
	data   *site.RealBrain
	asked  bool   // the file was asked for (until RealFailed)
	failed string // why its last download failed
	run    int    // the held-out run shown
	method int    // the decoder shown

	// The slice in display orientation (see RealView), repainted when the
	// file arrives.
	w, h    int
	rgba    []byte
	version int
	flipX   bool // image column c shows voxel x = NX−1−c
	flipY   bool // image row r shows voxel y = NY−1−r
	facing  bool // the axes are known: left is the subject's left, top anterior
}

// RealState is where the real-brain panel's file is.
type RealState int

const (
	RealAbsent      RealState = iota // the site's index lists no realbrain file
	RealWaiting                      // not asked for yet: opening the panel (or D) asks
	RealDownloading                  // asked for, not arrived yet
	RealFailed                       // its download failed; opening the panel again retries
	RealReady                        // loaded
)

func (s RealState) String() string {
	return [...]string{"absent", "waiting", "downloading", "failed", "ready"}[s]
}

// Colours of the panel (RGB). Text on a coloured cell uses TextOn, black or
// white, whichever contrasts more (at least 4.5:1 for any background).
var (
	RealFaceColor = [3]byte{255, 112, 40} // face-selective voxels over the grey slice
	RealCorrect   = [3]byte{60, 200, 110} // a block decoded as its own category
	RealWrong     = [3]byte{240, 80, 80}  // a block decoded as another category
	realHeatLo    = [3]byte{26, 30, 40}   // a confusion cell counting nothing (the app's panel colour)
	realHeatHi    = [3]byte{255, 196, 0}  // a cell counting every held-out run (the app's accent)
	textBlack     = [3]byte{0, 0, 0}
	textWhite     = [3]byte{255, 255, 255}
)

// OnNeedReal sets the host's function that downloads the realbrain file
// (the page's fmrifaceFetchReal); it arrives through AddReal, or its failure
// through RealFailed. The app asks for it when the panel is first opened, or
// with the other files for offline use (D).
func (a *App) OnNeedReal(f func()) { a.onNeedReal = f }

// askReal asks the host for the realbrain file, once until RealFailed.
func (a *App) askReal() {
	if a.real.data != nil || a.real.asked || a.index == nil || a.index.Real == nil {
		return
	}
	a.real.asked, a.real.failed = true, ""
	if a.onNeedReal != nil {
		a.onNeedReal()
	}
}

// AddReal gives the app the realbrain file (site.LoadRealBrain). If the
// panel is on screen it shows it and announces the results.
func (a *App) AddReal(r *site.RealBrain) error {
	if r == nil {
		return errors.New("demo: no realbrain file")
	}
	if a.real.data != nil {
		return errors.New("demo: the realbrain file is already loaded")
	}
	a.rev++
	p := &a.real
	p.data, p.asked, p.failed, p.run, p.method = r, true, "", 0, 0
	p.paint()
	if a.panel == PanelReal {
		a.say("%s", a.DescribeReal())
	}
	return nil
}

// RealFailed tells the app that the realbrain file could not be downloaded:
// opening the panel again (or D) asks again.
func (a *App) RealFailed(err error) {
	a.rev++
	a.real.asked, a.real.failed = false, err.Error()
	a.say("The real brain data could not be downloaded: %v. Opening the panel again retries.", err)
}

// realState is the download's state.
func (a *App) realState() RealState {
	switch {
	case a.real.data != nil:
		return RealReady
	case a.index == nil || a.index.Real == nil:
		return RealAbsent
	case a.real.asked:
		return RealDownloading
	case a.real.failed != "":
		return RealFailed
	}
	return RealWaiting
}

// RealPending reports whether the realbrain file is downloading.
func (a *App) RealPending() bool { return a.real.data == nil && a.real.asked }

// openReal is setPanel's part for the panel: ask for the file, or say what
// it shows.
func (a *App) openReal() {
	a.askReal()
	switch a.realState() {
	case RealReady:
		a.say("Real brain panel. %s", a.DescribeReal())
	case RealAbsent:
		a.say("Real brain panel. This site's data have no real brain file (the exporter writes it from reports/haxby, see docs/site-data.md).")
	default:
		a.say("Real brain panel. Downloading the real fMRI data of Haxby et al. (2001) (%s); the results are announced when they arrive.",
			megabytes(a.index.Real.Bytes))
	}
}

// realKey answers the panel's keys: Left and Right step through the
// held-out runs, Up and Down through the decoders.
func (a *App) realKey(k Key) {
	r := a.real.data
	if r == nil {
		return
	}
	p := &a.real
	switch k {
	case KeyLeft, KeyRight:
		d := 1
		if k == KeyLeft {
			d = -1
		}
		p.run = (p.run + d + r.R()) % r.R()
	case KeyUp, KeyDown:
		d := 1
		if k == KeyUp {
			d = -1
		}
		p.method = (p.method + d + len(r.Methods)) % len(r.Methods)
	default:
		return
	}
	a.say("%s", a.DescribeRun())
}

// SelectRun shows held-out run i (a click on its row), as the arrows do.
// An i out of range, or before the file arrived, is ignored.
func (a *App) SelectRun(i int) {
	r := a.real.data
	if r == nil || i < 0 || i >= r.R() {
		return
	}
	a.rev++
	a.real.run = i
	a.say("%s", a.DescribeRun())
}

// paint draws the slice: the mean image in grey (scaled to the 99th
// percentile of the analysed voxels), face-selective voxels in
// RealFaceColor. Where the affine is axis-aligned the image is turned to
// the usual view: the subject's left on the left, anterior at the top.
func (p *realPanel) paint() {
	r := p.data
	p.w, p.h = r.NX, r.NY
	p.rgba = make([]byte, 4*r.NX*r.NY)
	af := r.Affine
	p.facing = af[1] == 0 && af[4] == 0 && af[0] != 0 && af[5] != 0
	// World x grows to the subject's right, world y anteriorly (RAS).
	p.flipX, p.flipY = p.facing && af[0] < 0, p.facing && af[5] > 0
	var vals []float64
	for _, v := range r.Mask {
		vals = append(vals, float64(r.Mean[v]))
	}
	slices.Sort(vals)
	top := vals[int(0.99*float64(len(vals)-1))]
	if !(top > 0) {
		top = 1
	}
	face := map[int32]bool{}
	for _, v := range r.FaceSelective() {
		face[v] = true
	}
	for y := range r.NY {
		for x := range r.NX {
			v := int32(x + r.NX*y)
			g := byte(220 * math.Max(0, math.Min(1, float64(r.Mean[v])/top)))
			c := [3]byte{g, g, g}
			if face[v] {
				c = RealFaceColor
			}
			col, row := p.pixel(x, y)
			o := 4 * (col + p.w*row)
			copy(p.rgba[o:], c[:])
			p.rgba[o+3] = 255
		}
	}
	p.version++
}

// pixel is the image position of voxel (x, y).
func (p *realPanel) pixel(x, y int) (col, row int) {
	col, row = x, y
	if p.flipX {
		col = p.w - 1 - x
	}
	if p.flipY {
		row = p.h - 1 - y
	}
	return col, row
}

// RealView is what the real-brain panel shows, for the frame being drawn.
// Data (the loaded file, shared: the caller must not modify it) is set when
// State is RealReady; the rest then describes the view.
type RealView struct {
	State  RealState
	Bytes  int64  // the file's size (index.json)
	Failed string // why the last download failed

	Data          *site.RealBrain
	Run, Method   int // the held-out run and the decoder shown
	FaceSelective int // voxels above the threshold
	// The slice, W×H pixels RGBA (one per voxel; the caller must not
	// modify it), in display orientation: where Facing, the subject's left
	// is on the left and anterior at the top. Version changes with it.
	W, H    int
	RGBA    []byte
	Version int
	Facing  bool
}

// Real returns what the real-brain panel shows now.
func (a *App) Real() RealView {
	p := &a.real
	v := RealView{State: a.realState(), Failed: p.failed, Data: p.data, Run: p.run, Method: p.method,
		W: p.w, H: p.h, RGBA: p.rgba, Version: p.version, Facing: p.facing}
	if a.index != nil && a.index.Real != nil {
		v.Bytes = a.index.Real.Bytes
	}
	if p.data != nil {
		v.FaceSelective = len(p.data.FaceSelective())
	}
	return v
}

// Decoded is the category the decoder shown named for run r's block of
// category k.
func (v RealView) Decoded(r, k int) int {
	return int(v.Data.Methods[v.Method].Predicted[r*v.Data.K()+k])
}

// Confusion counts the shown decoder's blocks of category i decoded as j.
func (v RealView) Confusion(i, j int) int {
	return int(v.Data.Methods[v.Method].Confusion[i*v.Data.K()+j])
}

// RunCorrect is the number of run r's blocks the shown decoder got right.
func (v RealView) RunCorrect(r int) int {
	n := 0
	for k := range v.Data.K() {
		if v.Decoded(r, k) == k {
			n++
		}
	}
	return n
}

// realPercent formats a fraction as a percentage with one decimal.
func realPercent(x float64) string { return fmt.Sprintf("%.1f%%", 100*x) }

// realP formats a permutation p-value: "p < 0.001" at the smallest value n
// permutations can give, else "p = 0.012".
func realP(p float64, n int) string {
	if p <= 1/float64(n+1)+1e-12 {
		return fmt.Sprintf("p < %.3g", 1/float64(n))
	}
	return fmt.Sprintf("p = %.3f", p)
}

// RealCaveat is the attribution the panel shows with every number.
func (a *App) RealCaveat() string {
	r := a.real.data
	if r == nil {
		return "Real fMRI from Haxby et al. (2001), one person, one slice; CC BY-SA 3.0."
	}
	if r.Fixture {
		return "TEST FIXTURE: a synthetic slice and made-up results (site/fixture); not real fMRI, not results."
	}
	return fmt.Sprintf("Real fMRI from %s, one person, one slice; %s.", r.Source, r.License)
}

// RealMethodName names decoder m for people: "shrinkage LDA" is the linear
// decoder.
func RealMethodName(m string) string {
	if m == "shrinkage LDA" {
		return "linear decoder (shrinkage LDA)"
	}
	if m == "correlation" {
		return "correlation (Haxby's method)"
	}
	return m
}

// DescribeReal describes the panel's results: what was decoded, each
// decoder's accuracy and p-value against chance, the face-selective voxels,
// and the keys. The live region says it when the panel opens.
func (a *App) DescribeReal() string {
	r := a.real.data
	if r == nil {
		return "Real brain: not loaded."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s Each of the %d runs was held out in turn; decoders trained on the others named the category (%s) of each of its %d blocks from %d voxels.",
		a.RealCaveat(), r.R(), strings.Join(r.Categories, ", "), r.K(), len(r.Mask))
	for i, m := range r.Methods {
		sep := ";"
		if i == 0 {
			sep = " Correct:"
		}
		fmt.Fprintf(&b, "%s %s %s (%d of %d, %s)", sep, RealMethodName(m.Name), realPercent(m.Accuracy), m.Correct(r.K()), r.R()*r.K(), realP(m.PValue, r.Permutations))
	}
	fmt.Fprintf(&b, "; chance %s. %d of %d voxels are face-selective (face > other categories, t > %.2f, p < %g uncorrected). ",
		realPercent(1/float64(r.K())), len(r.FaceSelective()), len(r.Mask), r.Threshold, r.Alpha)
	b.WriteString(a.DescribeRun())
	b.WriteString(" Left and Right step through the runs, Up and Down choose the decoder.")
	return b.String()
}

// DescribeRun describes the run shown: how many of its blocks the decoder
// shown named correctly, and what it named each.
func (a *App) DescribeRun() string {
	r := a.real.data
	if r == nil {
		return ""
	}
	v := a.Real()
	var parts []string
	for k, c := range r.Categories {
		d := v.Decoded(v.Run, k)
		if d == k {
			parts = append(parts, c+" correct")
		} else {
			parts = append(parts, c+" as "+r.Categories[d])
		}
	}
	return fmt.Sprintf("Held-out run %d of %d (%s), %s: %d of %d blocks decoded correctly: %s.",
		v.Run+1, r.R(), r.Runs[v.Run], RealMethodName(r.Methods[v.Method].Name), v.RunCorrect(v.Run), r.K(), strings.Join(parts, ", "))
}

// RealHeat is the colour of a confusion cell counting n of max blocks: from
// the panel's colour (none) to the accent (all).
func RealHeat(n, max int) [3]byte {
	f := 0.0
	if max > 0 {
		f = math.Max(0, math.Min(1, float64(n)/float64(max)))
	}
	var c [3]byte
	for i := range c {
		c[i] = byte(math.Round(float64(realHeatLo[i]) + f*(float64(realHeatHi[i])-float64(realHeatLo[i]))))
	}
	return c
}

// TextOn is the colour of text on background bg: black or white, whichever
// contrasts more; either way at least 4.58:1 (WCAG asks 4.5:1).
func TextOn(bg [3]byte) [3]byte {
	if Contrast(textBlack, bg) >= Contrast(textWhite, bg) {
		return textBlack
	}
	return textWhite
}

// Contrast is the WCAG 2 contrast ratio of two colours, 1 to 21.
func Contrast(a, b [3]byte) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is WCAG 2's relative luminance of an sRGB colour.
func luminance(c [3]byte) float64 {
	lin := func(v byte) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c[0]) + 0.7152*lin(c[1]) + 0.0722*lin(c[2])
}

// ShortCategory abbreviates a category name to at most n letters for the
// panel's narrow columns ("scrambledpix" → "scram").
func ShortCategory(name string, n int) string {
	r := []rune(name)
	if len(r) <= n {
		return name
	}
	return string(r[:n])
}
