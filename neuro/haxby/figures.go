package haxby

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"fmriface/util/atomicfile"
)

const figDPI = 96

// savePanels renders plots side by side (relative widths) into one PNG,
// written atomically.
func savePanels(path string, w, h vg.Length, widths []float64, plots ...*plot.Plot) error {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(figDPI))
	dc := draw.New(c)
	total := 0.0
	for _, x := range widths {
		total += x
	}
	x0 := dc.Min.X
	for i, p := range plots {
		wi := vg.Length(widths[i]/total) * (dc.Max.X - dc.Min.X)
		// A small top margin keeps the titles clear of the edge.
		sub := draw.Crop(dc, x0-dc.Min.X, x0+wi-dc.Max.X, 0, -vg.Points(8))
		p.Draw(sub)
		x0 += wi
	}
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&b); err != nil {
		return fmt.Errorf("haxby: render %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, b.Bytes(), 0o644)
}

// grid is a GridXYZ over a rows × cols matrix, row 0 drawn at the top.
type grid struct {
	v    [][]float64
	x, y []float64 // cell centres; y[0] is the bottom row
}

func (g grid) Dims() (c, r int)   { return len(g.x), len(g.y) }
func (g grid) Z(c, r int) float64 { return g.v[r][c] }
func (g grid) X(c int) float64    { return g.x[c] }
func (g grid) Y(r int) float64    { return g.y[r] }
func seq(n int, f func(int) float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = f(i)
	}
	return s
}

func styled(title, xl, yl string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(12)
	p.X.Label.Text = xl
	p.Y.Label.Text = yl
	return p
}

type whiteToBlue struct{}

func (whiteToBlue) Colors() []color.Color {
	out := make([]color.Color, 64)
	for i := range out {
		f := float64(i) / 63
		out[i] = color.RGBA{uint8(255 - 215*f), uint8(255 - 175*f), uint8(255 - 95*f), 255}
	}
	return out
}

// confusionPlot draws one method's confusion matrix (percent of each true
// category's held-out patterns), counts written in the cells.
func confusionPlot(m Method) *plot.Plot {
	k := len(Categories)
	v := make([][]float64, k)
	for r := range v {
		v[r] = make([]float64, k)
		row := m.Confusion[k-1-r] // grid row 0 is the bottom
		tot := 0
		for _, c := range row {
			tot += c
		}
		for c := range row {
			v[r][c] = float64(row[c]) / float64(max(tot, 1))
		}
	}
	g := grid{v: v, x: seq(k, func(i int) float64 { return float64(i) }), y: seq(k, func(i int) float64 { return float64(i) })}
	hm := plotter.NewHeatMap(g, whiteToBlue{})
	hm.Min, hm.Max = 0, 1
	p := styled(fmt.Sprintf("%s: %.0f %% correct (chance 12.5 %%)", m.Name, 100*m.Accuracy), "decoded as", "true category")
	p.Add(hm)
	var xys plotter.XYs
	var labels []string
	for r := 0; r < k; r++ {
		for c := 0; c < k; c++ {
			if n := m.Confusion[k-1-r][c]; n > 0 {
				xys = append(xys, plotter.XY{X: float64(c), Y: float64(r)})
				labels = append(labels, fmt.Sprint(n))
			}
		}
	}
	if lab, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels}); err == nil {
		for i := range lab.TextStyle {
			lab.TextStyle[i].XAlign = draw.XCenter
			lab.TextStyle[i].YAlign = draw.YCenter
			if v[int(xys[i].Y)][int(xys[i].X)] > 0.5 {
				lab.TextStyle[i].Color = color.White
			}
		}
		p.Add(lab)
	}
	var xt, yt []plot.Tick
	for i, c := range Categories {
		xt = append(xt, plot.Tick{Value: float64(i), Label: short(c)})
		yt = append(yt, plot.Tick{Value: float64(k - 1 - i), Label: short(c)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	p.X.Tick.Label.Font.Size = vg.Points(9)
	p.Y.Tick.Label.Font.Size = vg.Points(9)
	return p
}

func short(c string) string {
	if c == "scrambledpix" {
		return "scram."
	}
	return c
}

// writeConfusion draws the confusion matrices of the given methods side by side.
func writeConfusion(path string, ms []Method) error {
	var ps []*plot.Plot
	var ws []float64
	for _, m := range ms {
		ps = append(ps, confusionPlot(m))
		ws = append(ws, 1)
	}
	return savePanels(path, vg.Length(len(ms))*4.6*vg.Inch, 4.4*vg.Inch, ws, ps...)
}

// writeNull draws each method's permutation null of the 8-way accuracy with
// the observed accuracy.
func writeNull(path string, ms []Method) error {
	var ps []*plot.Plot
	var ws []float64
	for _, m := range ms {
		p := styled(fmt.Sprintf("%s: p %s", m.Name, pfmt(m.PValue, len(m.NullAcc))), "8-way accuracy", "permutations")
		// One bin per possible number of correct patterns.
		t := float64(m.Total)
		bins := make([]plotter.HistogramBin, m.Total+1)
		for c := range bins {
			bins[c] = plotter.HistogramBin{Min: (float64(c) - 0.5) / t, Max: (float64(c) + 0.5) / t}
		}
		ymax := 1.0
		for _, v := range m.NullAcc {
			c := int(math.Round(v * t))
			bins[c].Weight++
			ymax = math.Max(ymax, bins[c].Weight)
		}
		h := &plotter.Histogram{Bins: bins, Width: 1 / t, FillColor: color.RGBA{150, 150, 150, 255}, LineStyle: plotter.DefaultLineStyle}
		h.LineStyle.Width = vg.Points(0.3)
		p.Add(h)
		obs, _ := plotter.NewLine(plotter.XYs{{X: m.Accuracy, Y: 0}, {X: m.Accuracy, Y: ymax}})
		obs.Color = color.RGBA{200, 30, 30, 255}
		obs.Width = vg.Points(2)
		p.Add(obs)
		p.Legend.Add("observed", obs)
		p.Legend.Top = true
		p.X.Min, p.X.Max = 0, 1
		ps = append(ps, p)
		ws = append(ws, 1)
	}
	return savePanels(path, vg.Length(len(ms))*3.6*vg.Inch, 3*vg.Inch, ws, ps...)
}

type grayPalette struct{}

func (grayPalette) Colors() []color.Color {
	out := make([]color.Color, 128)
	for i := range out {
		g := uint8(20 + 215*i/127)
		out[i] = color.RGBA{g, g, g, 255}
	}
	return out
}

// writeFaceMap draws the mean image in grey with the face > others t values
// beyond ±threshold on top, in world millimetres (subject's left on the left,
// anterior up), and a colour bar.
func writeFaceMap(path string, d *Dataset, fm FaceMap) error {
	nx, ny := d.NX, d.NY
	a := d.Affine
	sx, ox, sy, oy := a[0][0], a[0][3], a[1][1], a[1][3]
	if a[0][1] != 0 || a[1][0] != 0 || sx == 0 || sy == 0 {
		sx, ox, sy, oy = 1, 0, 1, 0 // not axis-aligned: fall back to voxel indices
	}
	// Column c shows voxel i with world x increasing left to right.
	col := func(c int) int {
		if sx < 0 {
			return nx - 1 - c
		}
		return c
	}
	row := func(r int) int {
		if sy < 0 {
			return ny - 1 - r
		}
		return r
	}
	xs := seq(nx, func(c int) float64 { return sx*float64(col(c)) + ox })
	ys := seq(ny, func(r int) float64 { return sy*float64(row(r)) + oy })
	mean := make([][]float64, ny)
	tv := make([][]float64, ny)
	tAt := make(map[int]float64, len(fm.Mask))
	for j, v := range fm.Mask {
		tAt[v] = fm.T[j]
	}
	tmax := fm.Threshold + 1
	for _, t := range fm.T {
		tmax = math.Max(tmax, math.Abs(t))
	}
	for r := 0; r < ny; r++ {
		mean[r] = make([]float64, nx)
		tv[r] = make([]float64, nx)
		for c := 0; c < nx; c++ {
			v := col(c) + nx*row(r)
			mean[r][c] = fm.Mean[v]
			tv[r][c] = math.NaN()
			if t, ok := tAt[v]; ok && math.Abs(t) > fm.Threshold {
				tv[r][c] = t
			}
		}
	}
	unit := "mm"
	if sx == 1 && ox == 0 {
		unit = "voxel"
	}
	p := styled(fmt.Sprintf("face > other categories, |t| > %.2f (p < %g one-sided, uncorrected; %d dof)", fm.Threshold, fm.Alpha, fm.DOF),
		fmt.Sprintf("x (%s), subject's left ← → right", unit), fmt.Sprintf("y (%s), posterior ← → anterior", unit))
	bg := plotter.NewHeatMap(grid{v: mean, x: xs, y: ys}, grayPalette{})
	cm := &statMap{min: -tmax, max: tmax, thr: fm.Threshold}
	fg := plotter.NewHeatMap(grid{v: tv, x: xs, y: ys}, cm.Palette(256))
	fg.Min, fg.Max = -tmax, tmax
	fg.NaN = color.Transparent
	p.Add(bg, fg)
	p.X.Min, p.X.Max = xs[0]-math.Abs(sx)/2, xs[nx-1]+math.Abs(sx)/2
	p.Y.Min, p.Y.Max = ys[0]-math.Abs(sy)/2, ys[ny-1]+math.Abs(sy)/2
	if fm.MaxT > fm.Threshold {
		mx, my := fm.MaxAt[0], fm.MaxAt[1]
		wx, wy := sx*float64(mx)+ox, sy*float64(my)+oy
		sc, err := plotter.NewScatter(plotter.XYs{{X: wx, Y: wy}})
		if err == nil {
			sc.GlyphStyle.Shape = draw.CircleGlyph{}
			sc.GlyphStyle.Radius = vg.Points(9)
			sc.GlyphStyle.Color = color.RGBA{255, 220, 0, 255}
			sc.GlyphStyle.Shape = draw.RingGlyph{}
			p.Add(sc)
			p.Legend.Add(fmt.Sprintf("peak t = %.1f", fm.MaxT), sc)
			p.Legend.Top = true
		}
	}
	bar := plot.New()
	cb := &plotter.ColorBar{ColorMap: cm, Vertical: true}
	bar.Add(cb)
	bar.HideX()
	bar.Y.Label.Text = "t (face − mean of others)"
	bar.Y.Padding = 0
	bar.Title.Text = " "
	return savePanels(path, 9*vg.Inch, 5.4*vg.Inch, []float64{8, 1.2}, p, bar)
}

// statMap is the usual overlay colour scale of statistical maps: red to
// yellow from +thr to max, blue to cyan from −thr to min, grey between
// (values there are not drawn).
type statMap struct{ min, max, thr float64 }

func (m *statMap) At(v float64) (color.Color, error) {
	if v < m.min || v > m.max || math.IsNaN(v) {
		return nil, fmt.Errorf("haxby: %v outside the colour scale [%v, %v]", v, m.min, m.max)
	}
	lerp := func(a, b uint8, f float64) uint8 { return uint8(float64(a) + f*(float64(b)-float64(a))) }
	switch {
	case v >= m.thr:
		f := (v - m.thr) / math.Max(m.max-m.thr, 1e-9)
		return color.RGBA{lerp(200, 255, f), lerp(20, 240, f), lerp(20, 40, f), 255}, nil
	case v <= -m.thr:
		f := (-v - m.thr) / math.Max(-m.min-m.thr, 1e-9)
		return color.RGBA{lerp(30, 60, f), lerp(60, 230, f), lerp(220, 255, f), 255}, nil
	}
	return color.RGBA{128, 128, 128, 255}, nil
}
func (m *statMap) Max() float64     { return m.max }
func (m *statMap) SetMax(v float64) { m.max = v }
func (m *statMap) Min() float64     { return m.min }
func (m *statMap) SetMin(v float64) { m.min = v }
func (m *statMap) Alpha() float64   { return 1 }
func (m *statMap) SetAlpha(float64) {}
func (m *statMap) Palette(n int) palette.Palette {
	cs := make(statPalette, n)
	for i := range cs {
		v := m.min + (float64(i)+0.5)*(m.max-m.min)/float64(n)
		cs[i], _ = m.At(v)
	}
	return cs
}

type statPalette []color.Color

func (p statPalette) Colors() []color.Color { return p }
