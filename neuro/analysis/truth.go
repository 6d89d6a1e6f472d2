package analysis

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"fmriface/contract/simtruth"
	"fmriface/neuro/tsv"
)

// Face is one stimulus image: Key identifies it in the face model's image
// set (a CelebA file name such as "000123.jpg").
type Face struct {
	Key  string
	Male bool
}

// Stimuli says which face each stim_file of a subject's events shows, the
// genders of the faces, and the imagery set when it is known.
type Stimuli struct {
	// Map gives the face key of every stim_file of train_face and
	// test_face trials.
	Map map[string]string
	// Male gives each face key's gender (used for the test faces).
	Male map[string]bool
	// Imagery is the imagery candidate set (the imagined face at
	// ImageryTarget); nil when the imagined face is not known, as for the
	// real ds001761.
	Imagery       []Face
	ImageryTarget int
}

// Keys lists every face key the stimuli use (mapped faces and imagery
// candidates), sorted.
func (s *Stimuli) Keys() []string {
	seen := map[string]bool{}
	for _, k := range s.Map {
		seen[k] = true
	}
	for _, f := range s.Imagery {
		seen[f.Key] = true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// HasSimTruth reports whether root is a neuro/sim dataset with ground truth.
func HasSimTruth(root string) bool {
	_, err := os.Stat(simtruth.Dir(root))
	return err == nil
}

// SimStimuli reads a simulated subject's stimuli from the dataset's
// ground-truth derivatives (derivatives/fmriface-sim).
func SimStimuli(root, sub string) (*Stimuli, error) {
	maps, err := simtruth.ReadStimulusMap(root, sub)
	if err != nil {
		return nil, err
	}
	s := &Stimuli{Map: make(map[string]string, len(maps)), Male: make(map[string]bool, len(maps))}
	for _, m := range maps {
		s.Map[m.StimFile] = m.CelebA
		s.Male[m.CelebA] = m.Male
	}
	tests, err := simtruth.ReadTestFaces(root, sub)
	if err != nil {
		return nil, err
	}
	for _, t := range tests {
		s.Male[t.CelebA] = t.Male
	}
	im, err := simtruth.ReadImagery(root, sub)
	if err != nil {
		return nil, err
	}
	for _, c := range im.Candidates {
		s.Imagery = append(s.Imagery, Face{Key: c.CelebA, Male: c.Male})
		s.Male[c.CelebA] = c.Male
	}
	s.ImageryTarget = im.Target // simtruth checked that it is one of the candidates
	return s, nil
}

// maxTableBytes bounds the mapping tables a user supplies.
const maxTableBytes = 64 << 20

// ReadStimuli reads a user-supplied stimulus mapping for subject sub from
// dir, for datasets without simulated ground truth (the real ds001761):
//
//	sub-XX_stimuli.tsv  required; columns stim_file (as in events.tsv) and
//	                    celeba_file (the image's file name in the face
//	                    dataset given to the command, e.g. 000123.jpg);
//	                    optional male (0/1; else the image name's M/F
//	                    prefix, as ds001761 names its stimuli).
//	sub-XX_imagery.tsv  optional; columns celeba_file, imagined (0/1,
//	                    exactly one 1) and optionally male.
//
// The simulator's ground-truth tables have these columns, so a simulated
// subject's files can serve as an example.
func ReadStimuli(dir, sub string) (*Stimuli, error) {
	sub = strings.TrimPrefix(sub, "sub-")
	path := filepath.Join(dir, "sub-"+sub+"_stimuli.tsv")
	t, err := readTable(path)
	if err != nil {
		return nil, err
	}
	if err := t.Require("stim_file", "celeba_file"); err != nil {
		return nil, err
	}
	stim, _ := t.Column("stim_file")
	face, _ := t.Column("celeba_file")
	var male []string
	if t.Has("male") {
		male, _ = t.Column("male")
	}
	s := &Stimuli{Map: make(map[string]string, len(stim)), Male: map[string]bool{}, ImageryTarget: -1}
	for i := range stim {
		if stim[i] == "" || face[i] == "" {
			return nil, fmt.Errorf("read %s: line %d: empty stim_file or celeba_file", path, i+2)
		}
		if prev, ok := s.Map[stim[i]]; ok && prev != face[i] {
			return nil, fmt.Errorf("read %s: line %d: stim_file %q maps to both %s and %s", path, i+2, stim[i], prev, face[i])
		}
		s.Map[stim[i]] = face[i]
		var m bool
		switch {
		case male != nil:
			if m, err = parse01(path, i, "male", male[i]); err != nil {
				return nil, err
			}
		default:
			m = strings.HasPrefix(filepath.Base(stim[i]), "M")
		}
		s.Male[face[i]] = m
	}
	ipath := filepath.Join(dir, "sub-"+sub+"_imagery.tsv")
	if _, err := os.Stat(ipath); err != nil {
		return s, nil // imagery set unknown
	}
	it, err := readTable(ipath)
	if err != nil {
		return nil, err
	}
	if err := it.Require("celeba_file", "imagined"); err != nil {
		return nil, err
	}
	cf, _ := it.Column("celeba_file")
	im, _ := it.Column("imagined")
	var imale []string
	if it.Has("male") {
		imale, _ = it.Column("male")
	}
	for i := range cf {
		on, err := parse01(ipath, i, "imagined", im[i])
		if err != nil {
			return nil, err
		}
		f := Face{Key: cf[i]}
		if imale != nil {
			if f.Male, err = parse01(ipath, i, "male", imale[i]); err != nil {
				return nil, err
			}
		}
		if on {
			if s.ImageryTarget >= 0 {
				return nil, fmt.Errorf("read %s: more than one face is marked imagined", ipath)
			}
			s.ImageryTarget = i
		}
		s.Imagery = append(s.Imagery, f)
	}
	if s.ImageryTarget < 0 || len(s.Imagery) < 2 {
		return nil, fmt.Errorf("read %s: want at least 2 candidates with exactly one marked imagined", ipath)
	}
	return s, nil
}

func readTable(path string) (*tsv.Table, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxTableBytes {
		return nil, fmt.Errorf("read %s: %d bytes is too large for a mapping table", path, st.Size())
	}
	return tsv.ReadFile(path)
}

func parse01(path string, i int, col, v string) (bool, error) {
	switch strings.TrimSpace(v) {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	if len(v) > 20 {
		v = v[:20] + "…"
	}
	return false, fmt.Errorf("read %s: line %d: column %s is %q, want 0 or 1", path, i+2, col, v)
}
