//go:build js && wasm

package main

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"fmriface/demo"
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
func (g *game) image(im *demo.Image) *ebiten.Image {
	t := g.tex[im]
	side := g.app.Model.ImageSize()
	if t == nil {
		t = &texture{img: ebiten.NewImage(side, side), version: -1}
		g.tex[im] = t
	}
	if t.version != im.Version {
		t.img.WritePixels(im.RGBA)
		t.version = im.Version
	}
	return t.img
}

// face draws an image slot into r (square), or a placeholder while it decodes.
func (g *game) face(dst *ebiten.Image, im *demo.Image, r rect) {
	if !im.Ready {
		g.fill(dst, r, colPanel)
		g.print(dst, "decoding", r.x+4, r.y+r.h/2-8, colDim)
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

// header draws the title, the current selection and the panel tabs; it
// returns the y below them.
func (g *game) header(dst *ebiten.Image) float64 {
	a := g.app
	y := 8.0
	if a.Index.Fixture {
		g.fill(dst, rect{0, 0, g.w, 22}, colWarn)
		g.print(dst, "TEST FIXTURE: random untrained generator, synthetic subjects. Not results, not brain data.", 12, 3, colText)
		y = 28
	}
	g.print(dst, "fmriface: faces decoded from fMRI patterns (VanRullen & Reddy 2019), virtual subjects", 12, y, colText)
	y += lineH + 2
	s := a.Subject()
	k, n := a.SubjectPosition()
	loaded := fmt.Sprintf("%d of %d", k, n)
	if len(a.Subjects) < n {
		loaded += fmt.Sprintf("; %d downloaded", len(a.Subjects))
	}
	g.print(dst, fmt.Sprintf("Subject %s (%s, S)   Region: %s (R)   Trials: %s (T)   Model: %s, %d×%d",
		s.ID, loaded, a.ROILabel(), a.TrialsLabel(), a.Model.Cfg.Name, a.Model.ImageSize(), a.Model.ImageSize()), 12, y, colDim)
	y += lineH + 6
	x := 12.0
	for p := range demo.NumPanels {
		label := fmt.Sprintf("%d %s", int(p)+1, p)
		w := float64(len(label))*g.charW() + 14
		r := rect{x, y, w, lineH + 6}
		if p == a.Panel {
			g.fill(dst, r, colAccent)
			g.print(dst, label, x+7, y+3, colBG)
		} else {
			g.fill(dst, r, colPanel)
			g.print(dst, label, x+7, y+3, colText)
		}
		x += w + 6
	}
	return y + lineH + 6
}

// footer draws the keys of the current panel and the work indicator.
func (g *game) footer(dst *ebiten.Image) {
	a := g.app
	var keys string
	switch a.Panel {
	case demo.PanelPattern:
		keys = "Arrows: choose the face whose pattern is shown; R: region"
	case demo.PanelPairwise:
		keys = "Left / Right: which face did the subject see?   Enter: next pair"
	case demo.PanelImagery:
		keys = "R: region (the paper found imagery best in temporal voxels)"
	case demo.PanelExplore:
		keys = "Left/Right: gender slider   Up/Down: smile slider   Enter: random face   0: reset"
	case demo.PanelAbout:
		keys = "The About section of the page (button at the top right) has this text with links"
	default:
		keys = "Arrows: choose a face"
	}
	y := g.h - 34
	g.print(dst, keys+"   |   1-7 or Tab: panels   S: subject   R: region   T: trials   D: offline   H: help", 12, y, colDim)
	status := "idle"
	switch {
	case a.PendingSubject() != "":
		status = "downloading " + a.PendingSubject()
	case a.AwaitingRegions():
		status = "downloading the region's decoder"
	case g.dl.got < g.dl.total:
		status = "downloading"
	case a.Busy():
		status = "decoding…"
	}
	if strings.HasPrefix(status, "downloading") {
		if g.dl.got < g.dl.total {
			status += fmt.Sprintf(": %.1f of %.1f MB", float64(g.dl.got)/1e6, float64(g.dl.total)/1e6)
		} else {
			status += "…"
		}
	}
	msg, _ := a.Message()
	if lines := g.wrap(msg, g.w-24); len(lines) > 0 {
		g.print(dst, lines[0], 12, y+lineH, colText)
	}
	g.print(dst, status, g.w-float64(len(status))*g.charW()-12, y, colAccent)
}
