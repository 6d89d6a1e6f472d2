package analysis

import (
	"errors"
	"fmt"
	"io"
	"math"
	"sync"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/bids"
	"fmriface/neuro/decoding"
	"fmriface/neuro/nifti"
	"fmriface/util/progress"
)

// RunInfo is one run of a subject: its entities, timing, events and motion.
type RunInfo struct {
	bids.Entities
	TR     float64
	NVols  int
	Events []bids.Event
	Motion *mat.Dense // NVols × 6 (trans_x … rot_z); nil without a confounds file
}

// Data is a subject's BOLD time series over the analysed voxels, all runs
// concatenated in run order.
type Data struct {
	Subject string
	Runs    []RunInfo
	Y       *mat.Dense // scans × V, float64
	Voxels  []int      // NIfTI linear index (x fastest) of each column of Y
	Grid    [3]int
	Affine  [4][4]float64 // voxel (i, j, k) → world mm (RAS)
	// NScans is the number of scans over all runs (the rows of Y).
	NScans int

	// Without Y (ReadOptions.Stream), the runs' images and the first run's
	// header, from which ReadRun reads one run at a time.
	files []bids.Run
	ref   *nifti.Header
}

// ReadOptions tune ReadSubject.
type ReadOptions struct {
	Task     string // BIDS task label; "" means "faces"
	MaxRuns  int    // read only the first MaxRuns runs (0 = all)
	Workers  int    // runs decoded in parallel; 0 means 2
	Progress io.Writer
	// Stream reads the runs' events, motion and the mask but not the BOLD
	// series: Y stays nil and FitModel reads one run at a time (ReadRun).
	// A subject at the real study's scale (about 19,500 scans × 110,000
	// voxels: 17 GB as float64) does not fit in memory otherwise.
	Stream bool
}

// maxElements bounds scans × voxels (8 bytes each) held in memory.
const maxElements = 1 << 30

// ReadSubject reads every run of a subject: events, motion confounds and
// the BOLD series of the voxels inside the brain mask. Each run's length is
// taken from its image header (ds001761 has 195 or 204 volumes). The mask
// is the fMRIPrep brain mask when the runs have one, else SPM's implicit
// mask of the first run's mean image (voxels above 0.8 × the mean of the
// voxels above a 1/8 of the global mean).
func ReadSubject(ds *bids.Dataset, sub string, opt ReadOptions) (*Data, error) {
	task := opt.Task
	if task == "" {
		task = "faces"
	}
	runs, err := ds.Runs(sub, task)
	if err != nil {
		return nil, err
	}
	if opt.MaxRuns > 0 && len(runs) > opt.MaxRuns {
		runs = runs[:opt.MaxRuns]
	}
	d := &Data{Subject: runs[0].Subject}
	n := 0
	starts := make([]int, len(runs))
	for i, r := range runs {
		ri, err := readRunInfo(d.Subject, r)
		if err != nil {
			return nil, err
		}
		starts[i] = n
		n += r.NVols
		d.Runs = append(d.Runs, ri)
	}
	for _, r := range d.Runs[1:] {
		if r.TR != d.Runs[0].TR {
			return nil, fmt.Errorf("sub-%s: runs have different TRs (%g s and %g s)", d.Subject, d.Runs[0].TR, r.TR)
		}
	}

	first, err := d.maskVoxels(runs[0])
	if err != nil {
		return nil, err
	}
	d.NScans = n
	if opt.Stream {
		d.files, d.ref = runs, first
		return d, nil
	}
	if int64(n)*int64(len(d.Voxels)) > maxElements {
		return nil, fmt.Errorf("sub-%s: %d scans × %d voxels is too large to hold in memory: read it streamed (fit --stream)", d.Subject, n, len(d.Voxels))
	}
	d.Y = mat.NewDense(n, len(d.Voxels), nil)
	if err := d.readSeries(runs, first, starts, opt); err != nil {
		return nil, err
	}
	return d, nil
}

// readRunInfo checks that run r of subject sub has what the analysis needs
// and reads its events and motion confounds (when it has a confounds file).
func readRunInfo(sub string, r bids.Run) (RunInfo, error) {
	if m := r.Missing(); r.PreprocPath == "" && len(m) > 0 || r.EventsPath == "" {
		return RunInfo{}, fmt.Errorf("sub-%s run %s: missing %v", sub, runName(r.Entities), m)
	}
	if r.NVols <= 0 {
		return RunInfo{}, fmt.Errorf("sub-%s run %s: no volumes", sub, runName(r.Entities))
	}
	if !(r.TR > 0) {
		return RunInfo{}, fmt.Errorf("sub-%s run %s: no repetition time", sub, runName(r.Entities))
	}
	ev, err := bids.ReadEvents(r.EventsPath)
	if err != nil {
		return RunInfo{}, err
	}
	ri := RunInfo{Entities: r.Entities, TR: r.TR, NVols: r.NVols, Events: ev}
	if r.ConfoundsPath != "" {
		rows, err := bids.ReadConfounds(r.ConfoundsPath, bids.MotionColumns())
		if err != nil {
			return RunInfo{}, err
		}
		if len(rows) != r.NVols {
			return RunInfo{}, fmt.Errorf("read %s: %d rows for %d volumes", r.ConfoundsPath, len(rows), r.NVols)
		}
		ri.Motion = mat.NewDense(len(rows), 6, nil)
		for t, row := range rows {
			ri.Motion.SetRow(t, row)
		}
	}
	return ri, nil
}

// boldPath is the run's preprocessed image when it has one, else its raw
// image.
func boldPath(r bids.Run) string {
	if r.PreprocPath != "" {
		return r.PreprocPath
	}
	return r.BoldPath
}

// maskVoxels sets the grid, the affine and the analysed voxels (the brain
// mask) from the first run, and returns that run's header, the reference
// every run is checked against.
func (d *Data) maskVoxels(first bids.Run) (*nifti.Header, error) {
	h, err := nifti.ReadHeader(boldPath(first))
	if err != nil {
		return nil, err
	}
	if len(h.Dim) < 3 {
		return nil, fmt.Errorf("read %s: %d axes, want 4", boldPath(first), len(h.Dim))
	}
	d.Grid = [3]int{int(h.Dim[0]), int(h.Dim[1]), int(h.Dim[2])}
	d.Affine = h.Affine()
	mask, err := brainMask(first, boldPath(first))
	if err != nil {
		return nil, err
	}
	for i, m := range mask {
		if m {
			d.Voxels = append(d.Voxels, i)
		}
	}
	if len(d.Voxels) == 0 {
		return nil, fmt.Errorf("sub-%s: the brain mask is empty", d.Subject)
	}
	return h, nil
}

// readSeries reads the masked series of every run into its rows of d.Y
// (from starts[i] on), opt.Workers runs at a time.
func (d *Data) readSeries(runs []bids.Run, first *nifti.Header, starts []int, opt ReadOptions) error {
	workers := opt.Workers
	if workers <= 0 {
		workers = 2
	}
	var bar *progress.Bar
	if opt.Progress != nil {
		bar = progress.New(opt.Progress, "read sub-"+d.Subject, len(runs))
		defer bar.Done()
	}
	jobs := make(chan int)
	errs := make([]error, len(runs))
	warns := make([][]string, len(runs))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				y := d.Y.Slice(starts[i], starts[i]+runs[i].NVols, 0, len(d.Voxels)).(*mat.Dense)
				warns[i], errs[i] = readRun(boldPath(runs[i]), first, d.Voxels, y)
				if bar != nil {
					bar.Add(1)
				}
			}
		}()
	}
	for i := range runs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if opt.Progress != nil {
		for _, ws := range warns {
			for _, w := range ws {
				fmt.Fprintf(opt.Progress, "warning: %s\n", w)
			}
		}
	}
	return errors.Join(errs...)
}

func runName(e bids.Entities) string {
	if e.Session != "" {
		return fmt.Sprintf("ses-%s run-%02d", e.Session, e.Run)
	}
	return fmt.Sprintf("run-%02d", e.Run)
}

// ReadRun reads run i's series over the mask (its scans × voxels) from a
// subject read with ReadOptions.Stream.
// It also returns the reader's warnings (bytes after the image data).
func (d *Data) ReadRun(i int) (*mat.Dense, []string, error) {
	if d.files == nil {
		return nil, nil, fmt.Errorf("sub-%s: ReadRun needs a subject read with the Stream option", d.Subject)
	}
	if i < 0 || i >= len(d.files) {
		return nil, nil, fmt.Errorf("sub-%s: run index %d of %d runs", d.Subject, i, len(d.files))
	}
	y := mat.NewDense(d.files[i].NVols, len(d.Voxels), nil)
	warns, err := readRun(boldPath(d.files[i]), d.ref, d.Voxels, y)
	if err != nil {
		return nil, nil, err
	}
	return y, warns, nil
}

// Streamed reports whether the subject was read without its series (Y is
// nil; see ReadRun).
func (d *Data) Streamed() bool { return d.files != nil }

// readRun streams one run's volumes into the rows of y (its volumes × the
// voxels) and returns the reader's warnings (bytes after the image data).
func readRun(path string, ref *nifti.Header, voxels []int, y *mat.Dense) ([]string, error) {
	nvols, _ := y.Dims()
	r, err := nifti.Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	h := r.Header()
	for a := 0; a < 3; a++ {
		if h.Dim[a] != ref.Dim[a] {
			return nil, fmt.Errorf("read %s: grid %s differs from the first run's %s", path, h.DimString(), ref.DimString())
		}
	}
	if r.NumVolumes() != nvols {
		return nil, fmt.Errorf("read %s: %d volumes, the dataset index says %d", path, r.NumVolumes(), nvols)
	}
	vol := make([]float64, r.VolumeLen())
	for t := 0; t < nvols; t++ {
		if err := r.NextVolume64(vol); err != nil {
			return nil, err
		}
		row := y.RawRowView(t)
		for j, v := range voxels {
			x := vol[v]
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("read %s: volume %d, voxel %d is %v", path, t, v, x)
			}
			row[j] = x
		}
	}
	// Past the last volume: the reader checks the end of the data (a gzip
	// stream's checksum, bytes after the data) only when asked once more.
	if err := r.NextVolume64(vol); err != io.EOF {
		return nil, fmt.Errorf("read %s: after volume %d: %w", path, nvols, err)
	}
	return r.Warnings(), nil
}

// brainMask returns the analysis mask over the image grid.
func brainMask(r bids.Run, bold string) ([]bool, error) {
	if r.MaskPath != "" {
		img, err := nifti.ReadFile(r.MaskPath)
		if err != nil {
			return nil, err
		}
		m := make([]bool, len(img.Data))
		for i, v := range img.Data {
			m[i] = v > 0
		}
		return m, nil
	}
	rd, err := nifti.Open(bold)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	mean := make([]float64, rd.VolumeLen())
	vol := make([]float64, rd.VolumeLen())
	nv := rd.NumVolumes()
	for t := 0; t < nv; t++ {
		if err := rd.NextVolume64(vol); err != nil {
			return nil, err
		}
		for i, v := range vol {
			mean[i] += v / float64(nv)
		}
	}
	var g float64
	for _, v := range mean {
		g += v / float64(len(mean))
	}
	var s float64
	c := 0
	for _, v := range mean {
		if v > g/8 {
			s += v
			c++
		}
	}
	if c == 0 {
		return nil, fmt.Errorf("read %s: the mean image has no signal", bold)
	}
	thr := 0.8 * s / float64(c)
	m := make([]bool, len(mean))
	for i, v := range mean {
		m[i] = v > thr
	}
	return m, nil
}

// Coords returns the world position (RAS mm) of each analysed voxel.
func (d *Data) Coords() []decoding.Coord {
	out := make([]decoding.Coord, len(d.Voxels))
	for k, v := range d.Voxels {
		i, j, l := d.IJK(v)
		p := [3]float64{float64(i), float64(j), float64(l)}
		var w [3]float64
		for r := 0; r < 3; r++ {
			w[r] = d.Affine[r][0]*p[0] + d.Affine[r][1]*p[1] + d.Affine[r][2]*p[2] + d.Affine[r][3]
		}
		out[k] = decoding.Coord{X: w[0], Y: w[1], Z: w[2]}
	}
	return out
}

// IJK returns the grid coordinates of a NIfTI linear index.
func (d *Data) IJK(v int) (i, j, k int) {
	return v % d.Grid[0], (v / d.Grid[0]) % d.Grid[1], v / (d.Grid[0] * d.Grid[1])
}
