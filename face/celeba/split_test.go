package celeba

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// splitFaces makes n faces of persons with 1..6 images each.
func splitFaces(n int) []Face {
	faces := make([]Face, n)
	person, left := 1, 1
	for i := range faces {
		if left == 0 {
			person += 3 // person ids need not be dense
			left = 1 + (person*7)%6
		}
		faces[i] = Face{File: fmt.Sprintf("img_89x109/%06d.jpg", i+1), ID: i + 1, Person: person}
		left--
	}
	return faces
}

func checkSplit(t *testing.T, faces []Face, s Split, valFrac, testFrac float64) {
	t.Helper()
	part := make([]int, len(faces))
	for i := range part {
		part[i] = -1
	}
	personPart := map[int]int{}
	persons := [3]map[int]bool{{}, {}, {}}
	for k, idx := range [][]int{s.Train, s.Val, s.Test} {
		if !slices.IsSorted(idx) {
			t.Errorf("part %d not sorted", k)
		}
		for _, i := range idx {
			if part[i] != -1 {
				t.Fatalf("face %d in parts %d and %d", i, part[i], k)
			}
			part[i] = k
			p := faces[i].Person
			if q, ok := personPart[p]; ok && q != k {
				t.Fatalf("person %d in parts %d and %d", p, q, k)
			}
			personPart[p] = k
			persons[k][p] = true
		}
	}
	for i, k := range part {
		if k == -1 {
			t.Fatalf("face %d in no part", i)
		}
	}
	nP := float64(len(personPart))
	if got := float64(len(persons[1])); math.Abs(got-valFrac*nP) > 0.5 {
		t.Errorf("val has %v persons, want round(%v)", got, valFrac*nP)
	}
	if got := float64(len(persons[2])); math.Abs(got-testFrac*nP) > 0.5 {
		t.Errorf("test has %v persons, want round(%v)", got, testFrac*nP)
	}
}

func TestSplitByPerson(t *testing.T) {
	faces := splitFaces(3000)
	cases := []struct{ val, test float64 }{{0.05, 0.10}, {0.2, 0.3}, {0, 0}, {0, 0.5}, {0.5, 0.5}}
	for _, c := range cases {
		s := SplitByPerson(faces, 7, c.val, c.test)
		checkSplit(t, faces, s, c.val, c.test)
		if again := SplitByPerson(faces, 7, c.val, c.test); !reflect.DeepEqual(s, again) {
			t.Errorf("%v: not deterministic", c)
		}
	}
	a := SplitByPerson(faces, 1, 0.05, 0.1)
	b := SplitByPerson(faces, 2, 0.05, 0.1)
	if reflect.DeepEqual(a.Test, b.Test) {
		t.Error("seeds 1 and 2 gave the same test set")
	}
	// Image fractions roughly follow person fractions.
	if f := float64(len(a.Test)) / float64(len(faces)); f < 0.06 || f > 0.14 {
		t.Errorf("test holds %.3f of the images", f)
	}
	// Out-of-range fractions are clamped, never a panic.
	for _, c := range []struct{ val, test float64 }{{-1, 0.1}, {math.NaN(), 2}, {0.8, 0.8}} {
		s := SplitByPerson(faces, 3, c.val, c.test)
		if len(s.Train)+len(s.Val)+len(s.Test) != len(faces) || s.ValFrac+s.TestFrac > 1 {
			t.Errorf("clamped split %v: %d+%d+%d, fractions %v %v", c, len(s.Train), len(s.Val), len(s.Test), s.ValFrac, s.TestFrac)
		}
		if CheckFractions(c.val, c.test) == nil {
			t.Errorf("CheckFractions%v accepted", c)
		}
	}
	if err := CheckFractions(DefaultValFrac, DefaultTestFrac); err != nil {
		t.Error(err)
	}
}

// The split must not change between Go versions or refactorings: pin it.
func TestSplitPinned(t *testing.T) {
	faces := splitFaces(40)
	s := SplitByPerson(faces, 42, 0.2, 0.2)
	got := fmt.Sprint(s.Val, s.Test)
	const want = "[22 23 24 25 26 34 35] [20 21 29 30 31 32 33]"
	if got != want {
		t.Errorf("seed 42 split = %s, want %s", got, want)
	}
}

func TestSplitJSONRoundTrip(t *testing.T) {
	faces := splitFaces(500)
	s := SplitByPerson(faces, 11, 0.05, 0.1)
	path := filepath.Join(t.TempDir(), "split.json")
	if err := s.WriteJSON(path, faces); err != nil {
		t.Fatal(err)
	}
	r, err := ReadSplitJSON(path, faces)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, r) {
		t.Errorf("round trip changed the split:\n%+v\n%+v", s, r)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"seed": 11`) || !strings.Contains(string(data), faces[s.Test[0]].Name()) {
		t.Errorf("split file lacks seed or names:\n%.300s", data)
	}

	bad := []struct {
		name  string
		edit  func(string) string
		faces []Face
		want  string
	}{
		{"unknown file", func(j string) string {
			return strings.Replace(j, `"`+faces[s.Val[0]].Name()+`"`, `"999999.jpg"`, 1)
		}, faces, "999999.jpg"},
		{"face in no part", func(j string) string { return j }, append(slices.Clone(faces), Face{File: "img_89x109/777777.jpg", ID: 777777, Person: 1}), "777777.jpg"},
		{"person straddles", func(j string) string {
			// Move one image of a multi-image test person from test to train.
			var sf splitFile
			if err := json.Unmarshal([]byte(j), &sf); err != nil {
				t.Fatal(err)
			}
			for k := 1; k < len(s.Test); k++ {
				if faces[s.Test[k]].Person == faces[s.Test[k-1]].Person {
					sf.Train = append(sf.Train, sf.Test[k])
					sf.Test = slices.Delete(sf.Test, k, k+1)
					break
				}
			}
			out, _ := json.Marshal(sf)
			return string(out)
		}, faces, "person"},
		{"listed twice", func(j string) string {
			return strings.Replace(j, `"train": [`, `"train": ["`+faces[s.Test[0]].Name()+`",`, 1)
		}, faces, "both"},
		{"bad format", func(j string) string { return strings.Replace(j, "celeba-split v1", "other", 1) }, faces, "format"},
		{"not json", func(string) string { return "{" }, faces, "split"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "s.json")
			writeFile(t, p, b.edit(string(data)))
			_, err := ReadSplitJSON(p, b.faces)
			if err == nil || !strings.Contains(err.Error(), b.want) {
				t.Errorf("error %v, want one mentioning %q", err, b.want)
			}
		})
	}
	if _, err := ReadSplitJSON(filepath.Join(t.TempDir(), "none.json"), faces); err == nil {
		t.Error("missing split file accepted")
	}
}
