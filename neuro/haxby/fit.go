package haxby

import (
	"fmt"
	"io"
	"strings"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/glm"
	"fmriface/util/progress"
)

// GLMConfig is the GLM of every run (recorded in results.json).
type GLMConfig struct {
	HRF      string  `json:"hrf"`
	HighPass float64 `json:"high_pass_s"`
	SampleAt string  `json:"regressors_sampled_at"`
	Scaling  string  `json:"scaling"`
	Nuisance string  `json:"nuisance_per_run"`
}

// DefaultGLM is the configuration Fit uses.
var DefaultGLM = GLMConfig{
	HRF:      "SPM canonical double gamma (6 s / 16 s, ratio 6), boxcar blocks",
	HighPass: glm.DefaultHighPass,
	SampleAt: "middle of each TR",
	Scaling:  "each voxel in percent of its run mean (betas in % signal change)",
	Nuisance: "constant, DCT high-pass set, 6 motion estimates",
}

// Fits holds the GLM results of the dataset.
type Fits struct {
	// Betas[r] is run r's categories × mask voxels betas (rows in
	// Categories order): the patterns that are decoded.
	Betas []*mat.Dense
	// TFace is the face > mean of the 7 other categories t value of the
	// all-runs GLM per mask voxel; DOF its degrees of freedom.
	TFace []float64
	DOF   int
	// DCTColumns is the number of high-pass cosines per run.
	DCTColumns int
	// Dropped lists nuisance columns dropped as redundant (none expected).
	Dropped []string
}

// RunData returns run r's (0-based) data over the mask voxels, volumes ×
// voxels, in percent of each voxel's run mean.
func (d *Dataset) RunData(r int) (*mat.Dense, error) {
	run := d.Runs[r]
	nt, nv := len(run.Vols), len(d.Mask)
	Y := mat.NewDense(nt, nv, nil)
	for j, v := range d.Mask {
		mean := 0.0
		for t := 0; t < nt; t++ {
			mean += run.Vols[t][v]
		}
		mean /= float64(nt)
		if !(mean > 0) {
			return nil, fmt.Errorf("haxby: %s: voxel %d has mean %v", run.Dir, v, mean)
		}
		for t := 0; t < nt; t++ {
			Y.Set(t, j, 100*run.Vols[t][v]/mean)
		}
	}
	return Y, nil
}

// GLMRun returns the neuro/glm description of run r (0-based): one
// condition per category (in Categories order) and the motion confounds.
func (d *Dataset) GLMRun(r int) glm.Run {
	run := d.Runs[r]
	conds := make([]glm.Condition, len(Categories))
	for c, name := range Categories {
		conds[c].Name = name
		for _, e := range run.Events {
			if e.TrialType == name {
				conds[c].Events = append(conds[c].Events, glm.Event{Onset: e.Onset, Duration: e.Duration})
			}
		}
	}
	conf := mat.NewDense(len(run.Motion), len(MotionNames), nil)
	for t, row := range run.Motion {
		conf.SetRow(t, row)
	}
	return glm.Run{NumScans: len(run.Vols), Conditions: conds, Confounds: conf, ConfoundNames: MotionNames}
}

// RunDesign builds the GLM design of run r (0-based) alone.
func (d *Dataset) RunDesign(r int) (*glm.Design, error) {
	des, err := glm.BuildDesign([]glm.Run{d.GLMRun(r)}, glm.DesignOptions{TR: d.TR, HighPass: DefaultGLM.HighPass})
	if err != nil {
		return nil, fmt.Errorf("haxby: %s: %w", d.Runs[r].Dir, err)
	}
	return des, nil
}

// FitRun fits run r's GLM and returns its categories × mask voxels betas.
func (d *Dataset) FitRun(r int) (*mat.Dense, *glm.Design, error) {
	des, err := d.RunDesign(r)
	if err != nil {
		return nil, nil, err
	}
	Y, err := d.RunData(r)
	if err != nil {
		return nil, nil, err
	}
	res, err := des.FitInPlace(Y, glm.FitOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("haxby: %s: GLM: %w", d.Runs[r].Dir, err)
	}
	cols, err := res.Columns(Categories...)
	if err != nil {
		return nil, nil, fmt.Errorf("haxby: %s: %w", d.Runs[r].Dir, err)
	}
	B := mat.NewDense(len(Categories), len(d.Mask), nil)
	for c, j := range cols {
		B.SetRow(c, res.Beta.RawRowView(j))
	}
	return B, des, nil
}

// Fit fits every run's GLM, then the all-runs GLM for the face t map.
// Progress (one tick per GLM) goes to w, which may be nil.
func (d *Dataset) Fit(w io.Writer) (*Fits, error) {
	f := &Fits{}
	bar := progress.New(w, "fit GLMs", len(d.Runs)+1)
	bar.SetUnit("GLM")
	for r := range d.Runs {
		B, des, err := d.FitRun(r)
		if err != nil {
			return nil, err
		}
		f.Betas = append(f.Betas, B)
		f.Dropped = append(f.Dropped, des.Dropped...)
		if r == 0 {
			f.DCTColumns = 0
			for _, n := range des.Runs[0].NuisanceNames {
				if strings.Contains(n, ".dct") {
					f.DCTColumns++
				}
			}
		}
		bar.Add(1)
	}
	runs := make([]glm.Run, len(d.Runs))
	var blocks []*mat.Dense
	n := 0
	for r := range d.Runs {
		runs[r] = d.GLMRun(r)
		Y, err := d.RunData(r)
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, Y)
		n += runs[r].NumScans
	}
	des, err := glm.BuildDesign(runs, glm.DesignOptions{TR: d.TR, HighPass: DefaultGLM.HighPass})
	if err != nil {
		return nil, fmt.Errorf("haxby: all-runs GLM: %w", err)
	}
	Y := mat.NewDense(n, len(d.Mask), nil)
	row := 0
	for _, b := range blocks {
		nt, _ := b.Dims()
		Y.Slice(row, row+nt, 0, len(d.Mask)).(*mat.Dense).Copy(b)
		row += nt
	}
	res, err := des.FitInPlace(Y, glm.FitOptions{})
	if err != nil {
		return nil, fmt.Errorf("haxby: all-runs GLM: %w", err)
	}
	w8 := map[string]float64{}
	for _, c := range Categories {
		w8[c] = -1 / float64(len(Categories)-1)
	}
	w8["face"] = 1
	con, err := res.Contrast(w8)
	if err != nil {
		return nil, fmt.Errorf("haxby: face contrast: %w", err)
	}
	if f.TFace, err = res.T(con); err != nil {
		return nil, fmt.Errorf("haxby: face contrast: %w", err)
	}
	f.DOF = res.DOF
	bar.Add(1)
	bar.Done()
	return f, nil
}
