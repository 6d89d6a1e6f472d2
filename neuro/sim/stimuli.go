package sim

import (
	"fmt"
	"math/rand/v2"
	"path"
	"slices"
	"sort"
	"strings"

	"fmriface/contract/simtruth"
)

// NumImageryCandidates is the size of the imagery set (the paper's 20).
const NumImageryCandidates = 20

// assignment is a subject's stimuli, with pool indices for the simulation.
type assignment struct {
	maps     []simtruth.StimulusMapping // sorted by StimFile
	poolOf   map[string]int             // stim_file → pool index
	test     []simtruth.FaceRef         // sorted by Image
	testPool []int
	imagery  simtruth.Imagery
	imgPool  []int // candidates' pool indices; imgPool[imagery.Target] is the imagined face
	// genderSwaps counts training images given a face of the other gender
	// than their F/M name because the pool ran out.
	genderSwaps int
}

// genderOf reads the design's gender from an image name: ds001761 names
// female faces F*.jpg and male faces M*.jpg. ok is false for other names.
func genderOf(image string) (male, ok bool) {
	switch {
	case strings.HasPrefix(image, "M"):
		return true, true
	case strings.HasPrefix(image, "F"):
		return false, true
	}
	return false, false
}

// facePicker hands out distinct pool faces of a requested gender, in a
// seeded random order, falling back to the other gender when one runs out.
type facePicker struct {
	byMale  [2][]int
	next    [2]int
	swapped int // faces given with the other gender than asked
}

func newPicker(rng *rand.Rand, pool *Pool, idx []int, exclude map[int]bool) *facePicker {
	p := &facePicker{}
	for _, i := range idx {
		if exclude[i] {
			continue
		}
		g := 0
		if pool.Faces[i].Male {
			g = 1
		}
		p.byMale[g] = append(p.byMale[g], i)
	}
	for g := range p.byMale {
		rng.Shuffle(len(p.byMale[g]), func(a, b int) { p.byMale[g][a], p.byMale[g][b] = p.byMale[g][b], p.byMale[g][a] })
	}
	return p
}

func (p *facePicker) left() int { return len(p.byMale[0]) - p.next[0] + len(p.byMale[1]) - p.next[1] }

// take returns a face of the asked gender (either when any), or -1 when the
// pool is exhausted.
func (p *facePicker) take(male, any bool) int {
	g := 0
	if male {
		g = 1
	}
	if any && p.next[1-g] < len(p.byMale[1-g]) && p.next[g] >= len(p.byMale[g]) {
		g = 1 - g
	}
	if p.next[g] >= len(p.byMale[g]) {
		if any || p.next[1-g] >= len(p.byMale[1-g]) {
			return -1
		}
		g = 1 - g
		p.swapped++
	}
	i := p.byMale[g][p.next[g]]
	p.next[g]++
	return i
}

// takeStrict returns a face of exactly the asked gender, or -1.
func (p *facePicker) takeStrict(male bool) int {
	g := 0
	if male {
		g = 1
	}
	if p.next[g] >= len(p.byMale[g]) {
		return -1
	}
	i := p.byMale[g][p.next[g]]
	p.next[g]++
	return i
}

// assignStimuli maps the design's images to pool faces: training images to
// the pool's training part (same gender as the design's F/M name where the
// pool allows), test images to its test part, and an imagery set of 10 male
// and 10 female test-part faces disjoint from the test faces.
func assignStimuli(seed int64, d *Design, pool *Pool) (*assignment, error) {
	sub := d.Subject
	trainImgs := map[string]bool{}
	testImgs := map[string]bool{}
	stimType := map[string]string{}
	for _, r := range d.Runs {
		for _, e := range r.Events {
			if e.TrialType != TrialTrain && e.TrialType != TrialTest {
				continue
			}
			img := path.Base(e.StimFile)
			if t, ok := stimType[e.StimFile]; ok && t != e.TrialType {
				return nil, fmt.Errorf("sim: sub-%s: stim_file %s is both %s and %s", sub, e.StimFile, t, e.TrialType)
			}
			stimType[e.StimFile] = e.TrialType
			if e.TrialType == TrialTrain {
				trainImgs[img] = true
			} else {
				testImgs[img] = true
			}
		}
	}
	for img := range testImgs {
		if trainImgs[img] {
			return nil, fmt.Errorf("sim: sub-%s: image %s is both a training and a test face", sub, img)
		}
	}
	a := &assignment{poolOf: map[string]int{}}
	imgPool := map[string]int{}

	// Test faces and imagery candidates come from the test part, disjoint.
	testPick := newPicker(newRNG(seed, "sub-"+sub, "test-faces"), pool, pool.Test, nil)
	tests := sortedKeys(testImgs)
	for _, img := range tests {
		male, known := genderOf(img)
		i := testPick.take(male, !known)
		if i < 0 {
			return nil, fmt.Errorf("sim: sub-%s: the pool's test part (%d faces) is too small for %d test faces", sub, len(pool.Test), len(tests))
		}
		imgPool[img] = i
		a.test = append(a.test, simtruth.FaceRef{Image: img, CelebA: pool.Faces[i].Name, Male: pool.Faces[i].Male})
		a.testPool = append(a.testPool, i)
	}
	if testPick.swapped > 0 {
		return nil, fmt.Errorf("sim: sub-%s: the pool's test part lacks faces of one gender for the test faces", sub)
	}
	for k := 0; k < NumImageryCandidates; k++ {
		i := testPick.takeStrict(k%2 == 0)
		if i < 0 {
			return nil, fmt.Errorf("sim: sub-%s: the pool's test part (%d faces) is too small for %d test faces plus %d imagery candidates (half male)", sub, len(pool.Test), len(tests), NumImageryCandidates)
		}
		a.imgPool = append(a.imgPool, i)
		a.imagery.Candidates = append(a.imagery.Candidates, simtruth.FaceRef{CelebA: pool.Faces[i].Name, Male: pool.Faces[i].Male})
	}
	a.imagery.Target = newRNG(seed, "sub-"+sub, "imagined").IntN(NumImageryCandidates)

	// Training faces, same gender as named where possible.
	trainPick := newPicker(newRNG(seed, "sub-"+sub, "train-faces"), pool, pool.Train, nil)
	trains := sortedKeys(trainImgs)
	if len(trains) > trainPick.left() {
		return nil, fmt.Errorf("sim: sub-%s: the design has %d training images but the pool's training part only %d faces", sub, len(trains), trainPick.left())
	}
	for _, img := range trains {
		male, known := genderOf(img)
		imgPool[img] = trainPick.take(male, !known)
	}
	a.genderSwaps = trainPick.swapped

	for _, sf := range sortedKeys(stimType) {
		img := path.Base(sf)
		i := imgPool[img]
		split := "train"
		if stimType[sf] == TrialTest {
			split = "test"
		}
		a.poolOf[sf] = i
		a.maps = append(a.maps, simtruth.StimulusMapping{StimFile: sf, Image: img, TrialType: stimType[sf],
			CelebA: pool.Faces[i].Name, Split: split, Male: pool.Faces[i].Male})
	}
	return a, nil
}

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// stimulusRows lists the distinct pool faces a subject sees (its stimuli and
// imagery candidates), sorted, and the row of each in that list.
func (a *assignment) stimulusRows() ([]int, map[int]int) {
	seen := map[int]bool{}
	var ids []int
	add := func(i int) {
		if !seen[i] {
			seen[i] = true
			ids = append(ids, i)
		}
	}
	for _, m := range a.maps {
		add(a.poolOf[m.StimFile])
	}
	for _, i := range a.imgPool {
		add(i)
	}
	slices.Sort(ids)
	row := make(map[int]int, len(ids))
	for r, i := range ids {
		row[i] = r
	}
	return ids, row
}
