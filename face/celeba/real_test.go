package celeba

import (
	"math"
	"path/filepath"
	"testing"
	"time"
)

func TestRealFolderLimit(t *testing.T) {
	dir := realDir(t)
	start := time.Now()
	d, err := Load(Options{Dir: dir, Size: 64, Limit: 60})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d real faces in %v", len(d.Faces), time.Since(start))
	if len(d.Faces) != 60 || len(d.Skipped) != 0 {
		t.Fatalf("got %d faces, %d skipped; want 60, 0", len(d.Faces), len(d.Skipped))
	}
	if d.Faces[0].ID != 1 || d.Faces[0].File != "img_89x109/000001.jpg" || d.Faces[0].Person != 2880 {
		t.Errorf("first face %+v, want 000001.jpg of person 2880", d.Faces[0])
	}
	for name, want := range map[string]int{"Male": 20, "Smiling": 31, "5_o_Clock_Shadow": 0, "Young": 39} {
		if i, err := d.AttrIndex(name); err != nil || i != want {
			t.Errorf("AttrIndex(%q) = %d, %v; want %d", name, i, err, want)
		}
	}
	var sum float64
	for _, v := range d.Pixels {
		if v < 0 || v > 1 || math.IsNaN(float64(v)) {
			t.Fatalf("pixel %v outside [0,1]", v)
		}
		sum += float64(v)
	}
	if mean := sum / float64(len(d.Pixels)); mean < 0.2 || mean > 0.8 {
		t.Errorf("mean pixel %.3f is implausible for faces", mean)
	}
}

// The 277 ids present in both folders are the same picture: the 178×218 copy,
// box-downsampled by the shared code path, must match the 89×109 copy.
func TestRealOverlapMatches(t *testing.T) {
	dir := realDir(t)
	idx, err := LoadIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	if idx.Duplicates != 277 || len(idx.Faces) != 15723 {
		t.Errorf("index has %d faces, %d duplicates; want 15723, 277", len(idx.Faces), idx.Duplicates)
	}
	checked := 0
	var worst float64
	for _, f := range idx.Faces {
		if checked == 20 {
			break
		}
		full := filepath.Join(dir, FullDir, f.Name())
		if f.File != SmallDir+"/"+f.Name() || !exists(full) {
			continue
		}
		a, err := LoadImage(filepath.Join(dir, filepath.FromSlash(f.File)), 64)
		if err != nil {
			t.Fatal(err)
		}
		b, err := LoadImage(full, 64)
		if err != nil {
			t.Fatal(err)
		}
		var mad float64
		for i := range a {
			mad += math.Abs(float64(a[i] - b[i]))
		}
		mad /= float64(len(a))
		worst = max(worst, mad)
		checked++
	}
	t.Logf("overlap: %d pairs, worst mean |diff| %.4f", checked, worst)
	if checked < 20 || worst > 0.03 {
		t.Errorf("%d pairs checked, worst mean abs diff %.4f (want ≤ 0.03)", checked, worst)
	}
}
