package sim

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	vgdraw "gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"fmriface/contract/simtruth"
	"fmriface/neuro/bids"
	"fmriface/neuro/nifti"
	"fmriface/util/imgrid"
)

// Summary describes a simulation; it is written to
// derivatives/fmriface-sim/summary.json.
type Summary struct {
	Config   Config
	Version  string
	Images   int // distinct faces shown over all subjects
	Subjects []SubjectSummary
	Figure   *FigureSummary `json:",omitempty"`
	Seconds  float64        `json:"-"` // wall time (not written: the output is deterministic)
}

// SubjectSummary describes one virtual subject.
type SubjectSummary struct {
	Subject        string
	Noise          float64
	Runs           int
	Voxels         int            // brain voxels (non-zero in the BOLD images)
	CorticalVoxels int            // voxels with a task response
	ROIVoxels      map[string]int // cortical voxels per ROI
	Stimuli        int            // distinct faces (stimuli and imagery candidates)
	GenderSwaps    int            // training images given a face of the other gender than their F/M name
	Trials         map[string]int // events per trial type
}

// FigureSummary holds the numbers behind the figure.
type FigureSummary struct {
	Subject string
	Figure  string // path relative to the dataset root
	GLMRuns int
	// T is the face-vs-fixation t statistic per ROI (canonical HRF without the
	// true per-voxel shifts; intercept, drift cosines and motion per run).
	T     map[string]TStats
	Voxel struct {
		Index int // grid index of the plotted voxel
		ROI   string
		T     float64
	}
}

// TStats summarises t values.
type TStats struct {
	N          int
	Mean       float64
	Median     float64
	FracAbove3 float64 // fraction with t > 3.1 (p < 0.001 one-sided)
}

type figureData struct {
	sub       *subject
	truthRun0 *runTruth
}

func writeSummary(out string, s *Summary) error {
	return writeJSON(filepath.Join(simtruth.Dir(out), "summary.json"), s)
}

// glmFit is a per-voxel least-squares fit of concatenated runs.
type glmFit struct {
	x      *mat.Dense // design, volumes × columns
	beta   *mat.Dense // columns × voxels
	t      []float64  // face − fixation t per voxel
	y      *mat.Dense // data, % signal change per run
	cols   []int      // original column of each column of x
	runLen []int
}

// Task columns of the figure's GLM.
const (
	colFace = iota
	colFix
	colImg
	colOneBack
	nTaskCols
)

// faceVsFixation fits the first runs of a simulated subject, reloaded from
// disk through the BIDS reader, and returns the face − fixation t of every
// cortical voxel.
func faceVsFixation(ctx context.Context, out, sub string, nruns int, hrf *hrfTable, cortex []int) (*glmFit, error) {
	runs, total, err := figureRuns(out, sub, nruns)
	if err != nil {
		return nil, err
	}
	V := len(cortex)
	P := nTaskCols + figureNuisance*len(runs)
	X := mat.NewDense(total, P, nil)
	Y := mat.NewDense(total, V, nil)
	fit := &glmFit{x: X, y: Y}
	row := 0
	for ri, r := range runs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		T, err := fillFigureRun(X, Y, row, ri, r, hrf, cortex)
		if err != nil {
			return nil, err
		}
		fit.runLen = append(fit.runLen, T)
		row += T
	}
	if !fit.dropEmptyColumns() {
		return nil, fmt.Errorf("sim: %s: the first runs of sub-%s have no face or no fixation trials", out, sub)
	}
	if err := fit.solve(); err != nil {
		return nil, err
	}
	return fit, nil
}

// figureNuisance is the number of nuisance columns per run of the figure's
// GLM: intercept, linear trend, 3 drift cosines and 6 motion parameters.
const figureNuisance = 1 + 1 + 3 + 6

// figureRuns are the first nruns face runs of sub in the simulated dataset
// out, each with its image, events and confounds, and their total volumes.
func figureRuns(out, sub string, nruns int) ([]bids.Run, int, error) {
	ds, err := OpenDataset(out)
	if err != nil {
		return nil, 0, err
	}
	runs, err := ds.Runs(sub, "faces")
	if err != nil {
		return nil, 0, err
	}
	if len(runs) > nruns {
		runs = runs[:nruns]
	}
	var total int
	for _, r := range runs {
		if r.BoldPath == "" || r.ConfoundsPath == "" || r.EventsPath == "" {
			return nil, 0, fmt.Errorf("sim: %s: run %s lacks %v or its confounds", out, r.Prefix(), r.Missing())
		}
		total += r.NVols
	}
	return runs, total, nil
}

// fillFigureRun reads run r (the ri-th) into the rows of X and Y from row
// on: its cortical data as percent signal change about each voxel's run
// mean, its task regressors and its own nuisance columns. It returns the
// run's volume count.
func fillFigureRun(X, Y *mat.Dense, row, ri int, r bids.Run, hrf *hrfTable, cortex []int) (int, error) {
	ev, err := bids.ReadEvents(r.EventsPath)
	if err != nil {
		return 0, err
	}
	conf, err := bids.ReadConfounds(r.ConfoundsPath, bids.MotionColumns())
	if err != nil {
		return 0, err
	}
	T, err := readCortexPSC(Y, row, r, len(conf), cortex)
	if err != nil {
		return 0, err
	}
	setFigureTaskColumns(X, row, T, r.TR, ev, hrf)
	setFigureNuisance(X, row, T, nTaskCols+figureNuisance*ri, conf)
	return T, nil
}

// readCortexPSC reads run r's image into the rows of Y from row on (one
// column per cortical voxel) and converts them to percent signal change
// about each voxel's run mean. nconf is the confounds' row count, which
// must match the volumes.
func readCortexPSC(Y *mat.Dense, row int, r bids.Run, nconf int, cortex []int) (int, error) {
	rd, err := nifti.Open(r.BoldPath)
	if err != nil {
		return 0, err
	}
	T := rd.NumVolumes()
	if nconf != T {
		rd.Close()
		return 0, fmt.Errorf("sim: %s has %d rows for %d volumes", r.ConfoundsPath, nconf, T)
	}
	vol := make([]float32, rd.VolumeLen())
	for i := 0; i < T; i++ {
		if err := rd.NextVolume(vol); err != nil {
			rd.Close()
			return 0, err
		}
		for v, n := range cortex {
			Y.Set(row+i, v, float64(vol[n]))
		}
	}
	rd.Close()
	for v := range cortex {
		var m float64
		for i := 0; i < T; i++ {
			m += Y.At(row+i, v)
		}
		m /= float64(T)
		for i := 0; i < T; i++ {
			if m > 0 {
				Y.Set(row+i, v, 100*(Y.At(row+i, v)/m-1))
			}
		}
	}
	return T, nil
}

// setFigureTaskColumns adds the run's events, convolved with the canonical
// HRF, to the task columns of its T rows from row on.
func setFigureTaskColumns(X *mat.Dense, row, T int, tr float64, ev []bids.Event, hrf *hrfTable) {
	for _, e := range ev {
		col := -1
		switch e.TrialType {
		case TrialTrain, TrialTest:
			col = colFace
		case TrialFix:
			col = colFix
		case TrialImg:
			col = colImg
		}
		if col < 0 {
			continue
		}
		for i := 0; i < T; i++ {
			x := hrf.boxcar((float64(i)+0.5)*tr, e.Onset, e.Duration)
			X.Set(row+i, col, X.At(row+i, col)+x)
			if e.OneBack {
				X.Set(row+i, colOneBack, X.At(row+i, colOneBack)+x)
			}
		}
	}
}

// setFigureNuisance sets the run's nuisance columns, from column base on:
// intercept, linear trend, drift cosines and the demeaned motion.
func setFigureNuisance(X *mat.Dense, row, T, base int, conf [][]float64) {
	var means [6]float64
	for _, c := range conf {
		for p := range means {
			means[p] += c[p] / float64(T)
		}
	}
	for i := 0; i < T; i++ {
		X.Set(row+i, base, 1)
		X.Set(row+i, base+1, float64(i)/float64(T-1)-0.5)
		for k := 1; k <= 3; k++ {
			X.Set(row+i, base+1+k, math.Cos(math.Pi*float64(k)*(float64(i)+0.5)/float64(T)))
		}
		for p := 0; p < 6; p++ {
			X.Set(row+i, base+5+p, conf[i][p]-means[p])
		}
	}
}

// dropEmptyColumns drops the design's all-zero columns (no imagery or
// one-back in these runs), recording the kept ones in f.cols. It reports
// false when the face or the fixation column is empty.
func (f *glmFit) dropEmptyColumns() bool {
	X := f.x
	total, P := X.Dims()
	for c := 0; c < P; c++ {
		if mat.Norm(X.ColView(c), 2) > 0 {
			f.cols = append(f.cols, c)
		}
	}
	if len(f.cols) < 2 || f.cols[0] != colFace || f.cols[1] != colFix {
		return false
	}
	if len(f.cols) < P {
		kept := mat.NewDense(total, len(f.cols), nil)
		for j, c := range f.cols {
			kept.SetCol(j, mat.Col(nil, c, X))
		}
		f.x = kept
	}
	return true
}

// solve fits the betas and the face − fixation t of every voxel, by least
// squares through the normal equations (the design is small and well
// conditioned: task columns plus per-run nuisance).
func (f *glmFit) solve() error {
	X, Y := f.x, f.y
	total, P := X.Dims()
	_, V := Y.Dims()
	var xtx mat.SymDense
	xtx.SymOuterK(1, X.T())
	var ch mat.Cholesky
	if !ch.Factorize(&xtx) {
		return fmt.Errorf("sim: face-vs-fixation design is rank deficient")
	}
	var xty mat.Dense
	xty.Mul(X.T(), Y)
	f.beta = mat.NewDense(P, V, nil)
	if err := ch.SolveTo(f.beta, &xty); err != nil {
		return err
	}
	c := mat.NewVecDense(P, nil)
	c.SetVec(colFace, 1)
	c.SetVec(colFix, -1)
	var cv mat.VecDense
	if err := ch.SolveVecTo(&cv, c); err != nil {
		return err
	}
	cvc := mat.Dot(c, &cv)
	var fitted mat.Dense
	fitted.Mul(X, f.beta)
	dof := float64(total - P)
	f.t = make([]float64, V)
	for v := 0; v < V; v++ {
		var rss float64
		for i := 0; i < total; i++ {
			d := Y.At(i, v) - fitted.At(i, v)
			rss += d * d
		}
		est := f.beta.At(colFace, v) - f.beta.At(colFix, v)
		f.t[v] = est / math.Sqrt(rss/dof*cvc)
	}
	return nil
}

func tStats(t []float64) TStats {
	s := TStats{N: len(t)}
	if len(t) == 0 {
		return s
	}
	c := append([]float64(nil), t...)
	sort.Float64s(c)
	for _, x := range c {
		s.Mean += x / float64(len(c))
		if x > 3.1 {
			s.FracAbove3 += 1 / float64(len(c))
		}
	}
	s.Median = c[len(c)/2]
	return s
}

// roiColors are the mosaic's colours, index = label (then the brain outside
// the cortex).
var roiColors = []color.RGBA{
	{0, 0, 0, 255}, {230, 80, 60, 255}, {70, 180, 90, 255}, {70, 120, 230, 255},
}

// makeFigure writes the figure of one subject and returns its numbers.
func makeFigure(ctx context.Context, out string, cfg Config, fd *figureData, hrf *hrfTable) (*FigureSummary, error) {
	s := fd.sub
	nruns := cfg.GLMRuns
	if nruns == 0 {
		nruns = DefaultGLMRuns
	}
	fit, err := faceVsFixation(ctx, out, s.label, nruns, hrf, s.anat.Cortex)
	if err != nil {
		return nil, err
	}
	fs := &FigureSummary{Subject: s.label, GLMRuns: len(fit.runLen), T: map[string]TStats{}}
	byROI := map[uint8][]float64{}
	best := -1
	for v, t := range fit.t {
		r := s.tun.ROI[v]
		byROI[r] = append(byROI[r], t)
		if r == ROIOccipital && (best < 0 || t > fit.t[best]) {
			best = v
		}
	}
	if best < 0 {
		best = 0
	}
	for r := uint8(1); r < uint8(len(ROINames)); r++ {
		fs.T[ROINames[r]] = tStats(byROI[r])
	}
	fs.Voxel.Index, fs.Voxel.ROI, fs.Voxel.T = s.anat.Cortex[best], ROINames[s.tun.ROI[best]], fit.t[best]

	mosaic := roiMosaic(s.anat)
	hist, err := renderPlot(tHistogram(byROI), 640, 560)
	if err != nil {
		return nil, err
	}
	ts, err := renderPlot(timeSeriesPlot(fit, fd, best, cfg.TR, s.design.Runs[0].Events), 1280, 420)
	if err != nil {
		return nil, err
	}
	W := 1280
	H := max(mosaic.Bounds().Dy(), hist.Bounds().Dy()) + ts.Bounds().Dy()
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(img, mosaic.Bounds(), mosaic, image.Point{}, draw.Src)
	draw.Draw(img, hist.Bounds().Add(image.Pt(W-hist.Bounds().Dx(), 0)), hist, image.Point{}, draw.Src)
	top := max(mosaic.Bounds().Dy(), hist.Bounds().Dy())
	draw.Draw(img, ts.Bounds().Add(image.Pt(0, top)), ts, image.Point{}, draw.Src)
	rel := filepath.Join("derivatives", simtruth.DerivName, "figures", "sub-"+s.label+"_virtual-subject.png")
	if err := os.MkdirAll(filepath.Dir(filepath.Join(out, rel)), 0o755); err != nil {
		return nil, err
	}
	if err := imgrid.WritePNG(filepath.Join(out, rel), img); err != nil {
		return nil, err
	}
	fs.Figure = filepath.ToSlash(rel)
	return fs, nil
}

// roiMosaic draws every axial slice of the brain, ROIs coloured, anterior up.
func roiMosaic(a *Anatomy) *image.RGBA {
	g := a.Grid
	const cols = 5
	scale := max(2, 112/max(g.Dims[0], g.Dims[1]))
	tw, th := g.Dims[0]*scale, g.Dims[1]*scale
	rows := (g.Dims[2] + cols - 1) / cols
	pad := 6
	W := cols*(tw+pad) + pad
	H := 40 + rows*(th+pad+14) + pad
	img := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	wm := color.RGBA{150, 150, 150, 255}
	for k := 0; k < g.Dims[2]; k++ {
		x0 := pad + (k%cols)*(tw+pad)
		y0 := 40 + (k/cols)*(th+pad+14) + 14
		label(img, x0, y0-3, fmt.Sprintf("z=%d", k), color.Black)
		for j := 0; j < g.Dims[1]; j++ {
			for i := 0; i < g.Dims[0]; i++ {
				n := g.Index(i, j, k)
				c := roiColors[0]
				switch {
				case a.Label[n] != ROINone:
					c = roiColors[a.Label[n]]
				case a.Brain[n]:
					c = wm
				}
				r := image.Rect(x0+i*scale, y0+(g.Dims[1]-1-j)*scale, x0+(i+1)*scale, y0+(g.Dims[1]-j)*scale)
				draw.Draw(img, r, &image.Uniform{c}, image.Point{}, draw.Src)
			}
		}
	}
	label(img, pad, 14, "ROIs, axial slices (anterior up, right on the right):", color.Black)
	x := pad
	key := func(name string, c color.RGBA) {
		draw.Draw(img, image.Rect(x, 21, x+10, 31), &image.Uniform{c}, image.Point{}, draw.Src)
		label(img, x+14, 30, name, color.Black)
		x += 14 + 7*len(name) + 16
	}
	for r := 1; r < len(ROINames); r++ {
		key(ROINames[r], roiColors[r])
	}
	key("white matter", wm)
	return img
}

func label(img *image.RGBA, x, y int, s string, c color.Color) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// tHistogram overlays the face-vs-fixation t distributions of the ROIs.
func tHistogram(byROI map[uint8][]float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = "face vs fixation t, per cortical voxel"
	p.X.Label.Text = "t"
	p.Y.Label.Text = "voxels"
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, ts := range byROI {
		for _, t := range ts {
			if !math.IsNaN(t) && !math.IsInf(t, 0) {
				lo, hi = math.Min(lo, t), math.Max(hi, t)
			}
		}
	}
	if !(hi > lo) {
		lo, hi = -1, 1
	}
	const bins = 40
	w := (hi - lo) / bins
	for r := uint8(1); r < uint8(len(ROINames)); r++ {
		counts := make([]float64, bins)
		for _, t := range byROI[r] {
			if !math.IsNaN(t) && !math.IsInf(t, 0) {
				counts[min(bins-1, int((t-lo)/w))]++
			}
		}
		pts := make(plotter.XYs, 0, 2*bins)
		for b, n := range counts {
			pts = append(pts, plotter.XY{X: lo + float64(b)*w, Y: n}, plotter.XY{X: lo + float64(b+1)*w, Y: n})
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			continue
		}
		l.Color = roiColors[r]
		l.Width = vg.Points(2)
		p.Add(l)
		p.Legend.Add(ROINames[r], l)
	}
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	return p
}

// timeSeriesPlot shows the first run of the chosen voxel: its BOLD signal
// with the nuisance fit removed, the GLM's task fit, the simulator's
// noise-free response, and the events.
func timeSeriesPlot(fit *glmFit, fd *figureData, v int, tr float64, events []bids.Event) *plot.Plot {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("sub-%s, run 1, occipital voxel %d (face vs fixation t = %.1f)", fd.sub.label, fd.sub.anat.Cortex[v], fit.t[v])
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = "% signal change"
	T := fit.runLen[0]
	var data, pred, truth plotter.XYs
	_, P := fit.x.Dims()
	for i := 0; i < T; i++ {
		var nuis, task float64
		for c := 0; c < P; c++ {
			x := fit.x.At(i, c) * fit.beta.At(c, v)
			if fit.cols[c] < nTaskCols {
				task += x
			} else {
				nuis += x
			}
		}
		t := (float64(i) + 0.5) * tr
		data = append(data, plotter.XY{X: t, Y: fit.y.At(i, v) - nuis})
		pred = append(pred, plotter.XY{X: t, Y: task})
		if fd.truthRun0 != nil {
			truth = append(truth, plotter.XY{X: t, Y: fd.truthRun0.signal[v][i]})
		}
	}
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, d := range data {
		ymin, ymax = math.Min(ymin, d.Y), math.Max(ymax, d.Y)
	}
	// The data lose their mean to the intercept: give the truth the mean of
	// the GLM's task fit so that the curves are comparable.
	var tm, pm float64
	for i := range truth {
		tm += truth[i].Y / float64(len(truth))
		pm += pred[i].Y / float64(len(pred))
	}
	for i := range truth {
		truth[i].Y += pm - tm
	}
	p.Y.Max = ymax + 0.45*(ymax-ymin) // room for the legend
	add := func(pts plotter.XYs, c color.RGBA, w float64, dashed bool, name string) {
		l, err := plotter.NewLine(pts)
		if err != nil {
			return
		}
		l.Color, l.Width = c, vg.Points(w)
		if dashed {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(name, l)
	}
	add(data, color.RGBA{120, 120, 120, 255}, 1, false, "BOLD (nuisance fit removed)")
	add(pred, color.RGBA{200, 40, 40, 255}, 1.8, false, "GLM prediction (faces, fixation, imagery, one-back)")
	if truth != nil {
		add(truth, color.RGBA{30, 90, 200, 255}, 1.5, true, "true noise-free response (mean matched)")
	}
	mark := func(tt string, c color.RGBA, shape vgdraw.GlyphDrawer, y float64) {
		var pts plotter.XYs
		for _, e := range events {
			if e.TrialType == tt {
				pts = append(pts, plotter.XY{X: e.Onset, Y: y})
			}
		}
		if len(pts) == 0 {
			return
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return
		}
		sc.GlyphStyle = vgdraw.GlyphStyle{Color: c, Radius: vg.Points(2.5), Shape: shape}
		p.Add(sc)
		p.Legend.Add(tt+" onsets", sc)
	}
	mark(TrialTrain, color.RGBA{230, 120, 0, 255}, vgdraw.TriangleGlyph{}, ymin-0.3)
	mark(TrialTest, color.RGBA{150, 0, 150, 255}, vgdraw.TriangleGlyph{}, ymin-0.6)
	mark(TrialFix, color.RGBA{0, 0, 0, 255}, vgdraw.CircleGlyph{}, ymin-0.9)
	mark(TrialImg, color.RGBA{0, 150, 150, 255}, vgdraw.BoxGlyph{}, ymin-1.2)
	p.Legend.Top = true
	p.Legend.Left = false
	p.Add(plotter.NewGrid())
	return p
}

// renderPlot draws p into a w × h pixel image.
func renderPlot(p *plot.Plot, w, h int) (image.Image, error) {
	const dpi = 96
	c := vgimg.NewWith(vgimg.UseWH(vg.Length(w)*vg.Inch/dpi, vg.Length(h)*vg.Inch/dpi), vgimg.UseDPI(dpi))
	p.Draw(vgdraw.New(c))
	img := c.Image()
	if img == nil {
		return nil, fmt.Errorf("sim: plot %q rendered no image", p.Title.Text)
	}
	return img, nil
}
