package plots

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"fmriface/util/atomicfile"
)

// Figure size and resolution: 8×5 in at 120 dpi gives 960×600 pixels.
const (
	figW = 8 * vg.Inch
	figH = 5 * vg.Inch
	dpi  = 120
)

// Bounds on inputs, to keep a mistaken call from drawing for minutes.
const (
	maxSeries = 64
	maxBins   = 10000
)

// Series is one line of a line chart.
type Series struct {
	Name string
	X, Y []float64
}

// Bar holds one group's values per model, the map form of a grouped bar chart.
type Bar struct {
	Group  string
	Values map[string]float64 // model name → value
}

// Lines draws one line per series (for example loss against step). Points
// with a non-finite X or Y (a diverged loss) are left out and counted in the
// legend entry, rather than failing the whole figure.
func Lines(path, title, xlabel, ylabel string, series []Series) error {
	if len(series) == 0 {
		return fmt.Errorf("plots: %s: no series", path)
	}
	if len(series) > maxSeries {
		return fmt.Errorf("plots: %s: %d series, at most %d", path, len(series), maxSeries)
	}
	p := newPlot(title, xlabel, ylabel)
	p.Legend.Top = true
	p.Add(plotter.NewGrid()) // first, so that it lies under the data
	drawn := 0
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			return fmt.Errorf("plots: %s: series %q has %d X and %d Y values", path, s.Name, len(s.X), len(s.Y))
		}
		xys := make(plotter.XYs, 0, len(s.X))
		for k := range s.X {
			if finite(s.X[k]) && finite(s.Y[k]) {
				xys = append(xys, plotter.XY{X: s.X[k], Y: s.Y[k]})
			}
		}
		name := s.Name
		if name == "" {
			name = fmt.Sprintf("series %d", i+1)
		}
		if dropped := len(s.X) - len(xys); dropped > 0 {
			name += fmt.Sprintf(" (%d non-finite left out)", dropped)
		}
		if len(xys) == 0 {
			p.Legend.Add(name + " [empty]")
			continue
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("plots: %s: series %q: %w", path, s.Name, err)
		}
		l.Color = seriesColor(i)
		l.Dashes = plotutil.Dashes(i / 7) // colours repeat after 7: change the dash then
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(name, l)
		drawn++
	}
	if drawn == 0 {
		return fmt.Errorf("plots: %s: no finite points in any series", path)
	}
	return save(p, path)
}

// Bars draws a grouped bar chart: one cluster per group (e.g. subject), one
// coloured bar per model within it; values[model][group]. ref, if not nil, draws
// a dashed reference line: one value across the whole chart (len 1) or one per
// group (len(groups)), e.g. chance level.
func Bars(path, title, ylabel string, groups []string, models []string, values [][]float64, ref []float64) error {
	if len(groups) == 0 || len(models) == 0 {
		return fmt.Errorf("plots: %s: need at least one group and one model (have %d, %d)", path, len(groups), len(models))
	}
	if len(models) > maxSeries {
		return fmt.Errorf("plots: %s: %d models, at most %d", path, len(models), maxSeries)
	}
	if len(values) != len(models) {
		return fmt.Errorf("plots: %s: %d value rows for %d models", path, len(values), len(models))
	}
	for m, row := range values {
		if len(row) != len(groups) {
			return fmt.Errorf("plots: %s: model %q has %d values for %d groups", path, models[m], len(row), len(groups))
		}
		for g, v := range row {
			if !finite(v) {
				return fmt.Errorf("plots: %s: value of model %q for group %q is %v", path, models[m], groups[g], v)
			}
		}
	}
	if ref != nil && len(ref) != 1 && len(ref) != len(groups) {
		return fmt.Errorf("plots: %s: %d reference values, want 1 or %d (one per group)", path, len(ref), len(groups))
	}
	for _, r := range ref {
		if !finite(r) {
			return fmt.Errorf("plots: %s: reference value %v", path, r)
		}
	}

	p := newPlot(title, "", ylabel)
	p.Legend.Top = true
	p.Add(plotter.NewGrid())
	// A cluster takes 70 % of the space between group centres.
	slot := figW * 0.75 / vg.Length(len(groups))
	barW := slot * 0.7 / vg.Length(len(models))
	for m := range models {
		b, err := plotter.NewBarChart(plotter.Values(values[m]), barW)
		if err != nil {
			return fmt.Errorf("plots: %s: model %q: %w", path, models[m], err)
		}
		b.Color = seriesColor(m)
		b.LineStyle.Width = vg.Points(0.5)
		b.Offset = vg.Length(float64(m)-float64(len(models)-1)/2) * barW
		p.Add(b)
		p.Legend.Add(models[m], b)
	}
	if ref != nil {
		style := draw.LineStyle{Color: color.Gray{Y: 60}, Width: vg.Points(1.5), Dashes: []vg.Length{vg.Points(6), vg.Points(3)}}
		var first *plotter.Line
		for g := range groups {
			x0, x1, y := -0.5, float64(len(groups))-0.5, ref[0]
			if len(ref) > 1 {
				x0, x1, y = float64(g)-0.45, float64(g)+0.45, ref[g]
			} else if g > 0 {
				break
			}
			l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}})
			if err != nil {
				return fmt.Errorf("plots: %s: reference line: %w", path, err)
			}
			l.LineStyle = style
			p.Add(l)
			if first == nil {
				first = l
			}
		}
		p.Legend.Add("reference", first)
	}
	p.NominalX(groups...)
	// Headroom so that the legend does not sit on the tallest bars.
	p.Y.Max += 0.25 * (p.Y.Max - p.Y.Min)
	return save(p, path)
}

// BarsFrom draws Bars from the map form: groups in the order given, models in
// sorted order.
func BarsFrom(path, title, ylabel string, bars []Bar, ref []float64) error {
	seen := map[string]bool{}
	var models []string
	groups := make([]string, len(bars))
	for i, b := range bars {
		groups[i] = b.Group
		for m := range b.Values {
			if !seen[m] {
				seen[m] = true
				models = append(models, m)
			}
		}
	}
	sort.Strings(models)
	values := make([][]float64, len(models))
	for m, name := range models {
		values[m] = make([]float64, len(bars))
		for g, b := range bars {
			v, ok := b.Values[name]
			if !ok {
				return fmt.Errorf("plots: %s: group %q has no value for model %q", path, b.Group, name)
			}
			values[m][g] = v
		}
	}
	return Bars(path, title, ylabel, groups, models, values, ref)
}

// Histogram draws the distribution of values in bins equal-width bins between
// the smallest and largest finite value. Non-finite values are left out (and
// counted in the title); an input with none finite is an error.
func Histogram(path, title, xlabel string, values []float64, bins int) error {
	if bins < 1 || bins > maxBins {
		return fmt.Errorf("plots: %s: %d bins, want 1 to %d", path, bins, maxBins)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	n := 0
	for _, v := range values {
		if finite(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("plots: %s: no finite values to histogram (%d given)", path, len(values))
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	w := (hi - lo) / float64(bins)
	hb := make([]plotter.HistogramBin, bins)
	for i := range hb {
		hb[i].Min, hb[i].Max = lo+float64(i)*w, lo+float64(i+1)*w
	}
	for _, v := range values {
		if finite(v) {
			i := min(max(int((v-lo)/w), 0), bins-1)
			hb[i].Weight++
		}
	}
	if dropped := len(values) - n; dropped > 0 {
		title += fmt.Sprintf(" (%d non-finite values left out)", dropped)
	}
	p := newPlot(title, xlabel, "count")
	h := &plotter.Histogram{Bins: hb, Width: w, FillColor: plotutil.Color(0), LineStyle: plotter.DefaultLineStyle}
	h.LineStyle.Width = vg.Points(0.5)
	p.Add(plotter.NewGrid(), h)
	p.Y.Min = 0
	p.Y.Max *= 1.08 // room above the tallest bin
	return save(p, path)
}

// seriesColor is series i's colour: plotutil's seven soft colours, then
// its seven dark ones, so that up to 14 series (eight simulation seeds, say)
// are told apart before the colours repeat.
func seriesColor(i int) color.Color {
	n := len(plotutil.SoftColors)
	if i%(2*n) < n {
		return plotutil.SoftColors[i%n]
	}
	return plotutil.DarkColors[i%len(plotutil.DarkColors)]
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.X.Label.TextStyle.Font.Size = vg.Points(12)
	p.Y.Label.TextStyle.Font.Size = vg.Points(12)
	p.Legend.TextStyle.Font.Size = vg.Points(11)
	p.X.Tick.Marker = niceTicks{}
	p.Y.Tick.Marker = niceTicks{}
	p.Legend.XOffs = -vg.Points(10) // keep the legend off the frame edge
	p.Legend.YOffs = -vg.Points(4)
	return p
}

// save renders p to PNG in memory and writes it atomically.
func save(p *plot.Plot, path string) error {
	c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(figW, figH), vgimg.UseDPI(dpi))}
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return fmt.Errorf("plots: render %s: %w", path, err)
	}
	if b.Len() == 0 {
		return errors.New("plots: render " + path + ": empty image")
	}
	if err := atomicfile.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	return nil
}
