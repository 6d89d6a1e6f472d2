package sim

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fmriface/contract/simtruth"
	"fmriface/neuro/bids"
	"fmriface/neuro/nifti"
)

func simulateTiny(t *testing.T, cfg Config, design string, pool *Pool) (string, *Summary) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "sim")
	sum, err := Simulate(context.Background(), cfg, pool, Options{DesignRoot: design, Out: out, Command: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return out, sum
}

func TestSimulateReload(t *testing.T) {
	design := testDesign(t, []string{"01", "02"}, 3, 80)
	pool := testPool(160, 100, 32)
	cfg := tinyConfig("01", "02")
	cfg.NoFigure = false
	out, sum := simulateTiny(t, cfg, design, pool)

	ds, err := OpenDataset(out)
	if err != nil {
		t.Fatal(err)
	}
	if got := ds.Subjects(); !slices.Equal(got, []string{"01", "02"}) {
		t.Fatalf("subjects %v", got)
	}
	if ds.Description.Extra["Simulated"] != true || !strings.Contains(ds.Description.Name, "SIMULATED") {
		t.Errorf("description does not say the data are simulated: %+v", ds.Description)
	}
	if _, err := os.Stat(filepath.Join(out, incompleteMarker)); err == nil {
		t.Error("the incomplete marker is left behind")
	}
	src, err := bids.Open(design)
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"01", "02"} {
		runs, err := ds.Runs(sub, "faces")
		if err != nil {
			t.Fatal(err)
		}
		want, _ := src.Runs(sub, "faces")
		if len(runs) != len(want) {
			t.Fatalf("sub-%s: %d runs, want %d", sub, len(runs), len(want))
		}
		for i, r := range runs {
			if m := r.Missing(); len(m) > 0 || r.ConfoundsPath == "" {
				t.Fatalf("%s: missing %v, confounds %q", r.Prefix(), m, r.ConfoundsPath)
			}
			if r.TR != 2 || r.NVols != 80 {
				t.Errorf("%s: TR %v, %d volumes", r.Prefix(), r.TR, r.NVols)
			}
			got, err := bids.ReadEvents(r.EventsPath)
			if err != nil {
				t.Fatal(err)
			}
			exp, _ := bids.ReadEvents(want[i].EventsPath)
			if !slices.Equal(got, exp) {
				t.Errorf("%s: events differ from the design's", r.Prefix())
			}
			conf, err := bids.ReadConfounds(r.ConfoundsPath, bids.MotionColumns())
			if err != nil {
				t.Fatal(err)
			}
			if len(conf) != 80 {
				t.Errorf("%s: %d confound rows", r.Prefix(), len(conf))
			}
			h, err := nifti.ReadHeader(r.BoldPath)
			if err != nil {
				t.Fatal(err)
			}
			if h.Datatype != nifti.Int16 || h.SclSlope <= 0 || h.DimString() != "12×14×10×80" || h.VoxelSize() != [3]float64{3, 3, 3} {
				t.Errorf("%s: header %s %v slope %v voxel %v", r.Prefix(), h.DimString(), h.Datatype, h.SclSlope, h.VoxelSize())
			}
			if a := h.Affine(); a[0][0] != 3 || a[1][1] != 3 || a[2][2] != 3 || a[0][3] != -16.5 {
				t.Errorf("%s: affine %v", r.Prefix(), a)
			}
		}
		rois, err := ReadROIs(out, sub)
		if err != nil {
			t.Fatal(err)
		}
		c := rois.Count()
		if c["occipital"] == 0 || c["temporal"] == 0 || c["frontoparietal"] == 0 || len(rois.Labels) != 12*14*10 {
			t.Errorf("sub-%s: ROI counts %v of %d voxels", sub, c, len(rois.Labels))
		}
	}
	if len(sum.Subjects) != 2 || sum.Subjects[0].CorticalVoxels == 0 {
		t.Fatalf("summary %+v", sum.Subjects)
	}

	// Faces evoke a response: face > fixation in occipital voxels, well above
	// the frontoparietal ones.
	f := sum.Figure
	if f == nil {
		t.Fatal("no figure summary")
	}
	occ, fp := f.T["occipital"], f.T["frontoparietal"]
	t.Logf("face vs fixation t: occipital %+v, frontoparietal %+v", occ, fp)
	if occ.Median < 2 || occ.Median < fp.Median+1 {
		t.Errorf("occipital face-vs-fixation t median %.2f, frontoparietal %.2f", occ.Median, fp.Median)
	}
	if st, err := os.Stat(filepath.Join(out, f.Figure)); err != nil || st.Size() < 10000 {
		t.Errorf("figure %s: %v", f.Figure, err)
	}
}

func TestStimulusAssignment(t *testing.T) {
	design := testDesign(t, []string{"01"}, 3, 80)
	pool := testPool(300, 200, 32)
	out, sum := simulateTiny(t, tinyConfig("01"), design, pool)
	if s := sum.Subjects[0].GenderSwaps; s != 0 {
		t.Fatalf("%d gender swaps with a pool large enough for none", s)
	}
	part := map[string]string{}
	male := map[string]bool{}
	for _, i := range pool.Train {
		part[pool.Faces[i].Name] = "train"
	}
	for _, i := range pool.Test {
		part[pool.Faces[i].Name] = "test"
	}
	for _, f := range pool.Faces {
		male[f.Name] = f.Male
	}

	maps, err := simtruth.ReadStimulusMap(out, "01")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ReadDesign(design, "01", 0, 80, 2)
	if err != nil {
		t.Fatal(err)
	}
	stims := map[string]bool{}
	for _, r := range d.Runs {
		for _, e := range r.Events {
			if e.TrialType == TrialTrain || e.TrialType == TrialTest {
				stims[e.StimFile] = true
			}
		}
	}
	if len(maps) != len(stims) {
		t.Fatalf("%d mappings for %d stim files", len(maps), len(stims))
	}
	byImage := map[string]string{}
	used := map[string]string{}
	for _, m := range maps {
		if !stims[m.StimFile] || m.Image != path.Base(m.StimFile) {
			t.Errorf("mapping %+v is not a design stimulus", m)
		}
		if c, ok := byImage[m.Image]; ok && c != m.CelebA {
			t.Errorf("image %s maps to %s and %s", m.Image, c, m.CelebA)
		}
		byImage[m.Image] = m.CelebA
		if img, ok := used[m.CelebA]; ok && img != m.Image {
			t.Errorf("CelebA %s shown for %s and %s", m.CelebA, img, m.Image)
		}
		used[m.CelebA] = m.Image
		wantPart := map[string]string{TrialTrain: "train", TrialTest: "test"}[m.TrialType]
		if part[m.CelebA] != wantPart || m.Split != wantPart {
			t.Errorf("%s (%s) maps to %s from the %s part", m.StimFile, m.TrialType, m.CelebA, part[m.CelebA])
		}
		if g, _ := genderOf(m.Image); g != male[m.CelebA] || g != m.Male {
			t.Errorf("%s maps to %s, male=%v", m.Image, m.CelebA, male[m.CelebA])
		}
	}

	tests, err := simtruth.ReadTestFaces(out, "01")
	if err != nil {
		t.Fatal(err)
	}
	im, err := simtruth.ReadImagery(out, "01")
	if err != nil {
		t.Fatal(err)
	}
	testSet := map[string]bool{}
	for _, f := range tests {
		testSet[f.CelebA] = true
		if part[f.CelebA] != "test" || byImage[f.Image] != f.CelebA {
			t.Errorf("test face %+v", f)
		}
	}
	nm := 0
	found := false
	for _, f := range im.Candidates {
		if part[f.CelebA] != "test" || testSet[f.CelebA] {
			t.Errorf("imagery candidate %s is not an unseen test-part face", f.CelebA)
		}
		if f.Male {
			nm++
		}
		found = found || f == im.Imagined()
	}
	if len(im.Candidates) != NumImageryCandidates || nm != NumImageryCandidates/2 || !found {
		t.Errorf("imagery: %d candidates, %d male, imagined among them %v", len(im.Candidates), nm, found)
	}
}

// The real design: test faces are 10 male + 10 female from the test part,
// training faces come from the training part with their F/M gender.
func TestAssignRealDesign(t *testing.T) {
	root := "../../../shared/ds001761-design"
	if _, err := os.Stat(root); err != nil {
		t.Skip("real design not available:", err)
	}
	d, err := ReadDesign(root, "01", 0, 195, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Runs) != 107 {
		t.Errorf("sub-01 has %d runs, want 107", len(d.Runs))
	}
	// Runs with an imagery block have 204 volumes (their sidecars say
	// "…_204dyn"), the others 195.
	for _, r := range d.Runs {
		img := slices.ContainsFunc(r.Events, func(e bids.Event) bool { return e.TrialType == TrialImg })
		if want := map[bool]int{false: 195, true: 204}[img]; r.NVols != want {
			t.Errorf("%s: %d volumes, want %d", r.Prefix(), r.NVols, want)
		}
	}
	// Labels only: no images are needed to assign stimuli.
	pool := &Pool{Size: 64, AttrNames: []string{"Male"}}
	for i := 0; i < 16000; i++ {
		m := i%5 < 2 // 40 % male, like CelebA
		pool.Faces = append(pool.Faces, PoolFace{Name: fmt.Sprintf("%06d.jpg", i+1), Male: m, Attr: []int8{int8(map[bool]int{true: 1, false: -1}[m])}})
		if i < 13500 {
			pool.Train = append(pool.Train, i)
		} else {
			pool.Test = append(pool.Test, i)
		}
	}
	a, err := assignStimuli(1, d, pool)
	if err != nil {
		t.Fatal(err)
	}
	nm := 0
	for i, f := range a.test {
		if f.Male {
			nm++
		}
		if g, _ := genderOf(f.Image); g != f.Male || a.testPool[i] < 13500 {
			t.Errorf("test face %+v", f)
		}
	}
	if len(a.test) != 20 || nm != 10 {
		t.Errorf("%d test faces, %d male", len(a.test), nm)
	}
	train := 0
	for _, m := range a.maps {
		if m.TrialType == TrialTrain {
			train++
			if a.poolOf[m.StimFile] >= 13500 {
				t.Errorf("training stimulus %s maps to a test-part face", m.StimFile)
			}
		}
	}
	if train != 8606 || a.genderSwaps != 0 {
		t.Errorf("%d training stimuli (want 8606), %d gender swaps", train, a.genderSwaps)
	}
}

func TestDeterministic(t *testing.T) {
	design := testDesign(t, []string{"01"}, 2, 60)
	pool := testPool(120, 70, 32)
	cfg := tinyConfig("01")
	cfg.NVols = 60
	a, _ := simulateTiny(t, cfg, design, pool)
	b, _ := simulateTiny(t, cfg, design, pool)
	files := 0
	err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil {
			t.Errorf("%s: only in the first run", rel)
			return nil
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same seed", rel)
		}
		files++
		return nil
	})
	if err != nil || files < 10 {
		t.Fatalf("compared %d files: %v", files, err)
	}
	cfg.Seed = 2
	c, _ := simulateTiny(t, cfg, design, pool)
	bold := "sub-01/ses-01/func/sub-01_ses-01_task-faces_run-01_bold.nii.gz"
	x, _ := os.ReadFile(filepath.Join(a, bold))
	y, _ := os.ReadFile(filepath.Join(c, bold))
	if bytes.Equal(x, y) {
		t.Error("another seed gives the same BOLD image")
	}
}

// Noise scale 0 leaves only the task signal: occipital voxels follow their
// true drive, so their responses to two different faces differ.
func TestNoiseScale(t *testing.T) {
	design := testDesign(t, []string{"01"}, 1, 60)
	pool := testPool(120, 70, 32)
	cfg := tinyConfig("01")
	cfg.NVols = 60
	cfg.Noise = []float64{0}
	out, _ := simulateTiny(t, cfg, design, pool)
	ds, _ := OpenDataset(out)
	runs, _ := ds.Runs("01", "faces")
	img, err := nifti.ReadFile(runs[0].BoldPath)
	if err != nil {
		t.Fatal(err)
	}
	conf, _ := bids.ReadConfounds(runs[0].ConfoundsPath, bids.MotionColumns())
	for _, row := range conf {
		for _, v := range row {
			if v != 0 {
				t.Fatalf("motion %v at noise 0", row)
			}
		}
	}
	// Before the first event (6 s) and its HRF, a voxel holds its baseline.
	rois, _ := ReadROIs(out, "01")
	var sd float64
	n := 0
	for vox, l := range rois.Labels {
		if l != ROIOccipital {
			continue
		}
		v0 := img.Volume(0)[vox]
		var m, ss float64
		for tt := 0; tt < 60; tt++ {
			x := img.Volume(tt)[vox] - v0
			m += x
			ss += x * x
		}
		sd += math.Sqrt(ss/60 - (m/60)*(m/60))
		n++
		if math.Abs(img.Volume(1)[vox]-v0) > 0.25 {
			t.Fatalf("voxel %d moves before any response: %v → %v", vox, v0, img.Volume(1)[vox])
		}
	}
	if sd/float64(n) < 1 {
		t.Errorf("occipital voxels barely respond: mean sd %.3f intensity units", sd/float64(n))
	}
}

func TestPrepareOut(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "precious.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, ow := range []bool{false, true} {
		if err := prepareOut(dir, ow); err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("overwrite=%v: a foreign folder is accepted: %v", ow, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "precious.txt")); err != nil {
		t.Fatal("a foreign file was removed")
	}
	sim := filepath.Join(t.TempDir(), "sim")
	if err := prepareOut(sim, false); err != nil {
		t.Fatal(err)
	}
	if err := prepareOut(sim, false); err == nil {
		t.Error("an earlier (interrupted) simulation is replaced without the overwrite option")
	}
	if err := prepareOut(sim, true); err != nil {
		t.Error(err)
	}
}
