package analysis

import (
	"fmt"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/decoding"
	"fmriface/neuro/glm"
	"fmriface/util/progress"
)

// FitModels fits several latent spaces to the same subject. For a subject
// read with ReadOptions.Stream it reads the runs once for all of them
// (reading and decompressing the runs costs as much as a model's fit);
// otherwise it is FitModel for each in turn.
func FitModels(d *Data, stim *Stimuli, ms []Model, opt FitOptions) ([]*ModelFit, error) {
	out := make([]*ModelFit, len(ms))
	err := FitModelsEach(d, stim, ms, opt, func(i int, mf *ModelFit) error { out[i] = mf; return nil })
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FitModelsEach is FitModels that hands each model's fit to each (with its
// index in ms) as soon as it is made, so that the caller can write it out
// and drop it before the next model is solved: at the real study's scale a
// fit's W and decoders are gigabytes.
func FitModelsEach(d *Data, stim *Stimuli, ms []Model, opt FitOptions, each func(i int, mf *ModelFit) error) error {
	opt.defaults()
	if !d.Streamed() {
		for i, m := range ms {
			mf, err := FitModel(d, stim, m, opt)
			if err != nil {
				return err
			}
			if err := each(i, mf); err != nil {
				return err
			}
		}
		return nil
	}
	return fitModelsStreamed(d, stim, ms, opt, each)
}

// streamedModel is one model's state during a streamed fit.
type streamedModel struct {
	m   Model
	mf  *ModelFit
	lay *Layout
	sp  *splitDesign
	st  *glm.Stream
}

// fitModelsStreamed is FitModel for a subject read with ReadOptions.Stream:
// the same OLS fit, selection, decoders and repetition subsets, from
// cross-products accumulated one run at a time (glm.Stream), so that no
// more than one run's series (and the next one, read ahead) is in memory.
// The ridge variant and the training-size curve refit the selected voxels'
// whole series and are not available this way.
func fitModelsStreamed(d *Data, stim *Stimuli, ms []Model, opt FitOptions, each func(int, *ModelFit) error) error {
	if opt.Ridge || len(opt.Curve) > 0 {
		return fmt.Errorf("sub-%s: the ridge variant and the training-size curve need every selected voxel's series in memory; a streamed fit runs without them (fit --ridge=false --curve \"\")", d.Subject)
	}
	sms := make([]*streamedModel, len(ms))
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
		sm := &streamedModel{m: m, mf: &ModelFit{Model: m.Name, L: m.L, NMask: len(d.Voxels), Decoded: map[string]*Decoded{},
			ROIErrors: map[string]string{}, Seconds: map[string]float64{}}}
		t0 := time.Now()
		var err error
		if sm.lay, err = BuildDesign(d, stim, DesignSpec{Latent: m.Latent, L: m.L, HighPass: opt.HighPass}); err != nil {
			return err
		}
		sm.mf.Layout = sm.lay
		sm.mf.Means = sm.lay.Design.ModulatorMeans[CondFace]
		var extra *mat.Dense
		if opt.Subsets > 1 {
			if sm.sp, err = newSplitDesign(d, stim, m, opt, sm.lay.Design.TaskNames); err != nil {
				return err
			}
			extra = sm.sp.xf
		}
		if sm.st, err = sm.lay.Design.NewStream(len(d.Voxels), extra); err != nil {
			return fmt.Errorf("sub-%s %s: %w", d.Subject, m.Name, err)
		}
		sm.mf.Seconds["design"] = time.Since(t0).Seconds()
		sms[i] = sm
	}
	t0 := time.Now()
	if err := streamRuns(d, strings.Join(names, "+"), sms, opt); err != nil {
		return err
	}
	for _, sm := range sms {
		// The runs' reading and projection are shared; each model's
		// share of the pass is its part of the whole.
		sm.mf.Seconds["fit"] = time.Since(t0).Seconds() / float64(len(sms))
	}
	for i, sm := range sms {
		if err := sm.finish(d, opt); err != nil {
			return err
		}
		mf := sm.mf
		sms[i], sm = nil, nil // free its cross-products and designs before the next model's solve
		if err := each(i, mf); err != nil {
			return err
		}
	}
	return nil
}

// finish solves a model's streamed fit: selection, decoders, subsets.
func (sm *streamedModel) finish(d *Data, opt FitOptions) error {
	mf, m, lay := sm.mf, sm.m, sm.lay
	tick := time.Now()
	lap := func(what string) {
		mf.Seconds[what] += time.Since(tick).Seconds()
		tick = time.Now()
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, "  sub-%s %s: %s %.1f s\n", d.Subject, m.Name, what, mf.Seconds[what])
		}
	}
	res, err := sm.st.Result(glm.FitOptions{})
	if err != nil {
		return fmt.Errorf("sub-%s %s: %w", d.Subject, m.Name, err)
	}
	lap("solve")
	bsel, err := mf.selectAndDecode(d, m, lay, res, opt, lap)
	if err != nil {
		return err
	}
	res = nil
	lay.Design = nil
	if sm.sp != nil {
		_, H := crossProducts(sm.st.X(), bsel)
		var hf *mat.Dense
		if len(sm.sp.fresh) > 0 {
			if hf, err = decoding.Columns(sm.st.ExtraCross(), mf.Selected); err != nil {
				return err
			}
		}
		if err := mf.solveSplits(d, opt.Subsets, sm.sp, H, hf); err != nil {
			return err
		}
		lap("subsets")
	}
	return nil
}

// streamRuns reads the subject's runs and adds them to the stream in order,
// reading the next run while the current one is added (the reading is
// gzip-bound, the adding BLAS-bound).
func streamRuns(d *Data, model string, sms []*streamedModel, opt FitOptions) error {
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
		// Every model's design has the same nuisance columns (those of the
		// run), so the projection AddRun applies to r.y in place is the
		// same for all: the later models' projections leave it unchanged.
		for _, sm := range sms {
			if err := sm.st.AddRun(i, r.y); err != nil {
				return fmt.Errorf("sub-%s %s: %w", d.Subject, sm.m.Name, err)
			}
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
