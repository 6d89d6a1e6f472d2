package analysis

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/glm"
)

// Trial types of ds001761's events (fixation trials are not modelled: they
// are the implicit baseline).
const (
	TrialTrain = "train_face"
	TrialTest  = "test_face"
	TrialImg   = "Img"
)

// Condition names of the design.
const (
	CondFace    = "face"        // training faces: main regressor (bias) + latent modulators
	CondUnused  = "face_unused" // training faces left out of a training-size subset
	CondOneBack = "oneback"
	CondImagery = "imagery"
	testPrefix  = "test:"
)

// LatentFunc returns the latent vector of a face key.
type LatentFunc func(key string) ([]float64, bool)

// DesignSpec says how to build a subject's design for one latent space.
type DesignSpec struct {
	Latent LatentFunc
	L      int // latent dimensions (modulators)
	// TrainKeep, when not nil, says which training faces (by key) carry the
	// modulators; the others go to the plain CondUnused regressor (the
	// training-size curve).
	TrainKeep func(key string) bool
	// TestSplits > 1 replaces each test face's pooled regressor by that many
	// regressors over disjoint subsets of its presentations (round-robin in
	// time order), for patterns from fewer trials.
	TestSplits int
	HighPass   float64 // DCT cutoff, s (0: SPM's 128 s)
}

// Layout is a built design and where its columns are.
type Layout struct {
	Design *glm.Design
	Face   int   // the face regressor (W's bias row)
	Mods   []int // the L modulators, in latent order
	// Tests[r][i] is the column of test face i (TestImages order) in split
	// r (one split when pooled); -1 when that split has no trial.
	Tests      [][]int
	TestTrials [][]int // presentations per split and face
	TestImages []string
	TestKeys   []string
	Imagery    int // -1 without imagery trials
	NTrain     int // training-face events with modulators
	NUnused    int
	NOneBack   int
	NImagery   int
	Ignored    map[string]int // trials of other types, by type (left unmodelled)
}

// TestFaces returns the test faces of the subject's events, by design image
// name (base name of stim_file), sorted, with their face keys.
func TestFaces(d *Data, stim *Stimuli) (images, keys []string, err error) {
	byImage := map[string]string{}
	for _, r := range d.Runs {
		for _, e := range r.Events {
			if e.TrialType != TrialTest || e.OneBack {
				continue
			}
			k, ok := stim.Map[e.StimFile]
			if !ok {
				return nil, nil, fmt.Errorf("sub-%s %s: test face %q has no entry in the stimulus mapping", d.Subject, runName(r.Entities), e.StimFile)
			}
			im := path.Base(e.StimFile)
			if prev, ok := byImage[im]; ok && prev != k {
				return nil, nil, fmt.Errorf("sub-%s: test image %s maps to two faces (%s, %s)", d.Subject, im, prev, k)
			}
			byImage[im] = k
		}
	}
	for im := range byImage {
		images = append(images, im)
	}
	sort.Strings(images)
	for _, im := range images {
		keys = append(keys, byImage[im])
	}
	if len(images) < 2 {
		return nil, nil, fmt.Errorf("sub-%s: %d test faces in the events, want at least 2", d.Subject, len(images))
	}
	return images, keys, nil
}

// BuildDesign builds the paper's GLM for a subject: training faces (main
// regressor + L modulators), one regressor per test face (all its
// presentations pooled, or split), one-back repeats, imagery blocks, and per
// run a constant, the DCT high-pass set and the 6 motion parameters.
func BuildDesign(d *Data, stim *Stimuli, spec DesignSpec) (*Layout, error) {
	if spec.L <= 0 {
		return nil, fmt.Errorf("analysis: latent size %d", spec.L)
	}
	images, keys, err := TestFaces(d, stim)
	if err != nil {
		return nil, err
	}
	b := &runBuilder{d: d, stim: stim, spec: spec, testIdx: map[string]int{}, splits: max(spec.TestSplits, 1)}
	for i, im := range images {
		b.testIdx[im] = i
	}
	b.lay = &Layout{TestImages: images, TestKeys: keys, Imagery: -1, Ignored: map[string]int{}}
	b.lay.TestTrials = make([][]int, b.splits)
	for r := range b.lay.TestTrials {
		b.lay.TestTrials[r] = make([]int, len(images))
	}
	b.seen = make([]int, len(images))
	b.modNames = make([]string, spec.L)
	for k := range b.modNames {
		b.modNames[k] = fmt.Sprintf("z%d", k+1)
	}
	var runs []glm.Run
	for _, r := range d.Runs {
		run, err := b.run(r)
		if err != nil {
			return nil, err
		}
		runs = append(runs, run)
	}
	lay := b.lay
	if lay.NTrain <= spec.L {
		return nil, fmt.Errorf("sub-%s: %d modulated training faces for %d latent modulators: the design cannot be full rank", d.Subject, lay.NTrain, spec.L)
	}
	des, err := glm.BuildDesign(runs, glm.DesignOptions{TR: d.Runs[0].TR, HighPass: spec.HighPass})
	if err != nil {
		return nil, fmt.Errorf("sub-%s: %w", d.Subject, err)
	}
	if err := lay.locateColumns(des, spec.L, b.splits); err != nil {
		return nil, fmt.Errorf("sub-%s: %w", d.Subject, err)
	}
	return lay, nil
}

// runBuilder turns a subject's runs into glm runs, counting the trials of
// each kind in lay.
type runBuilder struct {
	d        *Data
	stim     *Stimuli
	spec     DesignSpec
	lay      *Layout
	testIdx  map[string]int // test image → index in lay.TestImages
	seen     []int          // presentations of each test face so far, for the round-robin split
	modNames []string
	splits   int
}

// runEvents are one run's modelled events, by regressor.
type runEvents struct {
	face, unused, oneback, img []glm.Event
	mods                       []float64     // the face events' latents, len(face) × L
	tests                      [][]glm.Event // split s, test face i at s·len(images)+i
}

// run is the glm run of r: its conditions, in a fixed order, and its motion
// confounds.
func (b *runBuilder) run(r RunInfo) (glm.Run, error) {
	ev, err := b.sortEvents(r)
	if err != nil {
		return glm.Run{}, err
	}
	images := b.lay.TestImages
	run := glm.Run{NumScans: r.NVols}
	if len(ev.face) > 0 {
		run.Conditions = append(run.Conditions, glm.Condition{Name: CondFace, Events: ev.face,
			Modulators: mat.NewDense(len(ev.face), b.spec.L, ev.mods), ModulatorNames: b.modNames})
	}
	if len(ev.unused) > 0 {
		run.Conditions = append(run.Conditions, glm.Condition{Name: CondUnused, Events: ev.unused})
	}
	for s := 0; s < b.splits; s++ {
		for i, im := range images {
			if e := ev.tests[s*len(images)+i]; len(e) > 0 {
				run.Conditions = append(run.Conditions, glm.Condition{Name: testName(im, s, b.splits), Events: e})
			}
		}
	}
	if len(ev.oneback) > 0 {
		run.Conditions = append(run.Conditions, glm.Condition{Name: CondOneBack, Events: ev.oneback})
	}
	if len(ev.img) > 0 {
		run.Conditions = append(run.Conditions, glm.Condition{Name: CondImagery, Events: ev.img})
	}
	if r.Motion != nil {
		run.Confounds = r.Motion
		run.ConfoundNames = []string{"trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z"}
	}
	b.lay.NTrain += len(ev.face)
	b.lay.NUnused += len(ev.unused)
	b.lay.NOneBack += len(ev.oneback)
	b.lay.NImagery += len(ev.img)
	return run, nil
}

// sortEvents sorts the run's events by regressor: one-back repeats, the
// training faces (with their latents, or unused outside spec.TrainKeep),
// the test faces (round-robin over the splits) and imagery; other trial
// types are counted in lay.Ignored.
func (b *runBuilder) sortEvents(r RunInfo) (*runEvents, error) {
	d, spec, lay := b.d, b.spec, b.lay
	n := len(lay.TestImages)
	out := &runEvents{tests: make([][]glm.Event, b.splits*n)}
	for _, e := range r.Events {
		ev := glm.Event{Onset: e.Onset, Duration: e.Duration}
		switch {
		case e.OneBack:
			out.oneback = append(out.oneback, ev)
		case e.TrialType == TrialTrain:
			k, ok := b.stim.Map[e.StimFile]
			if !ok {
				return nil, fmt.Errorf("sub-%s %s: training face %q has no entry in the stimulus mapping", d.Subject, runName(r.Entities), e.StimFile)
			}
			if spec.TrainKeep != nil && !spec.TrainKeep(k) {
				out.unused = append(out.unused, ev)
				continue
			}
			z, ok := spec.Latent(k)
			if !ok || len(z) != spec.L {
				return nil, fmt.Errorf("sub-%s %s: no %d-D latent for training face %s (%s)", d.Subject, runName(r.Entities), spec.L, e.StimFile, k)
			}
			out.face = append(out.face, ev)
			out.mods = append(out.mods, z...)
		case e.TrialType == TrialTest:
			i := b.testIdx[path.Base(e.StimFile)]
			s := b.seen[i] % b.splits
			b.seen[i]++
			out.tests[s*n+i] = append(out.tests[s*n+i], ev)
			lay.TestTrials[s][i]++
		case e.TrialType == TrialImg:
			out.img = append(out.img, ev)
		default:
			lay.Ignored[e.TrialType]++
		}
	}
	return out, nil
}

// locateColumns records des and where its face, modulator, test and
// imagery columns are.
func (lay *Layout) locateColumns(des *glm.Design, L, splits int) error {
	lay.Design = des
	var ok bool
	if lay.Face, lay.Mods, ok = des.ConditionColumns(CondFace); !ok || len(lay.Mods) != L {
		return errors.New("the design has no modulated face regressor")
	}
	lay.Tests = make([][]int, splits)
	for s := range lay.Tests {
		lay.Tests[s] = make([]int, len(lay.TestImages))
		for i, im := range lay.TestImages {
			lay.Tests[s][i] = -1
			if j, ok := des.Column(testName(im, s, splits)); ok {
				lay.Tests[s][i] = j
			}
		}
	}
	if j, ok := des.Column(CondImagery); ok {
		lay.Imagery = j
	}
	return nil
}

func testName(image string, split, splits int) string {
	if splits == 1 {
		return testPrefix + image
	}
	return fmt.Sprintf("%s%s#%d", testPrefix, image, split+1)
}

// Sessions returns a fold label per run: its session (or the run itself
// when the dataset has no sessions).
func Sessions(d *Data) []int {
	labels := map[string]int{}
	out := make([]int, len(d.Runs))
	for i, r := range d.Runs {
		key := r.Session
		if strings.TrimSpace(key) == "" {
			key = fmt.Sprint("run", i)
		}
		if _, ok := labels[key]; !ok {
			labels[key] = len(labels)
		}
		out[i] = labels[key]
	}
	return out
}
