package haxby

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fmriface/neuro/bids"
	"fmriface/neuro/nifti"
	"fmriface/neuro/tsv"
	"fmriface/util/progress"
)

// Categories are the 8 stimulus categories in the order used throughout
// (rows and columns of every matrix): the trial_type values of the events.
var Categories = []string{"face", "house", "cat", "shoe", "scissors", "chair", "bottle", "scrambledpix"}

// File names inside each run folder.
const (
	BoldFile   = "bold_1slice.nii.gz"
	EventsFile = "bold_events.tsv"
	MotionFile = "bold_moest.txt"
)

// MotionNames names the 6 columns of bold_moest.txt (3 rotations, then 3
// translations, as the dataset's README says).
var MotionNames = []string{"rot1", "rot2", "rot3", "trans1", "trans2", "trans3"}

// Run is one fMRI run: its volumes over the whole slice and its design.
type Run struct {
	Index  int         // 1-based, from the folder name run-NNN
	Dir    string      // the run folder
	Vols   [][]float64 // volumes × (NX·NY) voxels, x fastest
	Events []bids.Event
	Motion [][]float64 // volumes × 6
}

// Dataset is the loaded slice data of one subject.
type Dataset struct {
	Root      string
	Subject   string
	NX, NY    int
	VoxelSize [3]float64 // mm
	Affine    [4][4]float64
	TR        float64 // s
	Runs      []Run
	Mask      []int // voxel indices (x + NX·y) non-zero in every volume of every run
}

// NumVoxels is the number of voxels of the slice grid.
func (d *Dataset) NumVoxels() int { return d.NX * d.NY }

// Load reads sub-1/run-*/ under root. Progress (one tick per run) goes to
// w, which may be nil.
func Load(root string, w io.Writer) (*Dataset, error) {
	sub := "sub-1"
	subDir := filepath.Join(root, sub)
	entries, err := os.ReadDir(subDir)
	if err != nil {
		return nil, fmt.Errorf("haxby: %w (is %s the haxby2001 folder?)", err, root)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "run-") {
			dirs = append(dirs, e.Name())
		}
	}
	slices.Sort(dirs)
	if len(dirs) < 2 {
		return nil, fmt.Errorf("haxby: %s has %d run-* folders, need at least 2 for leave-one-run-out", subDir, len(dirs))
	}
	d := &Dataset{Root: root, Subject: sub}
	bar := progress.New(w, "load runs", len(dirs))
	bar.SetUnit("run")
	for _, name := range dirs {
		var idx int
		if _, err := fmt.Sscanf(name, "run-%d", &idx); err != nil || idx <= 0 {
			return nil, fmt.Errorf("haxby: %s: folder name is not run-NNN", filepath.Join(subDir, name))
		}
		r, err := d.loadRun(filepath.Join(subDir, name), idx)
		if err != nil {
			return nil, err
		}
		d.Runs = append(d.Runs, r)
		bar.Add(1)
	}
	bar.Done()
	d.Mask = d.commonMask()
	if len(d.Mask) == 0 {
		return nil, fmt.Errorf("haxby: %s: no voxel is non-zero in every volume of every run", subDir)
	}
	return d, nil
}

func (d *Dataset) loadRun(dir string, idx int) (Run, error) {
	r := Run{Index: idx, Dir: dir}
	boldPath := filepath.Join(dir, BoldFile)
	im, err := nifti.ReadFile(boldPath)
	if err != nil {
		return r, fmt.Errorf("haxby: %w", err)
	}
	h := im.Header
	if len(h.Dim) < 2 {
		return r, fmt.Errorf("haxby: %s: image is %s, want one axial slice (X×Y×1×T)", boldPath, h.DimString())
	}
	nx, ny := h.Dim[0], h.Dim[1]
	if h.VolumeLen() != nx*ny {
		return r, fmt.Errorf("haxby: %s: image is %s, want one axial slice (X×Y×1×T)", boldPath, h.DimString())
	}
	nt := h.NumVolumes()
	if nt < 10 {
		return r, fmt.Errorf("haxby: %s: only %d volumes", boldPath, nt)
	}
	tr := h.TR()
	if !(tr > 0) {
		return r, fmt.Errorf("haxby: %s: header has no repetition time (pixdim[4] = %v)", boldPath, tr)
	}
	if d.NX == 0 {
		d.NX, d.NY, d.TR, d.VoxelSize, d.Affine = nx, ny, tr, h.VoxelSize(), h.Affine()
	} else if nx != d.NX || ny != d.NY || math.Abs(tr-d.TR) > 1e-6 {
		return r, fmt.Errorf("haxby: %s: grid %d×%d, TR %v s differ from the first run's %d×%d, %v s", boldPath, nx, ny, tr, d.NX, d.NY, d.TR)
	}
	r.Vols = make([][]float64, nt)
	for t := range r.Vols {
		r.Vols[t] = im.Volume(t)
	}

	evPath := filepath.Join(dir, EventsFile)
	ev, err := bids.ReadEvents(evPath)
	if err != nil {
		return r, fmt.Errorf("haxby: %w", err)
	}
	seen := map[string]bool{}
	dur := float64(nt) * tr
	for i, e := range ev {
		if !slices.Contains(Categories, e.TrialType) {
			return r, fmt.Errorf("haxby: %s: line %d: trial_type %q is not one of %s", evPath, i+2, e.TrialType, strings.Join(Categories, ", "))
		}
		if e.Onset < 0 || e.Onset+e.Duration > dur {
			return r, fmt.Errorf("haxby: %s: line %d: block [%v, %v) s falls outside the run's %v s", evPath, i+2, e.Onset, e.Onset+e.Duration, dur)
		}
		seen[e.TrialType] = true
	}
	for _, c := range Categories {
		if !seen[c] {
			return r, fmt.Errorf("haxby: %s: no %q block; every run needs all %d categories", evPath, c, len(Categories))
		}
	}
	r.Events = ev

	moPath := filepath.Join(dir, MotionFile)
	mo, err := tsv.ReadMatrix(moPath, len(MotionNames))
	if err != nil {
		return r, fmt.Errorf("haxby: %w", err)
	}
	if len(mo) != nt {
		return r, fmt.Errorf("haxby: %s: %d rows of motion estimates for %d volumes in %s", moPath, len(mo), nt, BoldFile)
	}
	r.Motion = mo
	return r, nil
}

func (d *Dataset) commonMask() []int {
	var mask []int
	for v := 0; v < d.NumVoxels(); v++ {
		ok := true
		for _, r := range d.Runs {
			for _, vol := range r.Vols {
				if !(vol[v] > 0) {
					ok = false
					break
				}
			}
			if !ok {
				break
			}
		}
		if ok {
			mask = append(mask, v)
		}
	}
	return mask
}

// MeanImage returns the mean over all volumes of all runs, per voxel of the
// slice grid.
func (d *Dataset) MeanImage() []float64 {
	m := make([]float64, d.NumVoxels())
	n := 0
	for _, r := range d.Runs {
		for _, vol := range r.Vols {
			for v, x := range vol {
				m[v] += x
			}
			n++
		}
	}
	for v := range m {
		m[v] /= float64(n)
	}
	return m
}
