//go:build js && wasm

package main

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"fmriface/wasm/app"
)

// Colours of the interface.
var (
	colBG     = color.RGBA{14, 16, 22, 255}
	colPanel  = color.RGBA{26, 30, 40, 255}
	colText   = color.RGBA{230, 232, 238, 255}
	colDim    = color.RGBA{150, 156, 170, 255}
	colAccent = color.RGBA{255, 196, 0, 255}
	colGood   = color.RGBA{60, 200, 110, 255}
	colBad    = color.RGBA{240, 80, 80, 255}
	colWarn   = color.RGBA{200, 30, 30, 255}
)

// rect is an area in CSS pixels.
type rect struct{ x, y, w, h float64 }

// lineH is the height of a line of text in CSS pixels.
const lineH = 16

// textScale is the integer zoom of the bitmap font: crisp on any screen.
func (g *game) textScale() float64 { return math.Max(1, math.Round(g.scale)) }

// charW is the advance of one character in CSS pixels.
func (g *game) charW() float64 { return 7 * g.textScale() / g.scale }

// print draws one or more lines of text with its top-left corner at (x, y).
func (g *game) print(dst *ebiten.Image, s string, x, y float64, c color.Color) {
	g.font.draw(dst, g.ascii.Replace(s), math.Round(x*g.scale), math.Round(y*g.scale), g.textScale(), c)
}

// centred prints one line of text centred on x, kept inside within.
func (g *game) centred(dst *ebiten.Image, s string, x, y float64, within rect, c color.Color) {
	w := float64(len(g.ascii.Replace(s))) * g.charW()
	x = math.Max(within.x, math.Min(x-w/2, within.x+within.w-w))
	g.print(dst, s, x, y, c)
}

// wrap breaks s into lines of at most width CSS pixels.
func (g *game) wrap(s string, width float64) []string {
	max := max(10, int(width/g.charW()))
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len(line)+1+len(w) > max {
				lines = append(lines, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		lines = append(lines, line)
	}
	return lines
}

// paragraph draws wrapped text and returns the y below it.
func (g *game) paragraph(dst *ebiten.Image, s string, r rect, c color.Color) float64 {
	y := r.y
	for _, l := range g.wrap(s, r.w) {
		if y+lineH > r.y+r.h {
			break
		}
		g.print(dst, l, r.x, y, c)
		y += lineH
	}
	return y
}

func (g *game) fill(dst *ebiten.Image, r rect, c color.Color) {
	s := g.scale
	vector.DrawFilledRect(dst, float32(r.x*s), float32(r.y*s), float32(r.w*s), float32(r.h*s), c, false)
}

func (g *game) frame(dst *ebiten.Image, r rect, width float64, c color.Color) {
	s := g.scale
	vector.StrokeRect(dst, float32(r.x*s), float32(r.y*s), float32(r.w*s), float32(r.h*s), float32(width*s), c, false)
}

// image returns the GPU copy of a face, re-uploaded when the face changed.
func (g *game) image(im app.Image) *ebiten.Image {
	t := g.tex[im]
	side := g.app.Model().ImageSize()
	if t == nil {
		t = &texture{img: ebiten.NewImage(side, side), version: -1}
		g.tex[im] = t
	}
	if t.version != im.Version() {
		t.img.WritePixels(im.RGBA())
		t.version = im.Version()
	}
	return t.img
}

// face draws an image slot into r (square), or a placeholder while it decodes.
func (g *game) face(dst *ebiten.Image, im app.Image, r rect) {
	if !im.Ready() {
		g.fill(dst, r, colPanel)
		if r.w >= 8*g.charW()+8 {
			g.print(dst, "decoding", r.x+4, r.y+r.h/2-8, colDim)
		}
		return
	}
	src := g.image(im)
	side := float64(src.Bounds().Dx())
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Scale(r.w*g.scale/side, r.h*g.scale/side)
	op.GeoM.Translate(math.Round(r.x*g.scale), math.Round(r.y*g.scale))
	op.Filter = ebiten.FilterLinear
	dst.DrawImage(src, op)
}

// outlineHover outlines the area under the mouse.
func (g *game) outlineHover(dst *ebiten.Image) {
	if g.hover == "" {
		return
	}
	for _, ar := range g.hits.Areas() {
		if ar.Name == g.hover {
			g.frame(dst, rect{ar.X, ar.Y, ar.W, ar.H}, 1, colDim)
		}
	}
}

// hot records that r, in CSS pixels, does t when clicked or tapped.
func (g *game) hot(name string, r rect, t app.Target) {
	g.hits.Add(app.Area{Name: name, X: r.x, Y: r.y, W: r.w, H: r.h, Target: t})
}

// buttonH is the height of a button; its clickable area is a little taller,
// 26 CSS pixels, for fingers (WCAG 2.2 asks for 24).
const buttonH = lineH + 6

// button draws a button with its top-left corner at (x, y), records what
// it does, and returns its width.
func (g *game) button(dst *ebiten.Image, label string, x, y float64, name string, t app.Target) float64 {
	w := g.buttonW(label)
	g.fill(dst, rect{x, y, w, buttonH}, colPanel)
	g.print(dst, label, x+7, y+3, colText)
	g.hot(name, rect{x, y - 2, w, buttonH + 4}, t)
	return w
}

// buttonW is the width of a button labelled label.
func (g *game) buttonW(label string) float64 {
	return float64(len(g.ascii.Replace(label)))*g.charW() + 14
}

// flow places boxes of one height left to right from x0, wrapping to a new
// row where a box would pass the right edge, so that narrow screens (a
// phone) show every tab and button.
type flow struct {
	x0, right, gap, rowH float64
	x, y                 float64
}

// next returns the top-left corner of the next box of width w.
func (f *flow) next(w float64) (x, y float64) {
	if f.x > f.x0 && f.x+w > f.right {
		f.x, f.y = f.x0, f.y+f.rowH+f.gap
	}
	x, y = f.x, f.y
	f.x += w + f.gap
	return x, y
}

// header draws the title, the current selection and the panel tabs; it
// returns the y below them.
func (g *game) header(dst *ebiten.Image) float64 {
	a := g.app
	y := 8.0
	if a.Index().Fixture {
		g.fill(dst, rect{0, 0, g.w, 22}, colWarn)
		g.print(dst, "TEST FIXTURE: random untrained generator, synthetic subjects. Not results, not brain data.", 12, 3, colText)
		y = 28
	}
	// Wrapped short of the page's About button, on a phone too.
	y = g.paragraph(dst, "fmriface: faces decoded from fMRI patterns (VanRullen & Reddy 2019), virtual subjects",
		rect{12, y, g.w - 24 - 80, 3 * lineH}, colText) + 2
	s := a.Subject()
	k, n := a.SubjectPosition()
	loaded := fmt.Sprintf("%d of %d", k, n)
	if a.SubjectsLoaded() < n {
		loaded += fmt.Sprintf("; %d downloaded", a.SubjectsLoaded())
	}
	// The subject, region and trials are buttons that step to the next
	// one, as their keys do.
	fl := flow{x0: 12, right: g.w - 12, gap: 6, rowH: buttonH, x: 12, y: y}
	for _, b := range []struct {
		label, name string
		key         app.Key
	}{
		{fmt.Sprintf("Subject %s (%s)  S", s.ID, loaded), "subject", app.KeySubject},
		{fmt.Sprintf("Region: %s  R", a.ROILabel()), "region", app.KeyROI},
		{fmt.Sprintf("Trials: %s  T", a.TrialsLabel()), "trials", app.KeyTrials},
	} {
		x, y := fl.next(g.buttonW(b.label))
		g.button(dst, b.label, x, y, b.name, app.Target{Key: b.key})
	}
	m := a.Model()
	model := fmt.Sprintf("Model: %s, %d×%d", m.Cfg.Name, m.ImageSize(), m.ImageSize())
	x, y := fl.next(float64(len(g.ascii.Replace(model)))*g.charW() + 12)
	g.print(dst, model, x+6, y+3, colDim)
	fl = flow{x0: 12, right: g.w - 12, gap: 6, rowH: buttonH, x: 12, y: y + buttonH + 6}
	for p := range app.NumPanels {
		label := fmt.Sprintf("%d %s", int(p)+1, p)
		w := g.buttonW(label)
		x, y := fl.next(w)
		r := rect{x, y, w, buttonH}
		if p == a.Panel() {
			g.fill(dst, r, colAccent)
			g.print(dst, label, x+7, y+3, colBG)
		} else {
			g.fill(dst, r, colPanel)
			g.print(dst, label, x+7, y+3, colText)
		}
		g.hot(fmt.Sprintf("tab %d", int(p)+1), rect{x, y - 2, w, buttonH + 4}, app.Target{Key: app.KeyPanel1 + app.Key(p)})
	}
	return fl.y + buttonH
}

// footer draws the keys of the current panel and the work indicator.
func (g *game) footer(dst *ebiten.Image) {
	a := g.app
	var keys string
	switch a.Panel() {
	case app.PanelPattern:
		keys = "Arrows or the buttons: choose the face whose pattern is shown; R: region"
	case app.PanelPairwise:
		keys = "Left / Right or click a face: which face did the subject see?   Enter: next pair   C: compare"
	case app.PanelResults:
		keys = "S, R, T: another subject or trials; the chart shows every region"
	case app.PanelImagery:
		keys = "R: region (the paper found imagery best in temporal voxels)"
	case app.PanelExplore:
		keys = "Drag a slider, or Left/Right: gender   Up/Down: smile   Enter: random face   0: reset"
	case app.PanelAbout:
		keys = "The About section of the page (button at the top right) has this text with links"
	case app.PanelReal:
		keys = "Left / Right or click a row: held-out run   Up / Down: decoder"
	case app.PanelLab:
		keys = "Up / Down: knob   Left / Right: value   Enter: run or cancel   P: preset"
	default:
		keys = "Arrows or click: choose a face   C: compare"
	}
	y := g.h - 34
	status := g.ascii.Replace(g.status())
	sx := g.w - float64(len(status))*g.charW() - 12
	// The keys line stops short of the status (a narrow screen shows what
	// fits; touch has the buttons).
	line := keys + "   |   1-9, L or Tab: panels   S: subject   R: region   T: trials   D: offline   H: help"
	if n := int((sx-12)/g.charW()) - 2; len(line) > n {
		line = line[:max(0, n-3)] + "..."
	}
	g.print(dst, line, 12, y, colDim)
	// The global keys can be clicked too; they are underlined.
	for _, k := range []struct {
		label, name string
		key         app.Key
	}{
		{"S: subject", "footer subject", app.KeySubject},
		{"R: region", "footer region", app.KeyROI},
		{"T: trials", "footer trials", app.KeyTrials},
		{"D: offline", "offline", app.KeyDownloadAll},
		{"C: compare", "compare", app.KeyCompare},
		{"H: help", "help", app.KeyHelp},
	} {
		i := strings.LastIndex(line, k.label)
		if i < 0 {
			continue
		}
		x := 12 + float64(i)*g.charW()
		w := float64(len(k.label)) * g.charW()
		g.fill(dst, rect{x, y + lineH - 2, w, 1}, colDim)
		g.hot(k.name, rect{x - 3, y - 4, w + 6, lineH + 6}, app.Target{Key: k.key})
	}
	msg, _ := a.Message()
	if lines := g.wrap(msg, g.w-24); len(lines) > 0 {
		g.print(dst, lines[0], 12, y+lineH, colText)
	}
	g.print(dst, status, sx, y, colAccent)
}

// status is the work under way, for the footer: a download with its
// progress, decoding, or idle.
func (g *game) status() string {
	a := g.app
	status := "idle"
	switch {
	case a.PendingSubject() != "":
		status = "downloading " + a.PendingSubject()
	case a.AwaitingRegions():
		status = "downloading the region's decoder"
	case a.RealPending() && a.Panel() == app.PanelReal:
		status = "downloading the real brain data"
	case a.PCAPending():
		status = "downloading the PCA comparison"
	case a.LabPending() && a.Panel() == app.PanelLab:
		status = "downloading the lab's data"
	case a.LabRunning():
		status = "running the lab…"
	case g.dl.got < g.dl.total:
		status = "downloading"
	case a.Busy():
		status = "decoding…"
	}
	if strings.HasPrefix(status, "downloading") {
		if g.dl.got < g.dl.total && g.dl.total < 1e6 {
			status += fmt.Sprintf(": %.0f of %.0f kB", float64(g.dl.got)/1e3, float64(g.dl.total)/1e3)
		} else if g.dl.got < g.dl.total {
			status += fmt.Sprintf(": %.1f of %.1f MB", float64(g.dl.got)/1e6, float64(g.dl.total)/1e6)
		} else {
			status += "…"
		}
	}
	return status
}
