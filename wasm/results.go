//go:build js && wasm

package main

import (
	"fmt"
	"math"

	"github.com/hajimehoshi/ebiten/v2"

	"fmriface/contract/sitedata"
	"fmriface/wasm/app"
)

// The results panel (app.ResultsView, wasm/app/results.go): a bar chart of
// the subject's measures, one row each, ours as a bar (VAE-GAN in the
// accent colour, PCA in blue), the paper's as a white tick, chance as a grey
// line, with the numbers at the right. On a phone the label goes above its
// bar. The caveat comes first: the subjects are virtual.

// colPCA is the PCA's colour in the results chart.
var colPCA = colorOf([3]byte{90, 170, 255})

func (g *game) drawResults(dst *ebiten.Image, r rect) {
	v := g.app.Results()
	y := r.y
	if g.app.Index().Fixture {
		lines := g.wrap(v.Caveat, r.w-12)
		g.fill(dst, rect{r.x, y - 2, r.w, float64(len(lines))*lineH + 4}, colWarn)
		y = g.paragraph(dst, v.Caveat, rect{r.x + 6, y, r.w - 12, 4 * lineH}, colText)
	} else {
		y = g.paragraph(dst, v.Caveat, rect{r.x, y, r.w, 3 * lineH}, colAccent)
	}
	paper := "the paper has no subject beside this one"
	if v.Paper != "" {
		paper = fmt.Sprintf("the paper's subject %s (all trials): white tick", v.Paper)
	}
	y = g.paragraph(dst, fmt.Sprintf("%s, %s: bars are ours (VAE-GAN yellow, PCA blue); %s; grey line: chance.", v.Subject, v.Trials, paper),
		rect{r.x, y + 2, r.w, 3 * lineH}, colDim) + 4

	// Wide: label, bar, numbers on one line. Narrow (a phone): the label
	// and the numbers on a line, a thin bar under them.
	narrow := r.w < narrowW
	labelW := 33 * g.charW()
	valueW := 24 * g.charW()
	rows := float64(len(v.Rows))
	rowH := math.Max(lineH+2, math.Min(24, (r.y+r.h-y)/rows))
	barX, barW := r.x+labelW+8, r.w-labelW-valueW-24
	if narrow {
		rowH = math.Max(lineH+8, math.Min(2*lineH+6, (r.y+r.h-y)/rows))
		barX, barW = r.x, r.w
	}
	for _, row := range v.Rows {
		label := fmt.Sprintf("%s %s, %s", short(row.Measure), row.Space, sitedata.ROIName(row.ROI))
		by := y + 2
		bh := math.Min(12, rowH-6)
		if narrow {
			by, bh = y+lineH+1, math.Min(8, rowH-lineH-3)
		}
		g.print(dst, label, r.x, y, colText)
		g.fill(dst, rect{barX, by + 1, barW, bh}, colPanel)
		col := colAccent
		if row.Space == app.SpacePCA {
			col = colPCA
		}
		value := ""
		switch row.State {
		case app.ResultReady:
			g.fill(dst, rect{barX, by + 1, barW * row.Ours, bh}, col)
			value = fmt.Sprintf("%5.1f%%", 100*row.Ours)
		case app.ResultPending:
			value = "  ... "
		default:
			value = "  none"
		}
		cx := barX + barW*row.Chance
		g.fill(dst, rect{cx - 1, by - 1, 2, bh + 4}, colDim)
		if !math.IsNaN(row.Paper) {
			px := barX + barW*row.Paper
			g.fill(dst, rect{px - 2.5, by - 3, 5, bh + 8}, colBG) // an outline, seen on a bar too
			g.fill(dst, rect{px - 1.5, by - 3, 3, bh + 8}, colText)
			value += fmt.Sprintf("  paper %5.1f%%", 100*row.Paper)
		}
		if narrow {
			g.print(dst, value, r.x+r.w-float64(len(value))*g.charW(), y, colText)
		} else {
			g.print(dst, value, barX+barW+8, by, colText)
		}
		y += rowH
		if y > r.y+r.h {
			break
		}
	}
}

// short names a measure in the chart's narrow label column.
func short(measure string) string {
	switch measure {
	case app.MeasureFirst:
		return "1 of 20"
	case app.MeasureImagery:
		return "imagery"
	case app.MeasureGender:
		return "gender"
	}
	return measure
}
