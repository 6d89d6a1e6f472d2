package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"fmriface/contract/simtruth"
	"fmriface/neuro/bids"
	"fmriface/neuro/nifti"
	"fmriface/util/progress"
)

// Options say where a simulation reads and writes.
type Options struct {
	DesignRoot string    // the ds001761 design (or the real dataset)
	Out        string    // the BIDS dataset to write
	Command    string    // the command line, recorded in the description
	Overwrite  bool      // replace an earlier simulation in Out
	Progress   io.Writer // progress bars and notes; nil = quiet
	// FeatureCache is where the brain v2 caches the face-feature network's
	// features of the stimuli ("" = no cache).
	FeatureCache string
}

// Noise sources, as percent signal change at noise scale 1.
const (
	trialNoise   = 0.3  // per voxel and trial, on the neural amplitude
	trialGain    = 0.1  // shared gain fluctuation per trial (fraction)
	scannerNoise = 0.8  // AR(1) noise, marginal standard deviation
	driftNoise   = 0.8  // slow drift per voxel (cosines of 1–3 half periods)
	globalDrift  = 0.4  // drift shared by every voxel of a run
	physioNoise  = 0.4  // shared physiological fluctuation (AR(1), φ = 0.8)
	moveStepMM   = 0.02 // random-walk step of the translations, mm per volume
	moveStepRad  = 3e-4 // random-walk step of the rotations, rad per volume

	repeatGain   = 0.85 // one-back repeats: repetition suppression
	imageryNoise = 0.15 // trial noise of an imagery block, relative
	wmBaseline   = 850.0
	gmBaseline   = 1000.0
	quantStep    = 0.25 // intensity units per int16 step
)

// incompleteMarker is present in Out while a simulation writes it.
const incompleteMarker = ".fmriface-sim-incomplete"

// subject is one virtual subject's state during a simulation.
type subject struct {
	label   string
	noise   float64
	design  *Design
	asg     *assignment
	anat    *Anatomy
	tun     *Tuning
	resp    []float32   // stimulus rows × cortical voxels
	rowOf   map[int]int // pool index → resp row
	brain   []int       // grid indices of the brain voxels
	cortexB []int       // position in brain of each cortical voxel
	s0      []float64   // baseline intensity per brain voxel
	grad    [][3]float64
	posMM   [][3]float64 // brain voxel positions relative to the centre, mm
	phi     []float64    // AR(1) coefficient per brain voxel
	physio  []float64    // physiological loading per brain voxel
	shifts  []float64    // HRF shift bins, s
	binOf   []int        // shift bin per cortical voxel
}

// Simulate writes the virtual subjects of cfg to opt.Out.
func Simulate(ctx context.Context, cfg Config, pool *Pool, opt Options) (*Summary, error) {
	start := time.Now()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := pool.Validate(); err != nil {
		return nil, err
	}
	if err := prepareOut(opt.Out, opt.Overwrite); err != nil {
		return nil, err
	}
	logf := func(format string, a ...any) {
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, format+"\n", a...)
		}
	}

	subs, totalRuns, ids, err := readSubjects(cfg, pool, opt.DesignRoot)
	if err != nil {
		return nil, err
	}
	sf, err := shownFeatures(ctx, pool, ids, opt.Progress)
	if err != nil {
		return nil, err
	}
	if cfg.isV2() {
		if err := sf.addV2Levels(ctx, cfg, pool, ids, opt); err != nil {
			return nil, err
		}
	}

	sum := &Summary{Config: cfg, Images: len(ids), Version: versionString()}
	hrf := newHRFTable()
	var runBar *progress.Bar
	if opt.Progress != nil {
		runBar = progress.New(opt.Progress, "runs", totalRuns)
	}
	figSub := cfg.FigureSubject
	if figSub == "" {
		figSub = cfg.Subjects[0]
	}
	var fig *figureData
	for _, s := range subs {
		ss, f, err := s.simulate(ctx, cfg, pool, opt.Out, hrf, sf, !cfg.NoFigure && s.label == figSub, runBar, opt.Progress)
		if err != nil {
			return nil, err
		}
		if f != nil {
			fig = f
		}
		sum.Subjects = append(sum.Subjects, ss)
		s.resp = nil // free the subject's responses before the next one
	}
	if runBar != nil {
		runBar.Done()
	}
	if err := writeDescriptions(opt.Out, cfg, opt.Command); err != nil {
		return nil, err
	}
	if fig != nil {
		logf("figure: face-vs-fixation GLM of sub-%s", fig.sub.label)
		fs, err := makeFigure(ctx, opt.Out, cfg, fig, hrf)
		if err != nil {
			return nil, err
		}
		sum.Figure = fs
	}
	if err := writeSummary(opt.Out, sum); err != nil {
		return nil, err
	}
	if err := os.Remove(filepath.Join(opt.Out, incompleteMarker)); err != nil {
		return nil, err
	}
	sum.Seconds = time.Since(start).Seconds()
	return sum, nil
}

// readSubjects reads each subject's design and assigns its stimuli. It also
// returns the number of runs over all subjects (for the progress bar) and the
// sorted pool indices of every face shown, whose features are computed once.
func readSubjects(cfg Config, pool *Pool, designRoot string) (subs []*subject, totalRuns int, shown []int, err error) {
	subs = make([]*subject, len(cfg.Subjects))
	used := map[int]bool{}
	for i, s := range cfg.Subjects {
		d, err := ReadDesign(designRoot, s, cfg.MaxRuns, cfg.NVols, cfg.TR)
		if err != nil {
			return nil, 0, nil, err
		}
		asg, err := assignStimuli(cfg.Seed, d, pool)
		if err != nil {
			return nil, 0, nil, err
		}
		subs[i] = &subject{label: d.Subject, noise: cfg.Noise[i], design: d, asg: asg}
		totalRuns += len(d.Runs)
		ids, _ := asg.stimulusRows()
		for _, id := range ids {
			used[id] = true
		}
	}
	shown = make([]int, 0, len(used))
	for id := range used {
		shown = append(shown, id)
	}
	sortInts(shown)
	return subs, totalRuns, shown, nil
}

// stimulusFeatures are what every subject's responses are computed from:
// the standardized features of the faces shown and the pool's z-scored
// attributes.
type stimulusFeatures struct {
	feat    []float32   // len(ids) × NumFeatures
	featRow map[int]int // pool index → row of feat
	attrZ   []float32   // len(pool.Faces) × nAttr
	nAttr   int
	// Brain v2 only: the low level (normalised Gabor energies, standardised,
	// like feat) and the mid and high levels projected on V2.Dims random
	// directions (rows of feat × Dims, standardised).
	low       []float32
	mid, high []float32
}

// shownFeatures computes the features of the faces ids (sorted pool
// indices), standardized over them, and the pool's attributes.
func shownFeatures(ctx context.Context, pool *Pool, ids []int, prog io.Writer) (*stimulusFeatures, error) {
	featRow := make(map[int]int, len(ids))
	for r, id := range ids {
		featRow[id] = r
	}
	var bar *progress.Bar
	tick := func() {}
	if prog != nil {
		bar = progress.New(prog, "features", len(ids))
		tick = func() { bar.Add(1) }
	}
	feat, err := imageFeatures(ctx, pool.Size, pool.Image, ids, tick)
	if bar != nil {
		bar.Done()
	}
	if err != nil {
		return nil, err
	}
	standardizeColumns(feat, len(ids), NumFeatures)
	return &stimulusFeatures{feat: feat, featRow: featRow, attrZ: poolAttributes(pool), nAttr: len(pool.AttrNames)}, nil
}

// simulate builds the subject, writes its ground truth and its runs, and
// summarises it. With figure, it also returns the figure's data: the
// noise-free signal of its first run.
func (s *subject) simulate(ctx context.Context, cfg Config, pool *Pool, out string, hrf *hrfTable, sf *stimulusFeatures, figure bool, runBar *progress.Bar, prog io.Writer) (SubjectSummary, *figureData, error) {
	if err := s.build(ctx, cfg, sf, prog); err != nil {
		return SubjectSummary{}, nil, err
	}
	if err := writeTruth(out, cfg, pool, s); err != nil {
		return SubjectSummary{}, nil, err
	}
	ss := SubjectSummary{Subject: s.label, Noise: s.noise, Runs: len(s.design.Runs),
		Voxels: len(s.brain), CorticalVoxels: len(s.anat.Cortex), ROIVoxels: map[string]int{},
		Stimuli: len(s.rowOf), GenderSwaps: s.asg.genderSwaps, Trials: map[string]int{}}
	for _, r := range s.tun.ROI {
		ss.ROIVoxels[ROINames[r]]++
	}
	var fig *figureData
	for ri, run := range s.design.Runs {
		if err := ctx.Err(); err != nil {
			return SubjectSummary{}, nil, err
		}
		rec := figure && ri == 0
		truth, err := s.simulateRun(cfg, out, hrf, run, rec)
		if err != nil {
			return SubjectSummary{}, nil, err
		}
		if rec {
			fig = &figureData{sub: s, truthRun0: truth}
		}
		for _, e := range run.Events {
			ss.Trials[e.TrialType]++
		}
		if runBar != nil {
			runBar.SetInfo("sub-" + s.label)
			runBar.Add(1)
		}
	}
	return ss, fig, nil
}

// prepareOut makes sure out is empty, or holds an earlier simulation that
// may be replaced, and marks it incomplete.
func prepareOut(out string, overwrite bool) error {
	ents, err := os.ReadDir(out)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("sim: output folder: %w", err)
	}
	if len(ents) > 0 {
		_, e1 := os.Stat(filepath.Join(out, incompleteMarker))
		d, e2 := bids.ReadDescription(filepath.Join(out, "dataset_description.json"))
		ours := e1 == nil || (e2 == nil && d.Extra["Simulated"] == true)
		switch {
		case !ours:
			return fmt.Errorf("sim: output folder %s is not empty and holds no earlier simulation: choose another", out)
		case !overwrite:
			return fmt.Errorf("sim: output folder %s holds an earlier simulation: pass the overwrite option to replace it", out)
		}
		if err := os.RemoveAll(out); err != nil {
			return fmt.Errorf("sim: remove the earlier simulation: %w", err)
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	return os.WriteFile(filepath.Join(out, incompleteMarker), []byte("a simulation is writing this folder, or was interrupted\n"), 0o644)
}

// poolAttributes z-scores the pool's attributes over all its faces:
// len(Faces) × len(AttrNames).
func poolAttributes(p *Pool) []float32 {
	n := len(p.AttrNames)
	a := make([]float32, len(p.Faces)*n)
	for i, f := range p.Faces {
		for k, v := range f.Attr {
			a[i*n+k] = float32(v)
		}
	}
	standardizeColumns(a, len(p.Faces), n)
	return a
}

// build makes the subject's brain and its responses to its stimuli (a
// progress bar on prog, when not nil: at the real grid's 90,000 cortical
// voxels the responses take minutes).
func (s *subject) build(ctx context.Context, cfg Config, sf *stimulusFeatures, prog io.Writer) error {
	g := cfg.grid()
	var err error
	if s.anat, err = makeAnatomy(cfg.Seed, s.label, g); err != nil {
		return err
	}
	nAttr := sf.nAttr
	s.tun = makeTuning(cfg.Seed, s.label, s.anat, nAttr)
	ids, rowOf := s.asg.stimulusRows()
	s.rowOf = rowOf
	if cfg.isV2() {
		if s.resp, err = s.responsesV2(ctx, cfg, sf, ids); err != nil {
			return err
		}
	} else {
		f := make([]float32, len(ids)*NumFeatures)
		at := make([]float32, len(ids)*nAttr)
		for r, id := range ids {
			copy(f[r*NumFeatures:], sf.feat[sf.featRow[id]*NumFeatures:(sf.featRow[id]+1)*NumFeatures])
			copy(at[r*nAttr:], sf.attrZ[id*nAttr:(id+1)*nAttr])
		}
		var tick func()
		if prog != nil {
			bar := progress.New(prog, "responses sub-"+s.label, len(ids))
			defer bar.Done()
			tick = func() { bar.Add(1) }
		}
		if s.resp, err = voxelResponses(ctx, f, at, len(ids), nAttr, s.tun, tick); err != nil {
			return err
		}
	}

	// Baseline intensity: grey matter brighter than white matter, with a
	// smooth coil-sensitivity-like modulation.
	bias := smoothField(newRNG(cfg.Seed, "sub-"+s.label, "field", "baseline"), g, 3, s.anat.Brain)
	base := make([]float64, g.Len())
	pos := map[int]int{}
	for n, in := range s.anat.Brain {
		if !in {
			continue
		}
		pos[n] = len(s.brain)
		s.brain = append(s.brain, n)
		b := wmBaseline
		if s.anat.Label[n] != ROINone {
			b = gmBaseline
		}
		base[n] = b * (1 + 0.06*bias[n])
	}
	s.cortexB = make([]int, len(s.anat.Cortex))
	for v, n := range s.anat.Cortex {
		s.cortexB[v] = pos[n]
	}
	s.s0 = make([]float64, len(s.brain))
	s.grad = make([][3]float64, len(s.brain))
	s.posMM = make([][3]float64, len(s.brain))
	s.phi = make([]float64, len(s.brain))
	s.physio = make([]float64, len(s.brain))
	stride := [3]int{1, g.Dims[0], g.Dims[0] * g.Dims[1]}
	for b, n := range s.brain {
		s.s0[b] = base[n]
		s.phi[b], s.physio[b] = 0.3, 0.6
		c := [3]int{}
		c[0], c[1], c[2] = g.Coords(n)
		for ax := 0; ax < 3; ax++ {
			s.posMM[b][ax] = (float64(c[ax]) - s.anat.centre[ax]) * g.VoxelMM
			// One-sided differences inside the brain: motion moves tissue
			// boundaries within it, not the brain's edge against the background.
			var lo, hi = n, n
			if c[ax] > 0 && s.anat.Brain[n-stride[ax]] {
				lo = n - stride[ax]
			}
			if c[ax] < g.Dims[ax]-1 && s.anat.Brain[n+stride[ax]] {
				hi = n + stride[ax]
			}
			if hi != lo {
				s.grad[b][ax] = (base[hi] - base[lo]) / (float64((hi-lo)/stride[ax]) * g.VoxelMM)
			}
		}
	}
	for v, b := range s.cortexB {
		s.phi[b], s.physio[b] = s.tun.ARPhi[v], s.tun.Physio[v]
	}
	nb := int(math.Round(2*maxHRFShift/shiftStep)) + 1
	s.shifts = make([]float64, nb)
	for i := range s.shifts {
		s.shifts[i] = -maxHRFShift + float64(i)*shiftStep
	}
	s.binOf = make([]int, len(s.anat.Cortex))
	for v, d := range s.tun.HRFShift {
		s.binOf[v] = int(math.Round((d + maxHRFShift) / shiftStep))
	}
	return nil
}

// runTruth is the noise-free task signal of one run (percent signal change),
// cortical voxels × volumes, kept for the figure.
type runTruth struct {
	signal [][]float64
}

// runSignal is one synthesized run, ready to be written.
type runSignal struct {
	series []float32   // brain voxels × volumes, voxel-major
	hi     float64     // largest intensity, for the images' scale
	motion [][]float64 // volumes × 6 motion parameters
	truth  *runTruth   // noise-free task signal; nil unless kept
}

// simulateRun simulates one run and writes its BOLD image, events, sidecar
// and confounds. With keep, it also returns the noise-free task signal.
func (s *subject) simulateRun(cfg Config, out string, hrf *hrfTable, run DesignRun, keep bool) (*runTruth, error) {
	sig := s.synthesizeRun(cfg, hrf, run, keep)
	if err := s.writeRun(cfg, out, run, sig); err != nil {
		return nil, err
	}
	return sig.truth, nil
}

// synthesizeRun makes one run's data: the task signal, then motion and the
// shared fluctuations, then every brain voxel's series. All draws come from
// the run's own stream, in that order, so the output depends on the seed,
// the subject and the run alone.
func (s *subject) synthesizeRun(cfg Config, hrf *hrfTable, run DesignRun, keep bool) *runSignal {
	rng := newRNG(cfg.Seed, "sub-"+s.label, "run", run.Prefix())
	task, truth := s.taskSignal(cfg, hrf, run, rng, keep)
	motion, physio, glob := s.runFluctuations(run.NVols, rng)
	series, hi := s.voxelSeries(run.NVols, task, motion, physio, glob, rng)
	return &runSignal{series: series, hi: hi, motion: motion, truth: truth}
}

// taskSignal is the run's task signal, cortical voxels × volumes (percent
// signal change): each face trial's amplitudes convolved with the voxel's
// shifted HRF. With keep it also returns the noise-free signal.
func (s *subject) taskSignal(cfg Config, hrf *hrfTable, run DesignRun, rng *rand.Rand, keep bool) ([][]float64, *runTruth) {
	T := run.NVols
	V := len(s.anat.Cortex)
	task := make([][]float64, V)
	for v := range task {
		task[v] = make([]float64, T)
	}
	var truth *runTruth
	if keep {
		truth = &runTruth{signal: make([][]float64, V)}
		for v := range truth.signal {
			truth.signal[v] = make([]float64, T)
		}
	}
	amp := make([]float64, V)
	clean := make([]float64, V)
	reg := make([][]float64, len(s.shifts)) // per shift bin, per volume of the window
	for b := range reg {
		reg[b] = make([]float64, T)
	}
	for _, e := range run.Events {
		if !s.trialAmplitudes(e, rng, amp, clean) {
			continue
		}
		// The trial's regressor for each HRF shift, over its window.
		i0 := max(0, int(math.Floor((e.Onset-maxHRFShift)/cfg.TR-0.5)))
		i1 := min(T, int(math.Ceil((e.Onset+e.Duration+hrfLength+maxHRFShift)/cfg.TR))+1)
		for b, d := range s.shifts {
			for i := i0; i < i1; i++ {
				t := (float64(i) + 0.5) * cfg.TR
				reg[b][i] = hrf.boxcar(t, e.Onset+d, e.Duration)
			}
		}
		for v := range task {
			x := reg[s.binOf[v]][i0:i1]
			y := task[v][i0:i1]
			a := amp[v]
			for i, xv := range x {
				y[i] += a * xv
			}
			if keep {
				y := truth.signal[v][i0:i1]
				for i, xv := range x {
					y[i] += clean[v] * xv
				}
			}
		}
	}
	return task, truth
}

// trialAmplitudes sets each cortical voxel's neural amplitude for one trial:
// amp with the trial's gain jitter and noise (drawn from rng), clean without
// them. It reports false, drawing nothing, for trials without a face.
func (s *subject) trialAmplitudes(e bids.Event, rng *rand.Rand, amp, clean []float64) bool {
	nu := s.noise
	V := len(amp)
	var row int
	gain, noise := 1.0, trialNoise*nu
	switch e.TrialType {
	case TrialTrain, TrialTest:
		row = s.rowOf[s.asg.poolOf[e.StimFile]]
		if e.OneBack {
			gain = repeatGain
		}
	case TrialImg:
		row = s.rowOf[s.asg.imgPool[s.asg.imagery.Target]]
		noise *= imageryNoise
	default: // fixation and anything else: no face, no response
		return false
	}
	jitter := 1 + trialGain*nu*rng.NormFloat64()
	r := s.resp[row*V : (row+1)*V]
	for v := range amp {
		c := s.tun.FaceBias[v] + s.tun.Modulation[v]*float64(r[v])
		var press float64
		if e.TrialType == TrialImg {
			c *= s.tun.Imagery[v]
		} else {
			c *= gain
			if e.OneBack {
				press = s.tun.Press[v]
			}
		}
		clean[v] = c + press
		amp[v] = c*jitter + press + noise*rng.NormFloat64()
	}
	return true
}

// runFluctuations draws what the run's voxels share: head motion (6 random
// walks in fMRIPrep's conventions: mm, rad, relative to the first volume),
// a physiological AR(1) series and the global drift's slope.
func (s *subject) runFluctuations(T int, rng *rand.Rand) (motion [][]float64, physio []float64, glob float64) {
	nu := s.noise
	motion = make([][]float64, T)
	for i := range motion {
		motion[i] = make([]float64, 6)
		if i == 0 {
			continue
		}
		for p := 0; p < 6; p++ {
			step := moveStepMM
			if p >= 3 {
				step = moveStepRad
			}
			motion[i][p] = motion[i-1][p] + step*nu*rng.NormFloat64()
		}
	}
	physio = make([]float64, T)
	physio[0] = rng.NormFloat64()
	for i := 1; i < T; i++ {
		physio[i] = 0.8*physio[i-1] + 0.6*rng.NormFloat64()
	}
	glob = globalDrift * nu * rng.NormFloat64()
	return motion, physio, glob
}

// voxelSeries is every brain voxel's intensity series (voxel-major): its
// baseline modulated by scanner noise, drift, the shared fluctuations and,
// in cortex, the task, then displaced by motion. hi is the largest value.
func (s *subject) voxelSeries(T int, task, motion [][]float64, physio []float64, glob float64, rng *rand.Rand) ([]float32, float64) {
	nu := s.noise
	cosines := make([][]float64, 3)
	for k := range cosines {
		cosines[k] = make([]float64, T)
		for i := range cosines[k] {
			cosines[k][i] = math.Cos(math.Pi * float64(k+1) * (float64(i) + 0.5) / float64(T))
		}
	}
	B := len(s.brain)
	series := make([]float32, B*T)
	isCortex := make([]int, B)
	for b := range isCortex {
		isCortex[b] = -1
	}
	for v, b := range s.cortexB {
		isCortex[b] = v
	}
	var hi float64
	for b := 0; b < B; b++ {
		phi := s.phi[b]
		sd := scannerNoise * nu
		innov := sd * math.Sqrt(1-phi*phi)
		e := sd * rng.NormFloat64()
		var c [3]float64
		for k := range c {
			c[k] = driftNoise * nu / float64(k+1) * rng.NormFloat64()
		}
		s0, gr, p := s.s0[b], s.grad[b], s.posMM[b]
		v := isCortex[b]
		for i := 0; i < T; i++ {
			if i > 0 {
				e = phi*e + innov*rng.NormFloat64()
			}
			pct := e + c[0]*cosines[0][i] + c[1]*cosines[1][i] + c[2]*cosines[2][i] +
				glob*(float64(i)/float64(T-1)-0.5) + physioNoise*nu*s.physio[b]*physio[i]
			if v >= 0 {
				pct += task[v][i]
			}
			m := motion[i]
			// Small-angle displacement of this voxel: translation + rotation × position.
			dx := m[0] + m[4]*p[2] - m[5]*p[1]
			dy := m[1] + m[5]*p[0] - m[3]*p[2]
			dz := m[2] + m[3]*p[1] - m[4]*p[0]
			val := s0*(1+pct/100) - (gr[0]*dx + gr[1]*dy + gr[2]*dz)
			series[b*T+i] = float32(val)
			hi = math.Max(hi, val)
		}
	}
	return series, hi
}

// writeRun writes a synthesized run: its BOLD image, then the real events,
// the sidecar and the confounds (motion, global signal, framewise
// displacement) into the ground-truth derivatives.
func (s *subject) writeRun(cfg Config, out string, run DesignRun, sig *runSignal) error {
	e := run.Entities
	global, err := s.writeBOLD(cfg, e.File(out, "bold", ".nii.gz"), run.NVols, sig)
	if err != nil {
		return err
	}
	if err := bids.WriteEvents(e.File(out, "events", ".tsv"), run.Events); err != nil {
		return err
	}
	side := bids.Sidecar{RepetitionTime: cfg.TR, SliceTiming: sliceTiming(cfg), TaskName: e.Task, Extra: map[string]any{
		"Simulated": true,
		"SimulationNote": "virtual subject made by fmriface (not real brain data); events are the real ds001761 subject's; " +
			"every voxel of a volume is sampled at the middle of its TR, hence one SliceTiming value for all slices",
	}}
	if err := bids.WriteSidecar(e.File(out, "bold", ".json"), side); err != nil {
		return err
	}
	cols := append(bids.MotionColumns(), "global_signal", "framewise_displacement")
	return bids.WriteConfounds(e.DerivFile(simtruth.Dir(out), "", "confounds", "timeseries", ".tsv"), cols, confoundRows(sig.motion, global))
}

// sliceTiming is the acquisition time of each slice within a volume: the
// simulator samples every voxel at the middle of the TR (taskSignal's
// (i + 0.5)·TR, where the analysis evaluates its regressors too), so every
// slice has TR/2. The real ds001761 sidecars give no SliceTiming.
func sliceTiming(cfg Config) []float64 {
	st := make([]float64, cfg.Grid[2])
	for i := range st {
		st[i] = cfg.TR / 2
	}
	return st
}

// writeBOLD writes the run's series as an int16 NIfTI image on the grid
// (0 outside the brain) and returns the global signal, the mean over the
// brain of each volume as written.
func (s *subject) writeBOLD(cfg Config, path string, T int, sig *runSignal) ([]float64, error) {
	h := nifti.NewHeader(nifti.Int16, cfg.Grid[0], cfg.Grid[1], cfg.Grid[2], T)
	h.PixDim[1], h.PixDim[2], h.PixDim[3] = float32(cfg.VoxelMM), float32(cfg.VoxelMM), float32(cfg.VoxelMM)
	h.SetTR(cfg.TR)
	// Steps of 0.25 (0.025 % of the grey-matter baseline, a thirtieth of the
	// scanner noise at noise scale 1) keep the files small; the intercept is 0
	// so that the background stays exactly 0.
	h.SclSlope, h.SclInter = float32(math.Max(quantStep, sig.hi/32000)), 0
	aff := cfg.grid().Affine()
	h.SetSform(aff, nifti.XformScanner)
	if err := h.SetQform(aff, nifti.XformScanner); err != nil {
		return nil, err
	}
	h.Descrip = "fmriface SIMULATED virtual subject"
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	w, err := nifti.Create(path, h)
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	B := len(s.brain)
	vol := make([]float32, w.VolumeLen())
	global := make([]float64, T)
	for i := 0; i < T; i++ {
		var gs float64
		for b, n := range s.brain {
			vol[n] = sig.series[b*T+i]
			gs += float64(vol[n])
		}
		global[i] = gs / float64(B)
		if err := w.WriteVolume(vol); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return global, nil
}

// confoundRows are the confounds per volume: the 6 motion parameters, the
// global signal and the framewise displacement (NaN for the first volume).
func confoundRows(motion [][]float64, global []float64) [][]float64 {
	rows := make([][]float64, len(motion))
	for i := range rows {
		fd := math.NaN()
		if i > 0 {
			fd = 0
			for p := 0; p < 6; p++ {
				d := math.Abs(motion[i][p] - motion[i-1][p])
				if p >= 3 {
					d *= 50 // Power et al.: rotations on a 50 mm sphere
				}
				fd += d
			}
		}
		rows[i] = append(append([]float64{}, motion[i]...), global[i], fd)
	}
	return rows
}
