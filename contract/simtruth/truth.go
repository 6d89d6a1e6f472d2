package simtruth

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"fmriface/neuro/tsv"
)

// DerivName is the name of the ground-truth derivative folder.
const DerivName = "fmriface-sim"

// Dir is the ground-truth folder of a simulated dataset:
// <root>/derivatives/fmriface-sim.
func Dir(root string) string { return filepath.Join(root, "derivatives", DerivName) }

// SubjectFile is the ground-truth file <Dir(root)>/sub-XX/sub-XX_<suffix> of
// subject sub ("01" or "sub-01").
func SubjectFile(root, sub, suffix string) string {
	sub = strings.TrimPrefix(sub, "sub-")
	return filepath.Join(Dir(root), "sub-"+sub, "sub-"+sub+"_"+suffix)
}

// Trial types of the face trials that show a stimulus (ds001761's events).
const (
	TrialTrain = "train_face"
	TrialTest  = "test_face"
)

// Parts of the face model's image split a face comes from.
const (
	SplitTrain = "train"
	SplitTest  = "test"
)

// StimulusMapping says which CelebA face a virtual subject saw for one
// stim_file of the events.
type StimulusMapping struct {
	StimFile  string // as in events.tsv, e.g. "sub01/run53/F2294.jpg"
	Image     string // the design's image name (its base name): the identity across runs
	TrialType string // TrialTrain or TrialTest
	CelebA    string // CelebA file name, e.g. "000123.jpg"
	Split     string // the face model's part it comes from: SplitTrain or SplitTest
	Male      bool   // CelebA Male attribute
}

// FaceRef is a CelebA face with its role in the design.
type FaceRef struct {
	Image  string // design image name (test faces), or "" (imagery candidates)
	CelebA string // CelebA file name
	Male   bool
}

// Imagery is a subject's imagery set: the candidates, one of which (Target)
// the subject imagined.
type Imagery struct {
	Candidates []FaceRef
	Target     int // index into Candidates of the imagined face
}

// Imagined returns the imagined face (Candidates[Target]).
func (im Imagery) Imagined() FaceRef { return im.Candidates[im.Target] }

// File name suffixes and headers of the three tables.
const (
	stimuliSuffix   = "stimuli.tsv"
	testFacesSuffix = "testfaces.tsv"
	imagerySuffix   = "imagery.tsv"
)

func stimHeader() []string {
	return []string{"stim_file", "image", "trial_type", "celeba_file", "split", "male"}
}
func testHeader() []string    { return []string{"image", "celeba_file", "male"} }
func imageryHeader() []string { return []string{"celeba_file", "male", "imagined"} }

// Validate checks the fields a reader relies on.
func (m StimulusMapping) Validate() error {
	if m.TrialType != TrialTrain && m.TrialType != TrialTest {
		return fmt.Errorf("trial_type %q, want %s or %s", clip(m.TrialType), TrialTrain, TrialTest)
	}
	if m.Split != SplitTrain && m.Split != SplitTest {
		return fmt.Errorf("split %q, want %s or %s", clip(m.Split), SplitTrain, SplitTest)
	}
	return nil
}

// Validate checks that the set has candidates and that Target is one of them.
func (im Imagery) Validate() error {
	if len(im.Candidates) == 0 {
		return errors.New("no imagery candidates")
	}
	if im.Target < 0 || im.Target >= len(im.Candidates) {
		return fmt.Errorf("imagined face %d is outside the %d candidates", im.Target, len(im.Candidates))
	}
	return nil
}

// WriteStimulusMap writes subject sub's stimulus mapping, one row per
// distinct stim_file in the given order, after validating every row.
func WriteStimulusMap(root, sub string, maps []StimulusMapping) error {
	path := SubjectFile(root, sub, stimuliSuffix)
	rows := make([][]string, len(maps))
	for i, m := range maps {
		if err := m.Validate(); err != nil {
			return fmt.Errorf("write %s: row %d: %w", path, i+1, err)
		}
		rows[i] = []string{m.StimFile, m.Image, m.TrialType, m.CelebA, m.Split, b01(m.Male)}
	}
	return tsv.Write(path, stimHeader(), rows)
}

// WriteTestFaces writes subject sub's test faces in the given order (the
// simulator sorts them by image name).
func WriteTestFaces(root, sub string, faces []FaceRef) error {
	rows := make([][]string, len(faces))
	for i, f := range faces {
		rows[i] = []string{f.Image, f.CelebA, b01(f.Male)}
	}
	return tsv.Write(SubjectFile(root, sub, testFacesSuffix), testHeader(), rows)
}

// WriteImagery writes subject sub's imagery set, after validating it.
func WriteImagery(root, sub string, im Imagery) error {
	path := SubjectFile(root, sub, imagerySuffix)
	if err := im.Validate(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	rows := make([][]string, len(im.Candidates))
	for i, f := range im.Candidates {
		rows[i] = []string{f.CelebA, b01(f.Male), b01(i == im.Target)}
	}
	return tsv.Write(path, imageryHeader(), rows)
}

// ReadStimulusMap reads subject sub's stimulus mapping.
func ReadStimulusMap(root, sub string) ([]StimulusMapping, error) {
	t, err := tsv.ReadFile(SubjectFile(root, sub, stimuliSuffix))
	if err != nil {
		return nil, err
	}
	return ParseStimulusMap(t)
}

// ParseStimulusMap decodes and checks a stimuli table already read.
func ParseStimulusMap(t *tsv.Table) ([]StimulusMapping, error) {
	rows, err := checkTable(t, stimHeader())
	if err != nil {
		return nil, err
	}
	out := make([]StimulusMapping, len(rows))
	for i, r := range rows {
		male, err := parse01(t.Path, i, "male", r[5])
		if err != nil {
			return nil, err
		}
		m := StimulusMapping{StimFile: r[0], Image: r[1], TrialType: r[2], CelebA: r[3], Split: r[4], Male: male}
		if err := m.Validate(); err != nil {
			return nil, fmt.Errorf("read %s: line %d: %w", t.Path, i+2, err)
		}
		out[i] = m
	}
	return out, nil
}

// ReadTestFaces reads subject sub's test faces.
func ReadTestFaces(root, sub string) ([]FaceRef, error) {
	t, err := tsv.ReadFile(SubjectFile(root, sub, testFacesSuffix))
	if err != nil {
		return nil, err
	}
	return ParseTestFaces(t)
}

// ParseTestFaces decodes and checks a test-faces table already read.
func ParseTestFaces(t *tsv.Table) ([]FaceRef, error) {
	rows, err := checkTable(t, testHeader())
	if err != nil {
		return nil, err
	}
	out := make([]FaceRef, len(rows))
	for i, r := range rows {
		male, err := parse01(t.Path, i, "male", r[2])
		if err != nil {
			return nil, err
		}
		out[i] = FaceRef{Image: r[0], CelebA: r[1], Male: male}
	}
	return out, nil
}

// ReadImagery reads subject sub's imagery set.
func ReadImagery(root, sub string) (Imagery, error) {
	t, err := tsv.ReadFile(SubjectFile(root, sub, imagerySuffix))
	if err != nil {
		return Imagery{}, err
	}
	return ParseImagery(t)
}

// ParseImagery decodes and checks an imagery table already read: exactly one
// row must be marked imagined.
func ParseImagery(t *tsv.Table) (Imagery, error) {
	rows, err := checkTable(t, imageryHeader())
	if err != nil {
		return Imagery{}, err
	}
	im := Imagery{Target: -1}
	n := 0
	for i, r := range rows {
		male, err := parse01(t.Path, i, "male", r[1])
		if err != nil {
			return Imagery{}, err
		}
		imag, err := parse01(t.Path, i, "imagined", r[2])
		if err != nil {
			return Imagery{}, err
		}
		im.Candidates = append(im.Candidates, FaceRef{CelebA: r[0], Male: male})
		if imag {
			im.Target = i
			n++
		}
	}
	if n != 1 {
		return Imagery{}, fmt.Errorf("read %s: %d faces are marked imagined, want exactly 1", t.Path, n)
	}
	return im, nil
}

// checkTable checks that a table's header is exactly want and every row has
// as many fields.
func checkTable(t *tsv.Table, want []string) ([][]string, error) {
	if !slices.Equal(t.Header, want) {
		return nil, fmt.Errorf("read %s: columns %q, want %q", t.Path, clip(strings.Join(t.Header, " ")), strings.Join(want, " "))
	}
	for i, r := range t.Rows {
		if len(r) != len(want) {
			return nil, fmt.Errorf("read %s: line %d has %d fields, want %d", t.Path, i+2, len(r), len(want))
		}
	}
	return t.Rows, nil
}

func parse01(path string, i int, col, s string) (bool, error) {
	switch s {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, fmt.Errorf("read %s: line %d, column %q: %q, want 0 or 1", path, i+2, col, clip(s))
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// clip shortens a value quoted in an error.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
