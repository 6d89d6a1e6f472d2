package analysis

import (
	"fmt"
	"time"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/decoding"
	"fmriface/neuro/glm"
	"fmriface/util/progress"
)

// fitModelStreamed is FitModel for a subject read with ReadOptions.Stream:
// the same OLS fit, selection, decoders and repetition subsets, from
// cross-products accumulated one run at a time (glm.Stream), so that no
// more than one run's series is in memory. The ridge variant and the
// training-size curve refit the selected voxels' whole series and are not
// available this way.
func fitModelStreamed(d *Data, stim *Stimuli, m Model, opt FitOptions) (*ModelFit, error) {
	if opt.Ridge || len(opt.Curve) > 0 {
		return nil, fmt.Errorf("sub-%s %s: the ridge variant and the training-size curve need every selected voxel's series in memory; a streamed fit runs without them (fit --ridge=false --curve \"\")", d.Subject, m.Name)
	}
	mf := &ModelFit{Model: m.Name, L: m.L, NMask: len(d.Voxels), Decoded: map[string]*Decoded{},
		ROIErrors: map[string]string{}, Seconds: map[string]float64{}}
	tick := time.Now()
	lap := func(what string) {
		mf.Seconds[what] += time.Since(tick).Seconds()
		tick = time.Now()
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, "  sub-%s %s: %s %.1f s\n", d.Subject, m.Name, what, mf.Seconds[what])
		}
	}
	lay, err := BuildDesign(d, stim, DesignSpec{Latent: m.Latent, L: m.L, HighPass: opt.HighPass})
	if err != nil {
		return nil, err
	}
	mf.Layout = lay
	mf.Means = lay.Design.ModulatorMeans[CondFace]
	var sp *splitDesign
	if opt.Subsets > 1 {
		if sp, err = newSplitDesign(d, stim, m, opt, lay.Design.TaskNames); err != nil {
			return nil, err
		}
	}
	lap("design")

	var extra *mat.Dense
	if sp != nil {
		extra = sp.xf
	}
	st, err := lay.Design.NewStream(len(d.Voxels), extra)
	if err != nil {
		return nil, fmt.Errorf("sub-%s %s: %w", d.Subject, m.Name, err)
	}
	if err := streamRuns(d, m.Name, st, opt); err != nil {
		return nil, err
	}
	res, err := st.Result(glm.FitOptions{})
	if err != nil {
		return nil, fmt.Errorf("sub-%s %s: %w", d.Subject, m.Name, err)
	}
	lap("fit")
	bsel, err := mf.selectAndDecode(d, m, lay, res, opt, lap)
	if err != nil {
		return nil, err
	}
	res = nil
	lay.Design = nil
	if sp != nil {
		_, H := crossProducts(st.X(), bsel)
		var hf *mat.Dense
		if len(sp.fresh) > 0 {
			if hf, err = decoding.Columns(st.ExtraCross(), mf.Selected); err != nil {
				return nil, err
			}
		}
		if err := mf.solveSplits(d, opt.Subsets, sp, H, hf); err != nil {
			return nil, err
		}
		lap("subsets")
	}
	return mf, nil
}

// streamRuns reads the subject's runs and adds them to the stream in order,
// reading the next run while the current one is added (the reading is
// gzip-bound, the adding BLAS-bound).
func streamRuns(d *Data, model string, st *glm.Stream, opt FitOptions) error {
	type runData struct {
		y     *mat.Dense
		warns []string
		err   error
	}
	ch := make(chan runData, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(ch)
		for i := range d.Runs {
			y, warns, err := d.ReadRun(i)
			select {
			case ch <- runData{y, warns, err}:
			case <-done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var bar *progress.Bar
	if opt.Progress != nil {
		bar = progress.New(opt.Progress, "fit sub-"+d.Subject+" "+model, len(d.Runs))
		defer bar.Done()
	}
	i := 0
	for r := range ch {
		if r.err != nil {
			return r.err
		}
		if opt.Progress != nil {
			for _, w := range r.warns {
				fmt.Fprintf(opt.Progress, "warning: %s\n", w)
			}
		}
		if err := st.AddRun(i, r.y); err != nil {
			return fmt.Errorf("sub-%s %s: %w", d.Subject, model, err)
		}
		i++
		if bar != nil {
			bar.Add(1)
		}
	}
	if i != len(d.Runs) {
		return fmt.Errorf("sub-%s %s: read %d of %d runs", d.Subject, model, i, len(d.Runs))
	}
	return nil
}
