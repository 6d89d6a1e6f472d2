package haxby

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fmriface/neuro/bids"
	"fmriface/neuro/glm"
	"fmriface/neuro/nifti"
)

// writeSynth writes a dataset in the haxby2001 layout: runs of 121 volumes
// (TR 2.5 s) on an nx × ny slice whose first column is empty (outside the
// "brain"), the 8 categories in 22.5 s blocks in a random order per run, a
// voxel-specific response per category of size signal (percent of the 1000
// baseline), Gaussian noise of 1 % and small random motion estimates.
func writeSynth(t *testing.T, dir string, runs, nx, ny int, signal float64, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 9))
	const nt, tr = 121, 2.5
	onsets := []float64{15, 52.5, 87.5, 122.5, 157.5, 195, 230, 265}
	conv, err := glm.NewConvolver(tr, glm.Canonical(), 0, glm.SampleMiddle)
	if err != nil {
		t.Fatal(err)
	}
	nv := nx * ny
	resp := make([][]float64, len(Categories))
	for c := range resp {
		resp[c] = make([]float64, nv)
		for v := range resp[c] {
			resp[c][v] = signal * 10 * rng.NormFloat64()
		}
	}
	for r := 1; r <= runs; r++ {
		rd := filepath.Join(dir, "sub-1", fmt.Sprintf("run-%03d", r))
		if err := os.MkdirAll(rd, 0o755); err != nil {
			t.Fatal(err)
		}
		order := rng.Perm(len(Categories))
		var ev []bids.Event
		data := make([]float64, nv*nt)
		for v := 0; v < nv; v++ {
			if v%nx == 0 {
				continue
			}
			for ti := 0; ti < nt; ti++ {
				data[ti*nv+v] = 1000 + 10*rng.NormFloat64()
			}
		}
		for b, c := range order {
			e := bids.Event{Onset: onsets[b], Duration: 22.5, TrialType: Categories[c]}
			ev = append(ev, e)
			reg, err := conv.Regressor([]glm.Event{{Onset: e.Onset, Duration: e.Duration}}, nil, nt)
			if err != nil {
				t.Fatal(err)
			}
			for v := 0; v < nv; v++ {
				if v%nx == 0 {
					continue
				}
				for ti := 0; ti < nt; ti++ {
					data[ti*nv+v] += resp[c][v] * reg[ti]
				}
			}
		}
		if err := bids.WriteEvents(filepath.Join(rd, EventsFile), ev); err != nil {
			t.Fatal(err)
		}
		h := nifti.NewHeader(nifti.Float32, nx, ny, 1, nt)
		h.SetTR(tr)
		if err := nifti.WriteFile(filepath.Join(rd, BoldFile), h, data); err != nil {
			t.Fatal(err)
		}
		var mo strings.Builder
		for ti := 0; ti < nt; ti++ {
			for k := 0; k < 6; k++ {
				fmt.Fprintf(&mo, "%.5f  ", 0.01*rng.NormFloat64())
			}
			mo.WriteString("\n")
		}
		if err := os.WriteFile(filepath.Join(rd, MotionFile), []byte(mo.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSyntheticPipeline(t *testing.T) {
	cases := []struct {
		name            string
		signal          float64
		minLDA, maxLDA  float64
		minCorr         float64
		wantSignificant bool
		seed            uint64
	}{
		{"planted category signal", 0.5, 0.8, 1, 0.6, true, 1},
		{"no signal", 0, 0, 0.4, 0, false, 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSynth(t, dir, 4, 8, 6, c.signal, c.seed)
			d, err := Load(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Runs) != 4 || len(d.Mask) != 7*6 || d.TR != 2.5 {
				t.Fatalf("loaded %d runs, %d mask voxels, TR %v", len(d.Runs), len(d.Mask), d.TR)
			}
			a, err := Analyze(d, Options{Permutations: 39, Seed: 2})
			if err != nil {
				t.Fatal(err)
			}
			cor, lda := a.Methods[0], a.Methods[1]
			t.Logf("correlation %.2f (p %.3f), LDA %.2f (p %.3f), split half %.2f", cor.Accuracy, cor.PValue, lda.Accuracy, lda.PValue, a.Methods[2].Accuracy)
			if lda.Accuracy < c.minLDA || lda.Accuracy > c.maxLDA {
				t.Errorf("LDA accuracy %.2f outside [%.2f, %.2f]", lda.Accuracy, c.minLDA, c.maxLDA)
			}
			if cor.Accuracy < c.minCorr {
				t.Errorf("correlation accuracy %.2f below %.2f", cor.Accuracy, c.minCorr)
			}
			if (lda.PValue < 0.05) != c.wantSignificant {
				t.Errorf("LDA p = %.3f, want significant %v", lda.PValue, c.wantSignificant)
			}
			out := filepath.Join(t.TempDir(), "report")
			r, err := WriteReport(a, out, dir, "test", "go test")
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{"README.md", "results.json", "confusion.png", "null.png", "pairwise.png", "face_map.png"} {
				if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
					t.Errorf("%s: %v", f, err)
				}
			}
			b, err := os.ReadFile(filepath.Join(out, "results.json"))
			if err != nil {
				t.Fatal(err)
			}
			var back Report
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if len(back.Methods) != 3 || back.Config.Permutations != 39 || back.Config.Seed != 2 || back.CodeVersion != "test" ||
				len(back.Map.Mean) != 8*6 || len(back.Map.T) != len(d.Mask) || len(back.Methods[0].Predicted) != 4 {
				t.Errorf("results.json round trip lost something: %+v", back.Config)
			}
			if r.Methods[1].Accuracy != lda.Accuracy {
				t.Error("report and analysis disagree")
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(t *testing.T, root string)
		wantErr []string // substrings of the error
	}{
		{"not the dataset", func(t *testing.T, root string) { os.RemoveAll(filepath.Join(root, "sub-1")) }, []string{"sub-1", "haxby2001 folder"}},
		{"one run", func(t *testing.T, root string) { os.RemoveAll(filepath.Join(root, "sub-1", "run-002")) }, []string{"1 run-* folders"}},
		{"missing motion", func(t *testing.T, root string) { os.Remove(filepath.Join(root, "sub-1", "run-002", MotionFile)) }, []string{"run-002", MotionFile}},
		{"short motion", func(t *testing.T, root string) {
			os.WriteFile(filepath.Join(root, "sub-1", "run-001", MotionFile), []byte("1 2 3 4 5 6\n"), 0o644)
		}, []string{"run-001", MotionFile, "1 rows of motion estimates for 121 volumes"}},
		{"unknown category", func(t *testing.T, root string) {
			p := filepath.Join(root, "sub-1", "run-002", EventsFile)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(b), "house", "horse", 1)), 0o644)
		}, []string{"run-002", EventsFile, `"horse"`}},
		{"missing category", func(t *testing.T, root string) {
			p := filepath.Join(root, "sub-1", "run-001", EventsFile)
			b, _ := os.ReadFile(p)
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			var keep []string
			for _, l := range lines {
				if !strings.Contains(l, "\tcat\t") {
					keep = append(keep, l)
				}
			}
			os.WriteFile(p, []byte(strings.Join(keep, "\n")+"\n"), 0o644)
		}, []string{"run-001", `no "cat" block`}},
		{"two slices", func(t *testing.T, root string) {
			h := nifti.NewHeader(nifti.Float32, 4, 3, 2, 121)
			h.SetTR(2.5)
			nifti.WriteFile(filepath.Join(root, "sub-1", "run-002", BoldFile), h, make([]float64, 4*3*2*121))
		}, []string{"run-002", BoldFile, "one axial slice"}},
		{"different grid", func(t *testing.T, root string) {
			h := nifti.NewHeader(nifti.Float32, 4, 3, 1, 121)
			h.SetTR(2.5)
			nifti.WriteFile(filepath.Join(root, "sub-1", "run-002", BoldFile), h, make([]float64, 4*3*121))
		}, []string{"run-002", "differ from the first run"}},
		{"truncated image", func(t *testing.T, root string) {
			p := filepath.Join(root, "sub-1", "run-001", BoldFile)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
		}, []string{"run-001", BoldFile}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			writeSynth(t, root, 2, 5, 4, 0.2, 3)
			c.mutate(t, root)
			_, err := Load(root, nil)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range c.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

// TestRealData runs the whole analysis on the shared data (skipped when
// absent) and checks the facts the report relies on.
func TestRealData(t *testing.T) {
	root := needRealData(t)
	d, err := Load(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Runs) != 12 || d.NX != 40 || d.NY != 20 || d.TR != 2.5 || len(d.Runs[0].Vols) != 121 {
		t.Fatalf("%d runs, %d×%d, TR %v", len(d.Runs), d.NX, d.NY, d.TR)
	}
	if len(d.Mask) < 500 || len(d.Mask) > 560 {
		t.Errorf("%d mask voxels, the README says about 530", len(d.Mask))
	}
	a, err := Analyze(d, Options{Permutations: 0})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range a.Methods {
		t.Logf("%s: 8-way %.3f, pairwise %.3f, faces vs houses %.3f", m.Name, m.Accuracy, m.Pairwise, m.FaceVsHouse)
		if m.Accuracy < 0.2 || m.Pairwise < 0.6 {
			t.Errorf("%s: accuracy %.3f, pairwise %.3f: not above chance", m.Name, m.Accuracy, m.Pairwise)
		}
	}
	if lda := a.Methods[1]; lda.FaceVsHouse < 0.9 {
		t.Errorf("LDA faces vs houses %.3f, the classic easy contrast", lda.FaceVsHouse)
	}
	if a.Fits.DCTColumns != 4 || len(a.Fits.Dropped) != 0 {
		t.Errorf("%d DCT columns, dropped %v", a.Fits.DCTColumns, a.Fits.Dropped)
	}
}
