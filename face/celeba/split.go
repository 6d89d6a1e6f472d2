package celeba

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"

	"fmriface/util/atomicfile"
)

// Split is a train/validation/test partition of a face list by person.
type Split struct {
	Seed              int64
	ValFrac, TestFrac float64
	Train, Val, Test  []int // indices into Faces, sorted
}

// Default split fractions (of persons).
const (
	DefaultValFrac  = 0.05
	DefaultTestFrac = 0.10
)

// CheckFractions reports whether valFrac and testFrac are usable: each in
// [0,1] and summing to at most 1. SplitByPerson clamps bad values instead.
func CheckFractions(valFrac, testFrac float64) error {
	ok := func(f float64) bool { return f >= 0 && f <= 1 } // false for NaN
	if !ok(valFrac) || !ok(testFrac) || valFrac+testFrac > 1 {
		return fmt.Errorf("celeba: split fractions val=%g test=%g: each must be in [0,1] and their sum at most 1", valFrac, testFrac)
	}
	return nil
}

// SplitByPerson partitions faces so that all images of one person fall in the
// same part. Persons (sorted by id) are shuffled with a fixed generator seeded
// by seed (splitmix64 + Fisher–Yates, both written out here so that the split
// never changes with the Go version); the first round(testFrac·P) persons go to
// Test, the next round(valFrac·P) to Val, the rest to Train. Fractions are of
// persons, not images. Out-of-range fractions are clamped (see CheckFractions).
func SplitByPerson(faces []Face, seed int64, valFrac, testFrac float64) Split {
	clamp := func(f float64) float64 {
		if !(f > 0) { // also NaN
			return 0
		}
		return math.Min(f, 1)
	}
	valFrac, testFrac = clamp(valFrac), clamp(testFrac)
	valFrac = math.Min(valFrac, 1-testFrac)

	seen := make(map[int]bool)
	var persons []int
	for _, f := range faces {
		if !seen[f.Person] {
			seen[f.Person] = true
			persons = append(persons, f.Person)
		}
	}
	sort.Ints(persons)
	rng := splitmix64(uint64(seed))
	for i := len(persons) - 1; i > 0; i-- {
		j := int(rng.next() % uint64(i+1)) // bias below 2^-50 for any realistic count
		persons[i], persons[j] = persons[j], persons[i]
	}
	p := len(persons)
	nTest := min(int(math.Round(testFrac*float64(p))), p)
	nVal := min(int(math.Round(valFrac*float64(p))), p-nTest)
	part := make(map[int]int, p) // person → 0 train, 1 val, 2 test
	for i, id := range persons {
		switch {
		case i < nTest:
			part[id] = 2
		case i < nTest+nVal:
			part[id] = 1
		}
	}
	s := Split{Seed: seed, ValFrac: valFrac, TestFrac: testFrac, Train: []int{}, Val: []int{}, Test: []int{}}
	for i, f := range faces {
		switch part[f.Person] {
		case 0:
			s.Train = append(s.Train, i)
		case 1:
			s.Val = append(s.Val, i)
		default:
			s.Test = append(s.Test, i)
		}
	}
	return s
}

type splitmix64 uint64

func (s *splitmix64) next() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

const splitFormat = "fmriface/celeba-split v1"

const maxSplitFileSize = 64 << 20

// splitFile is the JSON form of a Split. Parts list official CelebA file names
// ("000001.jpg"), which do not depend on the image folder a face was read from.
type splitFile struct {
	Format   string         `json:"format"`
	Seed     int64          `json:"seed"`
	ValFrac  float64        `json:"val_frac"`
	TestFrac float64        `json:"test_frac"`
	Persons  map[string]int `json:"persons"` // per part, for a reader's information
	Train    []string       `json:"train"`
	Val      []string       `json:"val"`
	Test     []string       `json:"test"`
}

// WriteJSON records the seed, the fractions and the file names of each part.
func (s Split) WriteJSON(path string, faces []Face) error {
	sf := splitFile{Format: splitFormat, Seed: s.Seed, ValFrac: s.ValFrac, TestFrac: s.TestFrac,
		Persons: map[string]int{}}
	parts := []struct {
		name string
		idx  []int
		dst  *[]string
	}{{"train", s.Train, &sf.Train}, {"val", s.Val, &sf.Val}, {"test", s.Test, &sf.Test}}
	for _, p := range parts {
		names := make([]string, len(p.idx))
		persons := map[int]bool{}
		for k, i := range p.idx {
			if i < 0 || i >= len(faces) {
				return fmt.Errorf("celeba: write split %s: %s index %d out of range [0,%d)", path, p.name, i, len(faces))
			}
			names[k] = faces[i].Name()
			persons[faces[i].Person] = true
		}
		*p.dst = names
		sf.Persons[p.name] = len(persons)
	}
	data, err := json.MarshalIndent(sf, "", " ")
	if err != nil {
		return fmt.Errorf("celeba: write split %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o644)
}

// ReadSplitJSON reads a split written by WriteJSON and maps its file names back
// to indices into faces. Every face must be in exactly one part and every listed
// file must be among faces; no person may appear in two parts.
func ReadSplitJSON(path string, faces []Face) (Split, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Split{}, fmt.Errorf("celeba: split: %w", err)
	}
	if st.Size() > maxSplitFileSize {
		return Split{}, fmt.Errorf("celeba: split %s is %d bytes, more than the %d allowed", path, st.Size(), maxSplitFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Split{}, fmt.Errorf("celeba: read split: %w", err)
	}
	s, err := parseSplit(data, faces)
	if err != nil {
		return Split{}, fmt.Errorf("celeba: split %s: %w", path, err)
	}
	return s, nil
}

func parseSplit(data []byte, faces []Face) (Split, error) {
	var sf splitFile
	if err := json.Unmarshal(data, &sf); err != nil {
		return Split{}, err
	}
	if sf.Format != splitFormat {
		return Split{}, fmt.Errorf("format %q, want %q", clip(sf.Format), splitFormat)
	}
	if err := CheckFractions(sf.ValFrac, sf.TestFrac); err != nil {
		return Split{}, err
	}
	byName := make(map[string]int, len(faces))
	for i, f := range faces {
		byName[f.Name()] = i
	}
	where := make([]string, len(faces)) // part of each face
	personPart := map[int]string{}
	s := Split{Seed: sf.Seed, ValFrac: sf.ValFrac, TestFrac: sf.TestFrac}
	parts := []struct {
		name  string
		names []string
		dst   *[]int
	}{{"train", sf.Train, &s.Train}, {"val", sf.Val, &s.Val}, {"test", sf.Test, &s.Test}}
	for _, p := range parts {
		idx := make([]int, 0, len(p.names))
		for _, n := range p.names {
			i, ok := byName[n]
			if !ok {
				return Split{}, fmt.Errorf("%s lists %q, which is not in the dataset", p.name, clip(n))
			}
			if where[i] != "" {
				return Split{}, fmt.Errorf("%s is listed in both %s and %s", n, where[i], p.name)
			}
			where[i] = p.name
			person := faces[i].Person
			if q, ok := personPart[person]; ok && q != p.name {
				return Split{}, fmt.Errorf("person %d is in both %s and %s (e.g. %s)", person, q, p.name, n)
			}
			personPart[person] = p.name
			idx = append(idx, i)
		}
		sort.Ints(idx)
		*p.dst = idx
	}
	for i, w := range where {
		if w == "" {
			return Split{}, fmt.Errorf("%s is in no part (split made for another file list?)", faces[i].Name())
		}
	}
	return s, nil
}
