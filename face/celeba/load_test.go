package celeba

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// colourOf gives each id a distinct, JPEG-stable solid colour.
func colourOf(id int) color.RGBA {
	return color.RGBA{uint8(40 + 20*(id%10)), uint8(200 - 15*(id%7)), uint8(30 + 50*(id%4)), 255}
}

func basicImages() []fakeImage {
	var imgs []fakeImage
	for id := 1; id <= 8; id++ {
		sub := SmallDir
		if id%2 == 0 {
			sub = FullDir
		}
		imgs = append(imgs, fakeImage{sub: sub, id: id, person: 100 + id/3, col: colourOf(id)})
	}
	// id 3 is also present at full size, in another colour: the small copy wins.
	imgs = append(imgs, fakeImage{sub: FullDir, id: 3, person: 101, col: color.RGBA{255, 0, 255, 255}})
	return imgs
}

func checkColour(t *testing.T, what string, px []float32, size int, want color.RGBA) {
	t.Helper()
	m := meanRGB(px, size)
	w := [3]float64{float64(want.R) / 255, float64(want.G) / 255, float64(want.B) / 255}
	for c := range 3 {
		if math.Abs(m[c]-w[c]) > 3.0/255 {
			t.Errorf("%s: mean colour %.3f, want %.3f", what, m, w)
			return
		}
	}
}

func TestLoadSynthetic(t *testing.T) {
	dir := fakeDataset(t, basicImages())
	for _, workers := range []int{1, 3} {
		d, err := Load(Options{Dir: dir, Size: 16, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Faces) != 8 || len(d.Skipped) != 0 || len(d.Pixels) != 8*3*16*16 || d.FromCache {
			t.Fatalf("got %d faces, %d skipped, %d pixels, cache %v", len(d.Faces), len(d.Skipped), len(d.Pixels), d.FromCache)
		}
		for i, f := range d.Faces {
			if f.ID != i+1 {
				t.Fatalf("face %d has id %d: not sorted", i, f.ID)
			}
			wantSub := SmallDir
			if f.ID%2 == 0 {
				wantSub = FullDir
			}
			if want := fmt.Sprintf("%s/%06d.jpg", wantSub, f.ID); f.File != want {
				t.Errorf("face %d file %q, want %q", i, f.File, want)
			}
			if f.Person != 100+f.ID/3 || len(f.Attr) != 40 || f.Attr[0] != map[bool]int8{true: 1, false: -1}[f.ID%3 == 0] {
				t.Errorf("face %d labels %+v", i, f)
			}
			checkColour(t, f.File, d.Image(i), 16, colourOf(f.ID))
		}
	}
	idx, err := LoadIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	if idx.Duplicates != 1 {
		t.Errorf("Duplicates = %d, want 1", idx.Duplicates)
	}
	if _, err := idx.AttrIndex("No_Such"); err == nil || !strings.Contains(err.Error(), "No_Such") {
		t.Errorf("AttrIndex of unknown name: %v", err)
	}
}

func TestLoadLimit(t *testing.T) {
	dir := fakeDataset(t, basicImages())
	d, err := Load(Options{Dir: dir, Size: 8, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Faces) != 3 || d.Faces[2].ID != 3 || len(d.Pixels) != 3*3*8*8 {
		t.Fatalf("Limit 3 gave %d faces (last id %d), %d pixels", len(d.Faces), d.Faces[len(d.Faces)-1].ID, len(d.Pixels))
	}
	if _, err := Load(Options{Dir: dir, Limit: -1}); err == nil {
		t.Error("negative Limit accepted")
	}
	if _, err := Load(Options{Dir: dir, Size: MaxSize + 1}); err == nil {
		t.Error("oversized Size accepted")
	}
}

func TestLoadSkipsBadImages(t *testing.T) {
	dir := fakeDataset(t, basicImages())
	small := filepath.Join(dir, SmallDir)
	good, err := os.ReadFile(filepath.Join(small, "000001.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	// 000005: truncated JPEG; 000007: not a JPEG at all.
	writeFile(t, filepath.Join(small, "000005.jpg"), string(good[:len(good)/2]))
	writeFile(t, filepath.Join(small, "000007.jpg"), "this is not an image")
	d, err := Load(Options{Dir: dir, Size: 16})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Skipped) != 2 || d.Skipped[0].File != SmallDir+"/000005.jpg" || d.Skipped[1].File != SmallDir+"/000007.jpg" {
		t.Fatalf("Skipped = %v", d.Skipped)
	}
	for _, s := range d.Skipped {
		if s.Err == nil || !strings.Contains(s.Err.Error(), filepath.Base(s.File)) {
			t.Errorf("skip error for %s does not name it: %v", s.File, s.Err)
		}
	}
	if len(d.Faces) != 6 || len(d.Pixels) != 6*3*16*16 {
		t.Fatalf("%d faces, %d pixels after skipping", len(d.Faces), len(d.Pixels))
	}
	// Pixels were compacted: each kept face still shows its own colour.
	for i, f := range d.Faces {
		if f.ID == 5 || f.ID == 7 {
			t.Errorf("skipped id %d still listed", f.ID)
		}
		checkColour(t, f.File, d.Image(i), 16, colourOf(f.ID))
	}
}

func TestLoadErrors(t *testing.T) {
	hdr := func(n int) string { return fmt.Sprintf("%d\n%s\n", n, strings.Join(attrNames40, " ")) }
	row := func(id int, vals ...string) string {
		v := make([]string, 40)
		for i := range v {
			v[i] = "-1"
		}
		copy(v, vals)
		return fmt.Sprintf("%06d.jpg %s\n", id, strings.Join(v, " "))
	}
	ident := "000001.jpg 5\n000002.jpg 6\n"
	cases := []struct {
		name       string
		attr, iden string
		mutate     func(dir string)
		want       []string // substrings of the error
	}{
		{"ok", hdr(2) + row(1) + row(2), ident, nil, nil},
		{"image without attribute line", hdr(1) + row(1), ident, nil, []string{AttrFile, "000002.jpg"}},
		{"image without identity line", hdr(2) + row(1) + row(2), "000001.jpg 5\n", nil, []string{IdentityFile, "000002.jpg"}},
		{"attr wrong field count", hdr(2) + row(1) + "000002.jpg 1 -1\n", ident, nil, []string{AttrFile, "line 4", "3 fields, want 41"}},
		{"attr non ±1 value", hdr(2) + row(1) + row(2, "1", "0"), ident, nil, []string{AttrFile, "line 4", "Arched_Eyebrows", `"0"`}},
		{"attr count mismatch", hdr(3) + row(1) + row(2), ident, nil, []string{AttrFile, "announces 3", "2 are listed"}},
		{"attr bad count line", "many\n" + strings.Join(attrNames40, " ") + "\n" + row(1) + row(2), ident, nil, []string{AttrFile, "line 1"}},
		{"attr duplicate line", hdr(3) + row(1) + row(2) + row(1), ident, nil, []string{AttrFile, "line 5", "line 3"}},
		{"attr bad image name", hdr(2) + row(1) + strings.Replace(row(2), "000002.jpg", "two.jpg", 1), ident, nil, []string{AttrFile, "line 4", "two.jpg"}},
		{"attr empty", "", ident, nil, []string{AttrFile, "empty"}},
		{"identity wrong field count", hdr(2) + row(1) + row(2), "000001.jpg 5\n000002.jpg\n", nil, []string{IdentityFile, "line 2", "1 fields"}},
		{"identity bad person", hdr(2) + row(1) + row(2), "000001.jpg 5\n000002.jpg x7\n", nil, []string{IdentityFile, "line 2", "x7"}},
		{"missing attribute file", hdr(2) + row(1) + row(2), ident, func(dir string) { os.Remove(filepath.Join(dir, AttrFile)) }, []string{AttrFile}},
		{"missing image folder", hdr(2) + row(1) + row(2), ident, func(dir string) { os.RemoveAll(filepath.Join(dir, FullDir)) }, []string{FullDir}},
		{"missing dataset folder", "", "", func(dir string) { os.RemoveAll(dir) }, []string{"dataset folder", "no such file"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := fakeDataset(t, []fakeImage{{SmallDir, 1, 5, colourOf(1)}, {FullDir, 2, 6, colourOf(2)}})
			writeFile(t, filepath.Join(dir, AttrFile), tc.attr)
			writeFile(t, filepath.Join(dir, IdentityFile), tc.iden)
			if tc.mutate != nil {
				tc.mutate(dir)
			}
			_, err := Load(Options{Dir: dir, Size: 8})
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want one mentioning %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadIndexIgnoresOtherFiles(t *testing.T) {
	dir := fakeDataset(t, basicImages())
	writeFile(t, filepath.Join(dir, SmallDir, ".DS_Store"), "x")
	writeFile(t, filepath.Join(dir, SmallDir, "notes.txt"), "x")
	if err := os.Mkdir(filepath.Join(dir, FullDir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	idx, err := LoadIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.Faces) != 8 {
		t.Errorf("%d faces, want 8", len(idx.Faces))
	}
	// Two names for one id in a folder is an error.
	writeFile(t, filepath.Join(dir, SmallDir, "1.jpg"), "x")
	if _, err := LoadIndex(dir); err == nil || !strings.Contains(err.Error(), "1.jpg") {
		t.Errorf("two files for id 1: %v", err)
	}
}
