package featnet

import (
	"bytes"
	"fmt"
	"image/color"
	"sort"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"fmriface/util/atomicfile"
)

// WriteEvalFigure draws the evaluation figure: per-attribute test accuracy
// (sorted, with the majority-class baseline) and the test faces' embeddings
// projected on their first two principal components, coloured by the Male
// attribute. It draws no face.
func WriteEvalFigure(path string, names []string, attrs map[string]Binary, embed []float32, d int, male []bool) error {
	bars, err := attrPanel(names, attrs)
	if err != nil {
		return fmt.Errorf("figure %s: %w", path, err)
	}
	scatter, err := embedPanel(embed, d, male)
	if err != nil {
		return fmt.Errorf("figure %s: %w", path, err)
	}
	const w, h = 16 * vg.Inch, 6 * vg.Inch
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(100))
	dc := draw.New(c)
	left := draw.Crop(dc, 0, -w*0.38, 0, 0)
	right := draw.Crop(dc, w*0.63, 0, 0, 0)
	bars.Draw(left)
	scatter.Draw(right)
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return fmt.Errorf("figure %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, b.Bytes(), 0o644)
}

func attrPanel(names []string, attrs map[string]Binary) (*plot.Plot, error) {
	order := append([]string(nil), names...)
	sort.SliceStable(order, func(a, b int) bool { return attrs[order[a]].Accuracy > attrs[order[b]].Accuracy })
	acc := make(plotter.Values, len(order))
	base := make(plotter.XYs, len(order))
	for i, n := range order {
		acc[i] = attrs[n].Accuracy
		base[i] = plotter.XY{X: float64(i), Y: attrs[n].Majority}
	}
	p := plot.New()
	p.Title.Text = "Feature network: test accuracy per CelebA attribute (persons unseen in training)"
	p.Y.Label.Text = "accuracy"
	bc, err := plotter.NewBarChart(acc, vg.Points(11))
	if err != nil {
		return nil, err
	}
	bc.Color = color.RGBA{R: 60, G: 110, B: 180, A: 255}
	bc.LineStyle.Width = 0
	sc, err := plotter.NewScatter(base)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle.Shape = draw.BoxGlyph{}
	sc.GlyphStyle.Radius = vg.Points(2.5)
	sc.GlyphStyle.Color = color.RGBA{R: 200, G: 60, B: 40, A: 255}
	p.Add(plotter.NewGrid(), bc, sc)
	p.Legend.Add("test accuracy", bc)
	p.Legend.Add("majority-class baseline", sc)
	p.Legend.Top = true
	p.Y.Min, p.Y.Max = 0.4, 1.08 // after Add, which widens the range to the bars' base
	p.NominalX(order...)
	p.X.Tick.Label.Rotation = 1.2
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	p.X.Tick.Label.Font.Size = vg.Points(8)
	return p, nil
}

func embedPanel(embed []float32, d int, male []bool) (*plot.Plot, error) {
	n := len(male)
	if n < 3 || len(embed) != n*d {
		return nil, fmt.Errorf("embedding panel: %d values for %d faces of %d", len(embed), n, d)
	}
	x := mat.NewDense(n, d, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			x.Set(i, j, float64(embed[i*d+j]))
		}
	}
	var pc stat.PC
	if !pc.PrincipalComponents(x, nil) {
		return nil, fmt.Errorf("embedding panel: principal components failed")
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs)
	var proj mat.Dense
	proj.Mul(x, vecs.Slice(0, d, 0, 2))
	vars := pc.VarsTo(nil)
	var tot float64
	for _, v := range vars {
		tot += v
	}
	var f, m plotter.XYs
	for i := 0; i < n; i++ {
		pt := plotter.XY{X: proj.At(i, 0), Y: proj.At(i, 1)}
		if male[i] {
			m = append(m, pt)
		} else {
			f = append(f, pt)
		}
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Embedding of the %d test faces (PCA)", n)
	p.X.Label.Text = fmt.Sprintf("PC1 (%.0f %% of variance)", 100*vars[0]/tot)
	p.Y.Label.Text = fmt.Sprintf("PC2 (%.0f %%)", 100*vars[1]/tot)
	for _, s := range []struct {
		pts  plotter.XYs
		name string
		c    color.NRGBA
	}{{f, "Male = −1", color.NRGBA{R: 220, G: 90, B: 40, A: 170}}, {m, "Male = +1", color.NRGBA{R: 40, G: 100, B: 200, A: 170}}} {
		if len(s.pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(s.pts)
		if err != nil {
			return nil, err
		}
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		sc.GlyphStyle.Radius = vg.Points(1.8)
		sc.GlyphStyle.Color = s.c
		p.Add(sc)
		p.Legend.Add(s.name, sc)
	}
	p.Add(plotter.NewGrid())
	return p, nil
}
