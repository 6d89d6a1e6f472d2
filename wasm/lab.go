//go:build js && wasm

package main

import (
	"fmt"
	"image/color"
	"math"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/vector"

	"fmriface/neuro/lab"
	"fmriface/wasm/app"
)

// The Lab panel (app.LabView, wasm/app/lab.go): the knobs with their
// arrows, Run or Cancel with the run's progress, the presets, and the last
// run: its accuracies against chance, its 20 test faces (true and decoded
// through the run's space) and the curve of accuracy against the knob that
// varied. Two columns on a wide screen; stacked on a phone.

func (g *game) drawLab(dst *ebiten.Image, r rect) {
	v := g.app.Lab()
	caveat := "Virtual subjects: the simulator's brain, not real fMRI. The lab simplifies the pipeline (responses per trial, voxels by tuning strength, 128 stimulus features; docs/teaching.md)."
	y := g.paragraph(dst, caveat, rect{r.x, r.y, r.w, 5 * lineH}, colAccent) + 6
	if v.State != app.LabReady {
		g.drawLabWaiting(dst, rect{r.x, y, r.w, r.y + r.h - y}, v)
		return
	}
	narrow := r.w < narrowW
	leftW := math.Min(380, r.w)
	if narrow {
		leftW = r.w
	}
	ly := g.drawLabKnobs(dst, v, r.x, y, leftW)
	ly = g.drawLabRun(dst, v, r.x, ly+6, leftW)
	x2, y2, w2 := r.x+leftW+24, y, r.w-leftW-24
	if narrow || w2 < 300 {
		x2, y2, w2 = r.x, ly+8, r.w
	} else {
		g.drawLabPresets(dst, v, r.x, ly+8, leftW, r.y+r.h)
	}
	g.drawLabResult(dst, v, rect{x2, y2, w2, r.y + r.h - y2})
}

// drawLabWaiting says where the lab's file is.
func (g *game) drawLabWaiting(dst *ebiten.Image, r rect, v app.LabView) {
	w := math.Min(r.w, 800)
	y := g.paragraph(dst, "The Lab runs the paper's decoding experiment on a virtual subject in this page: choose the training faces, the repetitions, the noise, the voxels and region, the latent space and the decoder, then run it.",
		rect{r.x, r.y, w, 4 * lineH}, colText) + lineH
	switch v.State {
	case app.LabAbsent:
		g.paragraph(dst, "This site's data have no lab file: the exporter writes it with --lab (docs/site-data.md).", rect{r.x, y, w, 3 * lineH}, colDim)
	case app.LabFailed:
		y = g.paragraph(dst, "The lab data could not be downloaded: "+v.Failed, rect{r.x, y, w, 3 * lineH}, colBad) + 6
		g.button(dst, "Retry (L)", r.x, y, "retry lab", app.Target{Key: app.KeyPanel1 + app.Key(app.PanelLab)})
	default:
		msg := fmt.Sprintf("Downloading the lab's data (%.1f MB: stimulus features, latents, voxels; no photos)...", float64(v.Bytes)/1e6)
		if g.dl.total == v.Bytes && g.dl.got < g.dl.total {
			msg = fmt.Sprintf("Downloading the lab's data: %.1f of %.1f MB...", float64(g.dl.got)/1e6, float64(g.dl.total)/1e6)
			g.fill(dst, rect{r.x, y + lineH + 4, 300, 8}, colPanel)
			g.fill(dst, rect{r.x, y + lineH + 4, 300 * float64(g.dl.got) / float64(g.dl.total), 8}, colAccent)
		}
		g.print(dst, msg, r.x, y, colAccent)
	}
}

// drawLabKnobs draws the knobs, one row each: name, "<", value, ">"; the
// focused one framed. It returns the y below.
func (g *game) drawLabKnobs(dst *ebiten.Image, v app.LabView, x, y, w float64) float64 {
	g.print(dst, "Design (Up/Down: knob, Left/Right: value)", x, y, colDim)
	y += lineH + 2
	nameW := 15 * g.charW()
	arrowW := g.buttonW("<")
	rowH := float64(buttonH + 3)
	for i, k := range lab.Knobs {
		ry := y + float64(i)*rowH
		col := colText
		if !v.Enabled[i] {
			col = colDim
		}
		g.print(dst, app.LabKnobName(k), x+4, ry+3, col)
		g.hot("knob "+k, rect{x, ry - 1, nameW, rowH - 1}, app.Target{LabKnob: i + 1})
		ax := x + nameW
		g.button(dst, "<", ax, ry, "less "+k, app.Target{LabKnob: i + 1, LabDir: -1})
		g.print(dst, v.Values[i], ax+arrowW+8, ry+3, col)
		bx := math.Min(x+w-arrowW, ax+arrowW+16+14*g.charW())
		g.button(dst, ">", bx, ry, "more "+k, app.Target{LabKnob: i + 1, LabDir: +1})
		if i == v.Knob {
			g.frame(dst, rect{x, ry - 1, bx + arrowW - x + 2, rowH - 1}, 1, colAccent)
		}
	}
	return y + float64(len(lab.Knobs))*rowH
}

// drawLabRun draws Run or Cancel, and the run's progress bar and stage.
func (g *game) drawLabRun(dst *ebiten.Image, v app.LabView, x, y, w float64) float64 {
	if v.Running {
		g.button(dst, "Cancel (Enter)", x, y, "cancel", app.Target{Key: app.KeyEnter})
		// The page's progress bar (under the canvas's bottom-left corner)
		// follows the run: the canvas is not redrawn while it works.
		stage := "Running: its progress bar is at the bottom left."
		if v.Sweep > 0 {
			stage += fmt.Sprintf(" (%d more after this)", v.Sweep)
		}
		g.print(dst, stage, x, y+buttonH+4, colText)
		return y + buttonH + 4 + lineH
	}
	bw := g.button(dst, "Run (Enter)", x, y, "run", app.Target{Key: app.KeyEnter})
	// The presets by touch too, where the list does not fit (a phone).
	g.button(dst, "Next preset (P)", x+bw+10, y, "next preset", app.Target{Key: app.KeyPreset})
	y += buttonH + 4
	if v.Err != "" {
		y = g.paragraph(dst, v.Err, rect{x, y, w, 3 * lineH}, colBad)
	}
	return y
}

// drawLabPresets lists the presets as buttons: each a question.
func (g *game) drawLabPresets(dst *ebiten.Image, v app.LabView, x, y, w, bottom float64) {
	g.print(dst, "Presets (P): a question, run over one knob", x, y, colDim)
	y += lineH + 2
	for i, p := range lab.Presets() {
		if y+buttonH > bottom {
			return
		}
		label := fmt.Sprintf("%d %s", i+1, p.Question)
		if max := int((w - 14) / g.charW()); len(label) > max {
			label = label[:max-3] + "..."
		}
		g.button(dst, label, x, y, fmt.Sprintf("preset %d", i+1), app.Target{Preset: i + 1})
		if i == v.Preset {
			g.frame(dst, rect{x - 1, y - 1, g.buttonW(label) + 2, buttonH + 2}, 1, colAccent)
		}
		y += buttonH + 5
	}
}

// drawLabResult draws the last run: its sentence, its faces and the curve.
func (g *game) drawLabResult(dst *ebiten.Image, v app.LabView, r rect) {
	if v.Last == nil {
		g.paragraph(dst, "No run yet: press Enter (or Run) for the settings on the left, or choose a preset. Each run adds a point to a curve of accuracy against the knob you vary.",
			rect{r.x, r.y, r.w, 4 * lineH}, colDim)
		return
	}
	res := v.Last
	y := g.paragraph(dst, fmt.Sprintf("Pairwise %.1f%% (chance 50%%, p %s)   1-of-20: %d of 20 (chance 1)   %d voxels, %.1f s",
		100*res.Pairwise.Accuracy, pShort(res.PairwiseP), res.OneOf.Correct, res.Voxels, v.Elapsed.Seconds()), rect{r.x, r.y, r.w, 2 * lineH}, colText) + 4

	// The faces: rows of 10, each test face above its decoded face.
	space := map[string]string{lab.SpaceVAEGAN: "VAE-GAN", lab.SpacePCA: "PCA"}[res.Config.Space]
	if v.FacesNote != "" {
		y = g.paragraph(dst, v.FacesNote, rect{r.x, y, r.w, 3 * lineH}, colDim) + 4
	} else {
		narrow := r.w < narrowW
		caption := fmt.Sprintf("Test faces through the %s (top) and decoded from the run's patterns (below)", space)
		rows := 2
		if narrow {
			// A phone: the decoded faces only, large enough to see.
			caption, rows = fmt.Sprintf("The 20 faces decoded through the %s", space), 1
		}
		g.print(dst, caption, r.x, y, colDim)
		y += lineH + 2
		side := math.Floor(math.Min(64, (r.w-9*4)/10))
		curveH := math.Max(120, math.Min(240, r.y+r.h-y-2*float64(rows)*side-16))
		if narrow {
			curveH = 0 // the faces first; the curve takes what is left
		}
		side = math.Max(16, math.Min(side, math.Floor((r.y+r.h-y-curveH-16)/float64(2*rows))-2))
		for half := range 2 {
			for row := 2 - rows; row < 2; row++ {
				for c := range 10 {
					i := half*10 + c
					im := g.app.LabShown(i)
					if row == 1 {
						im = g.app.LabDecoded(i)
					}
					g.face(dst, im, rect{r.x + float64(c)*(side+4), y, side, side})
				}
				y += side + 2
			}
			y += 6
		}
	}
	g.drawLabCurve(dst, v, rect{r.x, y + 4, math.Min(r.w, 560), r.y + r.h - y - 4})
}

// drawLabCurve plots pairwise (accent) and 1-of-20 (blue) accuracy against
// the knob that varied, with chance lines; a log axis where the values span
// more than ten times.
func (g *game) drawLabCurve(dst *ebiten.Image, v app.LabView, r rect) {
	pts := v.Curve.Points
	if r.h < 60 || len(pts) == 0 {
		return
	}
	g.print(dst, fmt.Sprintf("Accuracy against %s (pairwise yellow, 1-of-20 blue; grey: chance)", app.LabKnobName(v.Curve.Knob)), r.x, r.y, colDim)
	plot := rect{r.x + 5*g.charW(), r.y + lineH + 4, r.w - 5*g.charW() - 10, r.h - 2*lineH - 10}
	g.fill(dst, plot, colPanel)
	lo, hi := pts[0].X, pts[len(pts)-1].X
	logX := lo > 0 && hi/lo > 10
	xOf := func(x float64) float64 {
		if hi == lo {
			return plot.x + plot.w/2
		}
		f := (x - lo) / (hi - lo)
		if logX {
			f = math.Log(x/lo) / math.Log(hi/lo)
		}
		return plot.x + 8 + f*(plot.w-16)
	}
	yOf := func(acc float64) float64 { return plot.y + plot.h*(1-acc) }
	for _, tick := range []float64{0, 0.5, 1} {
		g.print(dst, fmt.Sprintf("%3.0f%%", 100*tick), r.x, yOf(tick)-lineH/2, colDim)
	}
	g.fill(dst, rect{plot.x, yOf(lab.PairwiseChance), plot.w, 1}, colDim)
	g.fill(dst, rect{plot.x, yOf(lab.OneOfChance), plot.w, 1}, colDim)
	series := []struct {
		val func(lab.Point) float64
		col [3]byte
	}{
		{func(p lab.Point) float64 { return p.Pairwise }, [3]byte{255, 196, 0}},
		{func(p lab.Point) float64 { return p.OneOf20 }, [3]byte{90, 170, 255}},
	}
	for _, s := range series {
		for i, p := range pts {
			x, y := xOf(p.X), yOf(s.val(p))
			if i > 0 {
				q := pts[i-1]
				g.line(dst, xOf(q.X), yOf(s.val(q)), x, y, colorOf(s.col))
			}
			g.fill(dst, rect{x - 3, y - 3, 6, 6}, colorOf(s.col))
		}
	}
	for _, p := range pts {
		label := fmt.Sprint(p.X)
		g.print(dst, label, xOf(p.X)-float64(len(label))*g.charW()/2, plot.y+plot.h+2, colText)
	}
}

// pShort formats a p-value briefly.
func pShort(p float64) string {
	if p < 1e-6 {
		return "< 1e-6"
	}
	if p < 0.001 {
		return fmt.Sprintf("%.1e", p)
	}
	return fmt.Sprintf("%.3f", p)
}

// line draws a segment of 2 CSS pixels between two points.
func (g *game) line(dst *ebiten.Image, x0, y0, x1, y1 float64, c color.Color) {
	s := float32(g.scale)
	vector.StrokeLine(dst, float32(x0)*s, float32(y0)*s, float32(x1)*s, float32(y1)*s, 2*s, c, true)
}
