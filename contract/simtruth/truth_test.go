package simtruth_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fmriface/contract/simtruth"
	"fmriface/neuro/tsv"
)

func TestPaths(t *testing.T) {
	for _, tc := range []struct{ sub, want string }{
		{"01", "root/derivatives/fmriface-sim/sub-01/sub-01_stimuli.tsv"},
		{"sub-02", "root/derivatives/fmriface-sim/sub-02/sub-02_stimuli.tsv"},
	} {
		if got := simtruth.SubjectFile("root", tc.sub, "stimuli.tsv"); got != filepath.FromSlash(tc.want) {
			t.Errorf("SubjectFile(%q) = %s, want %s", tc.sub, got, tc.want)
		}
	}
}

// TestRoundTrip writes the three tables and reads them back, and pins their
// bytes (the simulator's output must not change).
func TestRoundTrip(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Dir(simtruth.SubjectFile(root, "01", "x")), 0o755); err != nil {
		t.Fatal(err)
	}
	maps := []simtruth.StimulusMapping{
		{StimFile: "sub01/run01/F0001.jpg", Image: "F0001.jpg", TrialType: simtruth.TrialTrain, CelebA: "000001.jpg", Split: simtruth.SplitTrain},
		{StimFile: "sub01/run02/M1145.jpg", Image: "M1145.jpg", TrialType: simtruth.TrialTest, CelebA: "000002.jpg", Split: simtruth.SplitTest, Male: true},
	}
	tests := []simtruth.FaceRef{{Image: "M1145.jpg", CelebA: "000002.jpg", Male: true}}
	im := simtruth.Imagery{Candidates: []simtruth.FaceRef{{CelebA: "000003.jpg"}, {CelebA: "000004.jpg", Male: true}}, Target: 1}
	if err := simtruth.WriteStimulusMap(root, "01", maps); err != nil {
		t.Fatal(err)
	}
	if err := simtruth.WriteTestFaces(root, "sub-01", tests); err != nil {
		t.Fatal(err)
	}
	if err := simtruth.WriteImagery(root, "01", im); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ suffix, want string }{
		{"stimuli.tsv", "stim_file\timage\ttrial_type\tceleba_file\tsplit\tmale\n" +
			"sub01/run01/F0001.jpg\tF0001.jpg\ttrain_face\t000001.jpg\ttrain\t0\n" +
			"sub01/run02/M1145.jpg\tM1145.jpg\ttest_face\t000002.jpg\ttest\t1\n"},
		{"testfaces.tsv", "image\tceleba_file\tmale\nM1145.jpg\t000002.jpg\t1\n"},
		{"imagery.tsv", "celeba_file\tmale\timagined\n000003.jpg\t0\t0\n000004.jpg\t1\t1\n"},
	} {
		got, err := os.ReadFile(simtruth.SubjectFile(root, "01", tc.suffix))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("%s:\n%q\nwant\n%q", tc.suffix, got, tc.want)
		}
	}
	gotMaps, err := simtruth.ReadStimulusMap(root, "01")
	if err != nil || !slices.Equal(gotMaps, maps) {
		t.Errorf("stimulus map %+v, %v", gotMaps, err)
	}
	gotTests, err := simtruth.ReadTestFaces(root, "01")
	if err != nil || !slices.Equal(gotTests, tests) {
		t.Errorf("test faces %+v, %v", gotTests, err)
	}
	gotIm, err := simtruth.ReadImagery(root, "01")
	if err != nil || gotIm.Target != 1 || !slices.Equal(gotIm.Candidates, im.Candidates) || gotIm.Imagined().CelebA != "000004.jpg" {
		t.Errorf("imagery %+v, %v", gotIm, err)
	}
}

// The writers refuse what the readers would refuse, naming the file.
func TestWritersReject(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Dir(simtruth.SubjectFile(root, "01", "x")), 0o755); err != nil {
		t.Fatal(err)
	}
	good := simtruth.StimulusMapping{StimFile: "a", Image: "a", TrialType: simtruth.TrialTrain, CelebA: "c", Split: simtruth.SplitTrain}
	for _, tc := range []struct {
		name  string
		write func() error
		want  string
	}{
		{"trial type", func() error {
			m := good
			m.TrialType = "Fix"
			return simtruth.WriteStimulusMap(root, "01", []simtruth.StimulusMapping{good, m})
		}, "stimuli.tsv: row 2: trial_type \"Fix\""},
		{"split", func() error {
			m := good
			m.Split = "val"
			return simtruth.WriteStimulusMap(root, "01", []simtruth.StimulusMapping{m})
		}, "stimuli.tsv: row 1: split \"val\""},
		{"tab", func() error {
			m := good
			m.CelebA = "a\tb"
			return simtruth.WriteStimulusMap(root, "01", []simtruth.StimulusMapping{m})
		}, "stimuli.tsv"},
		{"no candidates", func() error { return simtruth.WriteImagery(root, "01", simtruth.Imagery{}) }, "imagery.tsv: no imagery candidates"},
		{"target", func() error {
			return simtruth.WriteImagery(root, "01", simtruth.Imagery{Candidates: []simtruth.FaceRef{{CelebA: "x"}}, Target: 1})
		}, "imagery.tsv: imagined face 1 is outside the 1 candidates"},
	} {
		err := tc.write()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestReadersReject(t *testing.T) {
	stim := "stim_file\timage\ttrial_type\tceleba_file\tsplit\tmale\n"
	imag := "celeba_file\tmale\timagined\n"
	parseStim := func(t *tsv.Table) error { _, err := simtruth.ParseStimulusMap(t); return err }
	parseImag := func(t *tsv.Table) error { _, err := simtruth.ParseImagery(t); return err }
	parseTest := func(t *tsv.Table) error { _, err := simtruth.ParseTestFaces(t); return err }
	for _, c := range []struct {
		name, data, want string
		parse            func(*tsv.Table) error
	}{
		{"columns", "stim_file\timage\n", "columns", parseStim},
		{"male", stim + "a\tb\ttrain_face\tc\ttrain\tyes\n", `line 2, column "male": "yes"`, parseStim},
		{"split", stim + "a\tb\ttrain_face\tc\tval\t1\n", "line 2: split", parseStim},
		{"trial type", stim + "a\tb\tFix\tc\ttrain\t1\n", "line 2: trial_type \"Fix\"", parseStim},
		{"imagined", imag + "a\t1\t0\nb\t0\t0\n", "0 faces are marked imagined", parseImag},
		{"two imagined", imag + "a\t1\t1\nb\t0\t1\n", "2 faces are marked imagined", parseImag},
		{"imagined flag", imag + "a\t1\tyes\n", `column "imagined"`, parseImag},
		{"test", "image\tceleba_file\n", "columns", parseTest},
		{"test male", "image\tceleba_file\tmale\nx\ty\t2\n", `column "male": "2"`, parseTest},
	} {
		tab, err := tsv.Parse([]byte(c.data), "bad.tsv")
		if err == nil {
			err = c.parse(tab)
		}
		if err == nil || !strings.Contains(err.Error(), "bad.tsv") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming the file and %s", c.name, err, c.want)
		}
	}
}

func FuzzStimulusTables(f *testing.F) {
	f.Add([]byte("stim_file\timage\ttrial_type\tceleba_file\tsplit\tmale\nsub01/run01/F0001.jpg\tF0001.jpg\ttrain_face\t000001.jpg\ttrain\t0\n"))
	f.Add([]byte("image\tceleba_file\tmale\nF1145.jpg\t000002.jpg\t0\n"))
	f.Add([]byte("celeba_file\tmale\timagined\n000003.jpg\t1\t1\n000004.jpg\t0\t0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := tsv.Parse(data, "fuzz.tsv")
		if err != nil {
			return
		}
		if m, err := simtruth.ParseStimulusMap(tab); err == nil {
			for _, x := range m {
				if err := x.Validate(); err != nil {
					t.Fatalf("accepted an invalid row: %v", err)
				}
			}
		}
		simtruth.ParseTestFaces(tab)
		if im, err := simtruth.ParseImagery(tab); err == nil {
			if err := im.Validate(); err != nil {
				t.Fatalf("accepted an invalid imagery set: %v", err)
			}
		}
	})
}
