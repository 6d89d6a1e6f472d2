package analysis

import (
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
		return nil, fmt.Errorf("fmripipe: latent size %d", spec.L)
	}
	images, keys, err := TestFaces(d, stim)
	if err != nil {
		return nil, err
	}
	testIdx := map[string]int{}
	for i, im := range images {
		testIdx[im] = i
	}
	splits := max(spec.TestSplits, 1)
	lay := &Layout{TestImages: images, TestKeys: keys, Imagery: -1, Ignored: map[string]int{}}
	lay.TestTrials = make([][]int, splits)
	for r := range lay.TestTrials {
		lay.TestTrials[r] = make([]int, len(images))
	}
	seen := make([]int, len(images)) // presentations so far, for the round-robin split
	modNames := make([]string, spec.L)
	for k := range modNames {
		modNames[k] = fmt.Sprintf("z%d", k+1)
	}
	var runs []glm.Run
	for _, r := range d.Runs {
		var face, unused, oneback, img []glm.Event
		var mods []float64
		tests := make([][]glm.Event, splits*len(images))
		for _, e := range r.Events {
			ev := glm.Event{Onset: e.Onset, Duration: e.Duration}
			switch {
			case e.OneBack:
				oneback = append(oneback, ev)
			case e.TrialType == TrialTrain:
				k, ok := stim.Map[e.StimFile]
				if !ok {
					return nil, fmt.Errorf("sub-%s %s: training face %q has no entry in the stimulus mapping", d.Subject, runName(r.Entities), e.StimFile)
				}
				if spec.TrainKeep != nil && !spec.TrainKeep(k) {
					unused = append(unused, ev)
					continue
				}
				z, ok := spec.Latent(k)
				if !ok || len(z) != spec.L {
					return nil, fmt.Errorf("sub-%s %s: no %d-D latent for training face %s (%s)", d.Subject, runName(r.Entities), spec.L, e.StimFile, k)
				}
				face = append(face, ev)
				mods = append(mods, z...)
			case e.TrialType == TrialTest:
				i := testIdx[path.Base(e.StimFile)]
				s := seen[i] % splits
				seen[i]++
				tests[s*len(images)+i] = append(tests[s*len(images)+i], ev)
				lay.TestTrials[s][i]++
			case e.TrialType == TrialImg:
				img = append(img, ev)
			default:
				lay.Ignored[e.TrialType]++
			}
		}
		run := glm.Run{NumScans: r.NVols}
		if len(face) > 0 {
			run.Conditions = append(run.Conditions, glm.Condition{Name: CondFace, Events: face,
				Modulators: mat.NewDense(len(face), spec.L, mods), ModulatorNames: modNames})
		}
		if len(unused) > 0 {
			run.Conditions = append(run.Conditions, glm.Condition{Name: CondUnused, Events: unused})
		}
		for s := 0; s < splits; s++ {
			for i, im := range images {
				if ev := tests[s*len(images)+i]; len(ev) > 0 {
					run.Conditions = append(run.Conditions, glm.Condition{Name: testName(im, s, splits), Events: ev})
				}
			}
		}
		if len(oneback) > 0 {
			run.Conditions = append(run.Conditions, glm.Condition{Name: CondOneBack, Events: oneback})
		}
		if len(img) > 0 {
			run.Conditions = append(run.Conditions, glm.Condition{Name: CondImagery, Events: img})
		}
		if r.Motion != nil {
			run.Confounds = r.Motion
			run.ConfoundNames = []string{"trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z"}
		}
		lay.NTrain += len(face)
		lay.NUnused += len(unused)
		lay.NOneBack += len(oneback)
		lay.NImagery += len(img)
		runs = append(runs, run)
	}
	if lay.NTrain <= spec.L {
		return nil, fmt.Errorf("sub-%s: %d modulated training faces for %d latent modulators: the design cannot be full rank", d.Subject, lay.NTrain, spec.L)
	}
	des, err := glm.BuildDesign(runs, glm.DesignOptions{TR: d.Runs[0].TR, HighPass: spec.HighPass})
	if err != nil {
		return nil, fmt.Errorf("sub-%s: %w", d.Subject, err)
	}
	lay.Design = des
	var ok bool
	if lay.Face, lay.Mods, ok = des.ConditionColumns(CondFace); !ok || len(lay.Mods) != spec.L {
		return nil, fmt.Errorf("sub-%s: the design has no modulated face regressor", d.Subject)
	}
	lay.Tests = make([][]int, splits)
	for s := range lay.Tests {
		lay.Tests[s] = make([]int, len(images))
		for i, im := range images {
			lay.Tests[s][i] = -1
			if j, ok := des.Column(testName(im, s, splits)); ok {
				lay.Tests[s][i] = j
			}
		}
	}
	if j, ok := des.Column(CondImagery); ok {
		lay.Imagery = j
	}
	return lay, nil
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
