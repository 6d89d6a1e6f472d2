//go:build js && wasm

package main

import (
	"fmt"
	"math"
	"strings"

	"github.com/hajimehoshi/ebiten/v2"

	"fmriface/wasm/app"
)

// The real-brain panel (app.RealView, wasm/app/real.go): the slice with its
// face-selective voxels, the held-out runs' table (category shown → category
// decoded), the confusion matrix of the decoder shown, the numbers beside
// the literature's and the attribution. Side by side on a wide screen; the
// confusion matrix goes under the table where the width runs short, and on a
// phone everything stacks (the live region has the full text).

func (g *game) drawReal(dst *ebiten.Image, r rect) {
	v := g.app.Real()
	if v.State != app.RealReady {
		g.drawRealWaiting(dst, r, v)
		return
	}
	d := v.Data
	y := r.y
	caveat := g.app.RealCaveat()
	if d.Fixture {
		lines := g.wrap(caveat, r.w-12)
		g.fill(dst, rect{r.x, y - 2, r.w, float64(len(lines))*lineH + 4}, colWarn)
		y = g.paragraph(dst, caveat, rect{r.x + 6, y, r.w - 12, 3 * lineH}, colText)
	} else {
		if r.w >= narrowW { // a phone shows the caveat alone (About has the citation)
			caveat += " " + d.Citation
		}
		y = g.paragraph(dst, caveat, rect{r.x, y, r.w, 3 * lineH}, colAccent)
	}
	y += 6
	k := d.K()
	bottom := r.y + r.h
	// Three layouts. Wide: the slice and the numbers, the runs' table and
	// the confusion matrix side by side. Medium: the confusion matrix under
	// the slice, the numbers under the table. Narrow (a phone): everything
	// stacks, compactly, without the numbers (the live region has them).
	labelW := 11 * g.charW()
	cellW := math.Max(5*g.charW()+6, 40)
	rowH := float64(lineH + 1)
	confCell := 26.0
	tableW := labelW + float64(k)*cellW
	confW := 6*g.charW() + float64(k)*confCell
	layout, c1 := "wide", math.Min(440, r.w-tableW-confW-48)
	if c1 < 300 {
		layout, c1 = "medium", math.Min(440, r.w-tableW-24)
	}
	if r.w < narrowW || c1 < confW {
		layout, c1 = "narrow", r.w
		cellW = math.Floor((r.w - labelW) / float64(k))
		tableW, rowH = r.w, 14
		confCell = math.Min(20, math.Floor((r.w-6*g.charW())/float64(k)))
	}
	narrow := layout == "narrow"

	// The slice and its legend.
	x1, y1 := r.x, y
	s := math.Max(3, math.Floor(c1/float64(v.W)))
	switch layout {
	case "narrow":
		s = math.Min(s, 5)
	case "medium":
		s = math.Min(s, 8)
	}
	if !narrow {
		g.print(dst, "One axial slice: mean image (grey)", x1, y1, colDim)
		y1 += lineH + 2
	}
	g.drawRealSlice(dst, v, x1, y1, s)
	y1 += s*float64(v.H) + 4
	if v.Facing {
		g.print(dst, "subject's left <- -> right; anterior at the top", x1, y1, colDim)
		y1 += lineH
	}
	g.fill(dst, rect{x1, y1 + 2, 12, 12}, colorOf(app.RealFaceColor))
	legend := fmt.Sprintf("face-selective: %d of %d voxels (face > other categories, t > %.2f, p < %g uncorrected)",
		v.FaceSelective, len(d.Mask), d.Threshold, d.Alpha)
	if narrow {
		legend = fmt.Sprintf("face-selective (t > %.2f): %d of %d voxels", d.Threshold, v.FaceSelective, len(d.Mask))
	}
	y1 = g.paragraph(dst, legend, rect{x1 + 18, y1, c1 - 18, 2 * lineH}, colText) + 6

	// The runs' table: beside the slice, or under it on a phone.
	x2, y2 := r.x+c1+24, y
	if narrow {
		x2, y2 = r.x, y1
	}
	y2 = g.drawRealRuns(dst, v, x2, y2, labelW, cellW, rowH, narrow) + 8

	// The confusion matrix, and the numbers with the bridge to the other
	// panels.
	numbers := func(x, y, w float64) {
		y = g.paragraph(dst, g.realNumbers(v), rect{x, y, w, bottom - y}, colText) + 6
		g.paragraph(dst, "Real brains carry category information: a decoder trained on the other runs names what a held-out run showed well above chance. "+
			"The virtual subjects of panels 1 to 6 show what VanRullen & Reddy (2019) did with faces.", rect{x, y, w, bottom - y}, colDim)
	}
	// fit shrinks the confusion cells to the height left under y (down to
	// the font's height).
	fit := func(y, header float64) {
		confCell = math.Max(15, math.Min(confCell, math.Floor((bottom-y-header)/float64(k))))
	}
	switch layout {
	case "wide":
		numbers(x1, y1, c1)
		g.drawRealConfusion(dst, v, x2+tableW+24, y, confCell, false)
	case "medium":
		fit(y1, 4*lineH+6)
		g.drawRealConfusion(dst, v, x1, y1, confCell, false)
		numbers(x2, y2, r.x+r.w-x2)
	default:
		fit(y2, 2*lineH)
		g.drawRealConfusion(dst, v, x2, y2, confCell, true)
	}
}

// drawRealWaiting says where the file is: downloading (with the bytes so
// far), failed (with a retry button), or absent from the site's data.
func (g *game) drawRealWaiting(dst *ebiten.Image, r rect, v app.RealView) {
	w := math.Min(r.w, 800)
	y := g.paragraph(dst, g.app.RealCaveat()+" The panel shows one slice of a real brain and the category decoded from each held-out run.",
		rect{r.x, r.y, w, 4 * lineH}, colText) + lineH
	switch v.State {
	case app.RealAbsent:
		g.paragraph(dst, "This site's data have no real brain file: the exporter writes it from reports/haxby (docs/site-data.md).", rect{r.x, y, w, 3 * lineH}, colDim)
	case app.RealFailed:
		y = g.paragraph(dst, "The real brain data could not be downloaded: "+v.Failed, rect{r.x, y, w, 3 * lineH}, colBad) + 6
		g.button(dst, "Retry (8)", r.x, y, "retry real", app.Target{Key: app.KeyPanel1 + app.Key(app.PanelReal)})
	default:
		msg := fmt.Sprintf("Downloading the real fMRI data (%.0f kB)...", float64(v.Bytes)/1e3)
		if g.dl.total == v.Bytes && g.dl.got < g.dl.total {
			msg = fmt.Sprintf("Downloading the real fMRI data: %.0f of %.0f kB...", float64(g.dl.got)/1e3, float64(g.dl.total)/1e3)
		}
		g.print(dst, msg, r.x, y, colAccent)
	}
}

// drawRealSlice draws the slice's image, s CSS pixels a voxel.
func (g *game) drawRealSlice(dst *ebiten.Image, v app.RealView, x, y, s float64) {
	if g.realImg == nil || g.realImg.Bounds().Dx() != v.W || g.realImg.Bounds().Dy() != v.H {
		g.realImg = ebiten.NewImage(v.W, v.H)
		g.realVersion = -1
	}
	if g.realVersion != v.Version {
		g.realImg.WritePixels(v.RGBA)
		g.realVersion = v.Version
	}
	op := &ebiten.DrawImageOptions{}
	op.GeoM.Scale(s*g.scale, s*g.scale)
	op.GeoM.Translate(math.Round(x*g.scale), math.Round(y*g.scale))
	op.Filter = ebiten.FilterNearest
	dst.DrawImage(g.realImg, op)
}

// drawRealRuns draws the held-out runs' table: a row per run, a column per
// category shown, each cell the category decoded (green where right, red
// where wrong), the run shown framed; a click on a row shows that run. It
// returns the y below.
func (g *game) drawRealRuns(dst *ebiten.Image, v app.RealView, x, y, labelW, cellW, rowH float64, compact bool) float64 {
	d := v.Data
	k := d.K()
	method := d.Methods[v.Method]
	if compact {
		// One line of caption, the buttons on one row.
		g.print(dst, "Held-out runs: shown (columns), decoded (cells)", x, y, colDim)
		y += lineH + 2
		name := strings.SplitN(app.RealMethodName(method.Name), " (", 2)[0]
		bx := x + g.button(dst, name, x, y, "decoder", app.Target{Key: app.KeyDown}) + 6
		bx += g.button(dst, "< run", bx, y, "previous run", app.Target{Key: app.KeyLeft}) + 6
		g.button(dst, "run >", bx, y, "next run", app.Target{Key: app.KeyRight})
		y += buttonH + 4
	} else {
		g.print(dst, "Each held-out run: the category shown (columns)", x, y, colDim)
		y += lineH
		g.print(dst, "and the one decoded (cells), by", x, y, colDim)
		y += lineH + 2
		g.button(dst, app.RealMethodName(method.Name)+"  Up/Down", x, y, "decoder", app.Target{Key: app.KeyDown})
		y += buttonH + 6
		bw := g.button(dst, "< run", x, y, "previous run", app.Target{Key: app.KeyLeft})
		g.button(dst, "run >", x+bw+6, y, "next run", app.Target{Key: app.KeyRight})
		y += buttonH + 6
	}
	chars := int(math.Max(3, math.Floor((cellW-4)/g.charW())))
	for c, name := range d.Categories {
		g.print(dst, app.ShortCategory(name, chars), x+labelW+float64(c)*cellW+2, y, colDim)
	}
	y += lineH
	for run := range d.R() {
		ry := y + float64(run)*rowH
		g.print(dst, fmt.Sprintf("run %d %d/%d", run+1, v.RunCorrect(run), k), x, ry+1, colText)
		for c := range k {
			dk := v.Decoded(run, c)
			bg := app.RealWrong
			if dk == c {
				bg = app.RealCorrect
			}
			cx := x + labelW + float64(c)*cellW
			g.fill(dst, rect{cx, ry, cellW - 2, rowH - 1}, colorOf(bg))
			g.print(dst, app.ShortCategory(d.Categories[dk], chars), cx+2, ry+1, colorOf(app.TextOn(bg)))
		}
		row := rect{x - 2, ry - 1, labelW + float64(k)*cellW + 2, rowH}
		g.hot(fmt.Sprintf("run %d", run+1), row, app.Target{Run: run + 1})
		if run == v.Run {
			g.frame(dst, row, 2, colAccent)
		}
	}
	return y + float64(d.R())*rowH
}

// drawRealConfusion draws the decoder's confusion matrix as a heat map: rows
// the category shown, columns the one decoded, each cell's count printed.
func (g *game) drawRealConfusion(dst *ebiten.Image, v app.RealView, x, y, cell float64, compact bool) {
	d := v.Data
	k, runs := d.K(), d.R()
	method := d.Methods[v.Method]
	if compact {
		g.print(dst, "Confusion (rows shown, columns decoded):", x, y, colDim)
		y += lineH
	} else {
		g.print(dst, fmt.Sprintf("Confusion, %s:", strings.SplitN(app.RealMethodName(method.Name), " (", 2)[0]), x, y, colDim)
		y += lineH
		g.print(dst, "rows shown, columns decoded", x, y, colDim)
		y += lineH + 2
	}
	lw := 6 * g.charW()
	abbr := int(math.Max(1, math.Floor((cell-2)/g.charW())))
	for j, name := range d.Categories {
		g.print(dst, app.ShortCategory(name, abbr), x+lw+float64(j)*cell+1, y, colDim)
	}
	y += lineH
	for i, name := range d.Categories {
		yy := y + float64(i)*cell
		g.print(dst, app.ShortCategory(name, 5), x, yy+(cell-13)/2, colText)
		for j := range k {
			n := v.Confusion(i, j)
			bg := app.RealHeat(n, runs)
			cx := x + lw + float64(j)*cell
			g.fill(dst, rect{cx, yy, cell - 1, cell - 1}, colorOf(bg))
			label := fmt.Sprint(n)
			g.print(dst, label, cx+(cell-1-float64(len(label))*g.charW())/2, yy+(cell-13)/2, colorOf(app.TextOn(bg)))
		}
		// The diagonal (decoded as shown) is outlined.
		g.frame(dst, rect{x + lw + float64(i)*cell, yy, cell - 1, cell - 1}, 1, colText)
	}
	if !compact {
		y += float64(k)*cell + 4
		g.print(dst, fmt.Sprintf("%d of %d on the diagonal (chance: %d)", method.Correct(k), runs*k, runs), x, y, colDim)
	}
}

// realNumbers is the results beside the literature, for under the slice.
func (g *game) realNumbers(v app.RealView) string {
	d := v.Data
	var b strings.Builder
	fmt.Fprintf(&b, "Category of a held-out run's block, %d-way (chance %.1f%%):", d.K(), 100/float64(d.K()))
	for i, m := range d.Methods {
		if i > 0 {
			b.WriteString(";")
		}
		p := fmt.Sprintf("p = %.3f", m.PValue)
		if m.PValue <= 1/float64(d.Permutations+1)+1e-12 {
			p = fmt.Sprintf("p < %.3g", 1/float64(d.Permutations))
		}
		fmt.Fprintf(&b, " %s %.1f%% (%d/%d, %s), pairwise %.1f%%", app.RealMethodName(m.Name), 100*m.Accuracy, m.Correct(d.K()), d.R()*d.K(), p, 100*m.Pairwise)
	}
	b.WriteString(".")
	for _, l := range d.Literature {
		if !strings.ContainsAny(l.Value, "0123456789") || strings.HasPrefix(l.Value, "not reported") {
			continue // a number beside ours only
		}
		fmt.Fprintf(&b, "\nLiterature, %s: %s; here: %s.", l.Measure, l.Value, l.Ours)
	}
	return b.String()
}
