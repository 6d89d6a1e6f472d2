//go:build js && wasm

package main

import (
	"fmt"
	"image/color"
	"math"

	"github.com/hajimehoshi/ebiten/v2"

	"fmriface/contract/sitedata"
	"fmriface/wasm/app"
)

// narrowW is the body width, in CSS pixels, under which panels stack their
// parts (a phone held upright) instead of placing them side by side.
const narrowW = 640

// grid lays out n cells of aspect w:h (h = w·aspect + extra) in r, returning
// the number of columns and the cell width.
func grid(n int, r rect, aspect, extra float64) (cols int, cw float64) {
	best := 0.0
	for c := 1; c <= n; c++ {
		rows := (n + c - 1) / c
		w := math.Min(r.w/float64(c), (r.h/float64(rows)-extra)/aspect)
		if w > best {
			best, cols = w, c
		}
	}
	return cols, best
}

// drawPanel draws the panel on screen into r, the screen's body. Each
// panel reads what it shows from the app's view model of it.
func (g *game) drawPanel(dst *ebiten.Image, r rect) {
	switch g.app.Panel() {
	case app.PanelFaces:
		g.drawFaces(dst, r)
	case app.PanelPattern:
		g.drawPattern(dst, r)
	case app.PanelPairwise:
		g.drawPairwise(dst, r)
	case app.PanelGender:
		g.drawGender(dst, r)
	case app.PanelImagery:
		g.drawImagery(dst, r)
	case app.PanelExplore:
		g.drawExplore(dst, r)
	case app.PanelAbout:
		g.drawAbout(dst, r)
	case app.PanelReal:
		g.drawReal(dst, r)
	case app.PanelResults:
		g.drawResults(dst, r)
	case app.PanelLab:
		g.drawLab(dst, r)
	}
}

func (g *game) drawFaces(dst *ebiten.Image, r rect) {
	a := g.app
	v := a.Faces()
	cmp := a.Compare()
	n := v.N
	top := r.y
	caption := "Each pair: the face as shown (left) and as decoded from the fMRI pattern (right).   C: beside PCA"
	summary := ""
	if v.Ready {
		summary = fmt.Sprintf("Pairwise %.1f%% (%d/%d)", 100*float64(v.PairCorrect)/float64(v.PairTotal), v.PairCorrect, v.PairTotal)
	}
	if cmp.On {
		caption = "Each face: as shown | decoded through the VAE-GAN | decoded through PCA (the paper's Figure 3)."
		summary = ""
		r.y = g.compareLine(dst, cmp, rect{r.x, r.y, r.w, 3 * lineH}) + 2
		r.h -= r.y - top
		top = r.y
	}
	// The summary sits at the right of the caption where both fit, under
	// it elsewhere.
	sw := float64(len(summary)) * g.charW()
	y := top + lineH
	if float64(len(caption)+2)*g.charW()+sw <= r.w {
		g.print(dst, caption, r.x, top, colDim)
		g.print(dst, summary, r.x+r.w-sw, top, colAccent)
	} else {
		y = g.paragraph(dst, caption, rect{r.x, top, r.w, 3 * lineH}, colDim)
		g.print(dst, summary, r.x, y, colAccent)
		y += lineH
	}
	r.h -= y + 4 - r.y
	r.y = y + 4
	k := 2.0 // faces a cell: as shown, decoded (and through PCA)
	if cmp.On {
		k = 3
	}
	cols, cw := grid(n, r, 1/k, 2*lineH+10)
	f := (cw - 6 - 4*k) / k
	for i := range n {
		x := r.x + float64(i%cols)*cw
		y := r.y + float64(i/cols)*(f+2*lineH+10)
		dec := a.Decoded(i)
		g.face(dst, a.Shown(i), rect{x, y, f, f})
		g.face(dst, dec, rect{x + f + 4, y, f, f})
		if cmp.On {
			g.face(dst, a.DecodedPCA(i), rect{x + 2*f + 8, y, f, f})
		}
		cell := rect{x - 2, y - 2, k*f + 4*k, f + 2*lineH + 6}
		g.hot(fmt.Sprintf("face %d", i+1), cell, app.Target{Face: i})
		if i == v.Sel {
			g.frame(dst, cell, 2, colAccent)
		}
		label := fmt.Sprintf("%d", i+1)
		if dec.Ready() {
			label += "  " + app.Ms(dec.Elapsed())
		}
		g.print(dst, label, x, y+f+2, colText)
		if v.Ready {
			c := colBad
			if v.Rank(i) == 1 {
				c = colGood
			}
			if !cmp.On {
				g.print(dst, fmt.Sprintf("rank %d, %d/%d", v.Rank(i), v.Beats(i), n-1), x, y+f+2+lineH, c)
				continue
			}
			if f < 8*g.charW() { // a phone: both ranks in one label under the cell
				label := fmt.Sprintf("rank %d", v.Rank(i))
				if cmp.Ready {
					label = fmt.Sprintf("ranks %d, %d", v.Rank(i), cmp.Rank(i))
				}
				g.print(dst, label, x, y+f+2+lineH, colText)
				continue
			}
			label := fmt.Sprintf("rank %d", v.Rank(i))
			g.print(dst, label, x+f+4, y+f+2+lineH, c)
			if cmp.Ready {
				c = colBad
				if cmp.Rank(i) == 1 {
					c = colGood
				}
				g.print(dst, fmt.Sprintf("rank %d", cmp.Rank(i)), x+2*f+8, y+f+2+lineH, c)
			}
		}
	}
}

// compareLine draws the comparison's state in r: both accuracies beside
// the paper's, or its download with a progress bar, or why there is none.
// It returns the y below it.
func (g *game) compareLine(dst *ebiten.Image, cmp app.CompareView, r rect) float64 {
	switch cmp.State {
	case app.PCAReady:
		if cmp.Ready {
			return g.paragraph(dst, cmp.Text, r, colAccent)
		}
		return g.paragraph(dst, "Decoding through PCA...", r, colDim)
	case app.PCAAbsent:
		return g.paragraph(dst, "The PCA comparison is not in this site's data (its index lists no PCA files).", r, colDim)
	case app.PCAFailed:
		return g.paragraph(dst, "The PCA comparison could not be downloaded (see the message below); C twice retries.", r, colBad)
	}
	label := fmt.Sprintf("Downloading the PCA comparison (%s)", megabytesText(cmp.Bytes))
	if g.dl.total > 0 && g.dl.got < g.dl.total {
		label = fmt.Sprintf("Downloading the PCA comparison: %s of %s", megabytesText(g.dl.got), megabytesText(g.dl.total))
	}
	g.print(dst, label, r.x, r.y, colText)
	y := r.y + lineH + 2
	bw := math.Min(r.w, 360)
	g.fill(dst, rect{r.x, y, bw, 6}, colPanel)
	if g.dl.total > 0 {
		g.fill(dst, rect{r.x, y, bw * math.Min(1, float64(g.dl.got)/float64(g.dl.total)), 6}, colAccent)
	}
	return y + 10
}

// megabytesText formats a size for the screen.
func megabytesText(n int64) string {
	if n < 1e6 {
		return fmt.Sprintf("%.0f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

func (g *game) drawPattern(dst *ebiten.Image, r rect) {
	a := g.app
	m := a.Pattern()
	g.uploadMosaic(m)
	// The mosaic on the left and the chosen face and legend at the right;
	// on a narrow screen the face and legend go under the mosaic.
	side := math.Min(220, r.w*0.25)
	mr := rect{r.x, r.y, r.w - side - 16, r.h}
	if r.w < narrowW {
		side = math.Min(260, r.w)
		mr = rect{r.x, r.y, r.w, r.h * 0.45}
	}
	sc := math.Min(mr.w/float64(m.W), mr.h/float64(m.H))
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Scale(sc*g.scale, sc*g.scale)
	op.GeoM.Translate(math.Round(mr.x*g.scale), math.Round(mr.y*g.scale))
	if sc >= 1 {
		op.Filter = ebiten.FilterNearest
	} else {
		op.Filter = ebiten.FilterLinear
	}
	dst.DrawImage(g.mosaic, op)

	x, y := r.x+r.w-side, r.y
	if r.w < narrowW {
		x, y = r.x, r.y+sc*float64(m.H)+12
	}
	g.print(dst, fmt.Sprintf("Face %d of %d", m.Sel+1, m.N), x, y, colText)
	y += lineH
	f := (side - 6) / 2
	g.face(dst, a.Shown(m.Sel), rect{x, y, f, f})
	g.face(dst, a.Decoded(m.Sel), rect{x + f + 6, y, f, f})
	y += f + 4
	g.print(dst, "shown     decoded", x, y, colDim)
	y += lineH + 4
	w := g.button(dst, "< previous", x, y, "previous face", app.Target{Key: app.KeyLeft})
	g.button(dst, "next >", x+w+6, y, "next face", app.Target{Key: app.KeyRight})
	y += buttonH + lineH
	y = g.patternLegend(dst, x, y)
	g.paragraph(dst, fmt.Sprintf("%d voxels; %s; %s.", m.Voxels, a.ROILabel(), a.TrialsLabel()), rect{x, y, side, r.y + r.h - y}, colDim)
}

// uploadMosaic keeps the GPU copy of the pattern panel's mosaic up to date.
func (g *game) uploadMosaic(m app.PatternView) {
	if g.mosaic == nil || g.mosaic.Bounds().Dx() != m.W || g.mosaic.Bounds().Dy() != m.H {
		if g.mosaic != nil {
			g.mosaic.Deallocate()
		}
		g.mosaic = ebiten.NewImage(m.W, m.H)
		g.mosaicVersion = -1
	}
	if g.mosaicVersion != m.Version {
		g.mosaic.WritePixels(m.RGBA)
		g.mosaicVersion = m.Version
	}
}

// patternLegend draws the colours of the mosaic from (x, y) down and
// returns the y below them.
func (g *game) patternLegend(dst *ebiten.Image, x, y float64) float64 {
	for k := range sitedata.NumROIs {
		c := app.ROIColor(k)
		col := colorOf(c)
		if k == 0 {
			g.print(dst, "Axial slices, one tile per slice.", x, y, colDim)
		} else {
			g.fill(dst, rect{x, y + 2, 12, 12}, col)
			g.print(dst, sitedata.ROIName(k)+" outline", x+18, y, colText)
		}
		y += lineH
	}
	g.fill(dst, rect{x, y + 2, 12, 12}, colorOf([3]byte{255, 90, 30}))
	g.print(dst, "positive response", x+18, y, colText)
	y += lineH
	g.fill(dst, rect{x, y + 2, 12, 12}, colorOf([3]byte{30, 90, 255}))
	g.print(dst, "negative response", x+18, y, colText)
	y += lineH
	g.fill(dst, rect{x, y + 2, 12, 12}, colorOf([3]byte{58, 58, 62}))
	g.print(dst, "outside the region", x+18, y, colText)
	return y + 2*lineH
}

func (g *game) drawPairwise(dst *ebiten.Image, r rect) {
	a := g.app
	gm := a.Pairwise()
	// The faces on the left and the text at the right; on a narrow screen
	// the text goes under the faces.
	narrow := r.w < narrowW
	f := math.Min((r.h-3*lineH-24)/2, r.w/3-20)
	cx := r.x + (r.w*0.62)/2
	if narrow {
		f = math.Min((r.h-3*lineH-24-14*lineH)/2, r.w/2-20)
		cx = r.x + r.w/2
	}
	cmp := a.Compare()
	if cmp.On {
		// The decoded face through each space, side by side above the
		// candidates.
		g.centred(dst, fmt.Sprintf("Decoded from %s's pattern: VAE-GAN (left), PCA (right)", a.Subject().ID), cx, r.y, r, colDim)
		g.face(dst, a.Decoded(gm.Target), rect{cx - f - 10, r.y + lineH + 2, f, f})
		g.face(dst, a.DecodedPCA(gm.Target), rect{cx + 10, r.y + lineH + 2, f, f})
	} else {
		g.centred(dst, fmt.Sprintf("Decoded from %s's pattern of one test face:", a.Subject().ID), cx, r.y, r, colDim)
		g.face(dst, a.Decoded(gm.Target), rect{cx - f/2, r.y + lineH + 2, f, f})
	}
	y := r.y + lineH + f + 12
	g.centred(dst, "Which face did the subject see?", cx, y, r, colText)
	y += lineH + 4
	for side, i := range [2]int{gm.Left, gm.Right} {
		x, label, name, key := cx-f-10, "<- Left", "left candidate", app.KeyLeft
		if side == 1 {
			x, label, name, key = cx+10, "Right ->", "right candidate", app.KeyRight
		}
		g.face(dst, a.Shown(i), rect{x, y, f, f})
		g.print(dst, label, x, y+f+2, colText)
		g.hot(name, rect{x - 3, y - 3, f + 6, f + lineH + 6}, app.Target{Key: key})
		if gm.Answered && i == gm.Target {
			g.frame(dst, rect{x - 3, y - 3, f + 6, f + 6}, 3, colGood)
		}
		if gm.Answered {
			var who []string
			if gm.UserLeft == (side == 0) {
				who = append(who, "you")
			}
			if gm.DecoderLeft == (side == 0) {
				who = append(who, "decoder")
			}
			if gm.PCAAnswered && gm.PCALeft == (side == 0) {
				who = append(who, "PCA")
			}
			if len(who) > 0 {
				g.print(dst, fmt.Sprint(who), x+f-float64(len(fmt.Sprint(who)))*g.charW(), y+f+2, colAccent)
			}
		}
	}
	x := r.x + r.w*0.62 + 20
	tr := rect{x, r.y, r.x + r.w - x, r.h}
	if narrow {
		x = r.x
		tr = rect{x, y + f + lineH + 10, r.w, r.y + r.h - (y + f + lineH + 10)}
	}
	yy := tr.y
	if cmp.On && cmp.State != app.PCAReady {
		yy = g.compareLine(dst, cmp, rect{tr.x, yy, tr.w, 3 * lineH}) + 4
	}
	yy = g.paragraph(dst, a.DescribePair(), rect{tr.x, yy, tr.w, tr.y + tr.h - yy}, colText)
	g.button(dst, "Next pair (Enter)", x, yy+6, "next pair", app.Target{Key: app.KeyEnter})
	yy += buttonH + 6 + lineH
	g.paragraph(dst, "The decoder answers by correlation in latent space: it picks the candidate whose latent vector correlates best with the decoded one. "+
		"Over all ordered pairs of the 20 test faces (380) this is the paper's pairwise accuracy; chance is 50%.",
		rect{x, yy, tr.w, tr.y + tr.h - yy}, colDim)
}

func (g *game) drawGender(dst *ebiten.Image, r rect) {
	a := g.app
	v := a.Gender()
	n := v.N
	if !v.Ready {
		g.print(dst, "Decoding...", r.x, r.y, colDim)
		return
	}
	y := g.paragraph(dst, fmt.Sprintf("Gender read-out: sign of each decoded latent's projection on the male - female axis. "+
		"%d of %d correct (chance %d; ceiling on the true latents %d of %d). Under each face: the sex read out, and the sex of the face shown.",
		v.Correct, n, n/2, v.Ceiling, n), rect{r.x, r.y, r.w, 5 * lineH}, colText) + 6
	// Projections on a line, coloured by the shown face's sex.
	lim := 1e-9
	for i := range n {
		lim = math.Max(lim, math.Abs(v.Projection(i)))
	}
	lx, lw := r.x+40, r.w-80
	g.fill(dst, rect{lx, y + 12, lw, 2}, colDim)
	g.fill(dst, rect{lx + lw/2 - 1, y + 4, 2, 18}, colText)
	g.print(dst, "female", r.x, y+6, colDim)
	g.print(dst, "male", r.x+r.w-30, y+6, colDim)
	for i := range n {
		px := lx + lw/2 + v.Projection(i)/lim*lw/2*0.95
		c := colorOf([3]byte{255, 120, 200})
		if v.ShownMale(i) {
			c = colorOf([3]byte{90, 170, 255})
		}
		g.fill(dst, rect{px - 2, y + 6, 4, 14}, c)
	}
	y += 30
	r2 := rect{r.x, y, r.w, r.y + r.h - y}
	cols, cw := grid(n, r2, 1, lineH+6)
	f := cw - 8
	for i := range n {
		x := r2.x + float64(i%cols)*cw
		yy := r2.y + float64(i/cols)*(f+lineH+6)
		g.face(dst, a.Decoded(i), rect{x, yy, f, f})
		g.hot(fmt.Sprintf("face %d", i+1), rect{x - 2, yy - 2, f + 4, f + lineH + 6}, app.Target{Face: i})
		read, shown := sexLetter(v.ReadMale(i)), sexLetter(v.ShownMale(i))
		ok := v.ReadMale(i) == v.ShownMale(i)
		c := colBad
		if ok {
			c = colGood
		}
		label := fmt.Sprintf("%d: read %s, shown %s", i+1, read, shown)
		if float64(len(label))*g.charW() > cw-4 { // a narrow screen
			label = fmt.Sprintf("%d: %s (%s)", i+1, read, shown)
		}
		g.print(dst, label, x, yy+f+2, c)
		if i == v.Sel {
			g.frame(dst, rect{x - 2, yy - 2, f + 4, f + lineH + 6}, 2, colAccent)
		}
	}
}

func (g *game) drawImagery(dst *ebiten.Image, r rect) {
	a := g.app
	v := a.Imagery()
	n := v.N
	f := math.Min(r.w*0.3, r.h-3*lineH)
	caption := "The 20 candidates, best correlation first (the imagined one framed):"
	// The imagery face, its ranking under it, the candidates at the right;
	// on a narrow screen the ranking goes beside the face and the
	// candidates under both.
	desc := rect{r.x, r.y + f + lineH + 8, f, 4 * lineH}
	x := r.x + f + 24
	r2 := rect{x, r.y + lineH + 2, r.x + r.w - x, r.h - lineH - 2}
	if r.w < narrowW {
		f = math.Min(r.w*0.45, r.h*0.3)
		desc = rect{r.x + f + 12, r.y + lineH + 2, r.w - f - 12, f}
		x = r.x
		y := g.paragraph(dst, caption, rect{x, r.y + lineH + f + 12, r.w, 2 * lineH}, colDim)
		r2 = rect{x, y + 2, r.w, r.y + r.h - y - 2}
		caption = ""
	}
	g.print(dst, "Decoded from the imagery pattern:", r.x, r.y, colDim)
	g.face(dst, v.Image, rect{r.x, r.y + lineH + 2, f, f})
	if v.Ready {
		g.paragraph(dst, a.DescribeImagery(), desc, colText)
	}
	g.print(dst, caption, x, r.y, colDim)
	cols, cw := grid(n, r2, 1, lineH+6)
	fc := cw - 8
	for k := range n {
		i := v.Order(k)
		xx := r2.x + float64(k%cols)*cw
		yy := r2.y + float64(k/cols)*(fc+lineH+6)
		g.face(dst, v.Candidate(i), rect{xx, yy, fc, fc})
		if i == v.Target {
			g.frame(dst, rect{xx - 3, yy - 3, fc + 6, fc + 6}, 3, colAccent)
		}
		if v.Ready {
			g.print(dst, fmt.Sprintf("#%d r=%.2f", k+1, v.Score(i)), xx, yy+fc+2, colText)
		}
	}
}

func (g *game) drawExplore(dst *ebiten.Image, r rect) {
	v := g.app.Explore()
	f := math.Min(r.w*0.5, r.h-lineH)
	x, y := r.x+f+30, r.y
	if r.w < narrowW { // the controls under the face
		f = math.Min(r.w, r.h*0.5)
		x, y = r.x, r.y+f+12
	}
	g.face(dst, v.Image, rect{r.x, r.y, f, f})
	w := math.Min(360, r.x+r.w-x-20)
	y = g.paragraph(dst, "A random point of the face space (drawn with the spread of the real latents), moved along the gender and smile axes: "+
		"the mean latent of male minus female faces, and of smiling minus not smiling faces.", rect{x, y, w, 6 * lineH}, colDim)
	y += lineH
	for _, s := range []struct {
		name, keys, area string
		slider           app.Slider
		v                float64
	}{{"gender (male +)", "Left / Right", "slider gender", app.SliderMale, v.Male},
		{"smile (+)", "Up / Down", "slider smile", app.SliderSmile, v.Smile}} {
		g.print(dst, fmt.Sprintf("%s: %+.2f   [%s or drag]", s.name, s.v, s.keys), x, y, colText)
		y += lineH + 4
		g.fill(dst, rect{x, y + 6, w, 4}, colPanel)
		g.fill(dst, rect{x + w/2 - 1, y, 2, 16}, colDim)
		kx := x + (s.v/app.SliderMax+1)/2*w
		g.fill(dst, rect{kx - 5, y, 10, 16}, colAccent)
		// The whole track, taller than drawn, takes a press or a drag.
		g.hot(s.area, rect{x, y - 6, w, 28}, app.Target{Slider: s.slider})
		y += 32
	}
	bw := g.button(dst, "Random face (Enter)", x, y, "random face", app.Target{Key: app.KeyEnter})
	g.button(dst, "Reset (0)", x+bw+6, y, "reset sliders", app.Target{Key: app.KeyReset})
}

func (g *game) drawAbout(dst *ebiten.Image, r rect) {
	w := math.Min(r.w, 900)
	y := r.y
	for _, p := range []string{
		"The study. VanRullen & Reddy (2019) showed thousands of celebrity faces to four people in an fMRI scanner. Each face was first encoded by a VAE-GAN into a 1024-number latent vector; a linear model learned how every voxel responds to each latent dimension. For 20 new test faces, the brain pattern was mapped back to a latent vector and turned into a face by the generator.",
		"What you see here. The subjects are virtual: their fMRI data were simulated on the real protocol of the study (OpenNeuro ds001761: the same onsets, runs and test faces), then analysed like the real data. They are NOT real brain data. " + g.app.Index().Notice,
		"Citation. R. VanRullen and L. Reddy (2019), Reconstructing faces from fMRI patterns using deep generative neural networks. Communications Biology 2, 193. doi:10.1038/s42003-019-0438-y",
		"Faces. The face model was trained on CelebA (Liu et al. 2015), available for non-commercial research purposes only; faces are shown as the generator draws them.",
		"Real brain (panel 8). One slice of real fMRI from Haxby et al. (2001), one person (J. V. Haxby, M. I. Gobbini, M. L. Furey, A. Ishai, J. L. Schouten, P. Pietrini, Science 293:2425-2430), " +
			"as excerpted by PyMVPA; CC BY-SA 3.0 (the authors hold the copyright). The category each block of a held-out run showed is decoded from the slice's voxels; it downloads when the panel is first opened (about 10 kB).",
		"The paper's comparison (C). Each test face decoded through the VAE-GAN beside the same pattern decoded through PCA (the paper's 1,024-component pixel PCA baseline), with both pairwise accuracies, the faces ranked first and the paper's values for that subject; the PCA files download when the comparison is first shown. Panel 9, results, sets the subject's measures (pairwise and 1 of 20 in both spaces, per region, gender, imagery) against the paper's in a chart.",
		"Keyboard. " + app.Help,
		"Mouse and touch. Click or tap the tabs, the subject, region and trials buttons at the top, a face to choose it, a candidate in the pairwise test, and the buttons; drag the explore sliders.",
	} {
		y = g.paragraph(dst, p, rect{r.x, y, w, r.y + r.h - y}, colText) + lineH/2
	}
}

func colorOf(c [3]byte) color.RGBA { return color.RGBA{c[0], c[1], c[2], 255} }

func sexLetter(male bool) string {
	if male {
		return "M"
	}
	return "F"
}
