package bids

import (
	"bufio"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"fmriface/neuro/nifti"
)

// designRoot locates the ds001761 design skeleton: <repo root>/../shared.
func designRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found")
		}
		dir = parent
	}
	root := filepath.Join(dir, "..", "shared", "ds001761-design")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("ds001761 design not available: %v", err)
	}
	return root
}

// designTable parses the per-subject table of DESIGN-ONLY.md: row label →
// four numbers (sub-01 … sub-04).
func designTable(t *testing.T, root string) map[string][]int {
	f, err := os.Open(filepath.Join(root, "DESIGN-ONLY.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(strings.Trim(sc.Text(), "| "), "|")
		if len(cells) != 5 {
			continue
		}
		var nums []int
		for _, c := range cells[1:] {
			if v, err := strconv.Atoi(strings.TrimSpace(c)); err == nil {
				nums = append(nums, v)
			}
		}
		if len(nums) == 4 {
			out[strings.TrimSpace(cells[0])] = nums
		}
	}
	return out
}

func TestDesignDataset(t *testing.T) {
	root := designRoot(t)
	want := designWant(t, root)
	d, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Subjects(); !reflect.DeepEqual(got, []string{"01", "02", "03", "04"}) {
		t.Fatalf("subjects %v", got)
	}
	if d.Description.BIDSVersion != "1.0.2" || d.Derivatives() != nil {
		t.Errorf("description %+v", d.Description)
	}
	for si, sub := range d.Subjects() {
		checkDesignSubject(t, d, sub, si, want)
	}
	checkDesignFirstRun(t, d, root)
	checkDesignLocalizer(t, d)
}

// designWant reads the per-subject counts that DESIGN-ONLY.md states: face
// runs, unique training faces, test-face and imagery trials.
func designWant(t *testing.T, root string) map[string][]int {
	table := designTable(t, root)
	rows := map[string]string{ // our name → the table's row label prefix
		"runs": "face runs", "train": "unique training faces", "test": "test-face trials", "img": "imagery trials",
	}
	want := map[string][]int{}
	for k, prefix := range rows {
		for label, nums := range table {
			if strings.HasPrefix(label, prefix) {
				want[k] = nums
			}
		}
		if want[k] == nil {
			t.Fatalf("DESIGN-ONLY.md has no row %q (rows: %v)", prefix, table)
		}
	}
	return want
}

// designTrials counts a subject's trials by type over its face runs.
type designTrials struct {
	train, test, img int
	unique           map[string]bool // training faces
}

// checkDesignSubject checks a subject's face runs (their order and fields)
// and that its trial counts are those of DESIGN-ONLY.md (column si).
func checkDesignSubject(t *testing.T, d *Dataset, sub string, si int, want map[string][]int) {
	runs, err := d.Runs(sub, "faces")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != want["runs"][si] {
		t.Errorf("sub-%s: %d face runs, want %d", sub, len(runs), want["runs"][si])
	}
	n := designTrials{unique: map[string]bool{}}
	for i, r := range runs {
		if i > 0 {
			p := runs[i-1]
			if !lessLabel(p.Session, r.Session) && (p.Session != r.Session || p.Run >= r.Run) {
				t.Fatalf("runs out of order: %+v before %+v", p.Entities, r.Entities)
			}
		}
		if r.TR != 2 || r.NVols != 0 || !reflect.DeepEqual(r.Missing(), []string{"bold"}) || r.Task != "faces" || r.Subject != sub {
			t.Fatalf("run %+v", r)
		}
		n.count(t, r)
	}
	if n.train != want["train"][si] || len(n.unique) != want["train"][si] || n.test != want["test"][si] || n.img != want["img"][si] {
		t.Errorf("sub-%s: train_face %d (unique %d), test_face %d, Img %d; DESIGN-ONLY.md says %d, %d, %d",
			sub, n.train, len(n.unique), n.test, n.img, want["train"][si], want["test"][si], want["img"][si])
	}
}

// count adds a run's trials; one-back repeats are not new training faces.
func (n *designTrials) count(t *testing.T, r Run) {
	ev, err := ReadEvents(r.EventsPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ev {
		switch e.TrialType {
		case "train_face":
			if !e.OneBack {
				n.train++
				n.unique[e.StimFile] = true
			}
		case "test_face":
			n.test++
		case "Img":
			n.img++
			if e.Duration < 12 || e.Duration > 12.1 {
				t.Errorf("%s: Img trial of %v s", r.EventsPath, e.Duration)
			}
		case "Fix":
		default:
			t.Fatalf("%s: trial type %q", r.EventsPath, e.TrialType)
		}
	}
}

// checkDesignFirstRun checks sub-01's first face run: its file names and its
// sidecar.
func checkDesignFirstRun(t *testing.T, d *Dataset, root string) {
	runs, err := d.Runs("sub-01", "faces")
	if err != nil {
		t.Fatal(err)
	}
	r := runs[0]
	if r.Session != "01" || r.Run != 1 || filepath.Base(r.EventsPath) != "sub-01_ses-01_task-faces_run-01_events.tsv" ||
		filepath.Base(r.SidecarPath) != "sub-01_ses-01_task-faces_run-01_bold.json" ||
		r.EventsPath != r.File(root, "events", ".tsv") || r.SidecarPath != r.File(root, "bold", ".json") {
		t.Errorf("first run %+v", r)
	}
	s, err := ReadSidecar(r.SidecarPath)
	if err != nil {
		t.Fatal(err)
	}
	if s.RepetitionTime != 2 || s.TaskName != "faces" || !(s.EchoTime > 0.02 && s.EchoTime < 0.04) || s.Extra["Manufacturer"] != "Philips" {
		t.Errorf("sidecar %+v", s)
	}
}

// checkDesignLocalizer checks the localizer task's events, whose trial types
// differ from the face runs'.
func checkDesignLocalizer(t *testing.T, d *Dataset) {
	loc, err := d.Runs("01", "loc")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := ReadEvents(loc[0].EventsPath)
	if err != nil {
		t.Fatal(err)
	}
	if ev[0].TrialType != "fix" || ev[1].TrialType != "face" || ev[1].Onset != 16 || ev[1].Duration != 16 || ev[0].StimFile != "" {
		t.Errorf("localizer events %+v", ev[:2])
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	ev := filepath.Join(dir, "sub-01_task-faces_run-01_events.tsv")
	side := filepath.Join(dir, "sub-01_task-faces_run-01_bold.json")
	conf := filepath.Join(dir, "sub-01_task-faces_run-01_desc-confounds_timeseries.tsv")
	cases := []struct {
		name, path, body string
		read             func(string) error
		want             string
	}{
		{"missing events file", filepath.Join(dir, "absent_events.tsv"), "", func(p string) error { _, err := ReadEvents(p); return err }, "no such file"},
		{"wrong column", ev, "onset\tduration\ttrial\n1\t1\tFix\n", func(p string) error { _, err := ReadEvents(p); return err },
			"missing required column(s) trial_type (the header has onset, duration, trial)"},
		{"ragged row", ev, "onset\tduration\ttrial_type\n1\t1\tFix\n2\t1\n", func(p string) error { _, err := ReadEvents(p); return err },
			"line 3 has 2 fields"},
		{"bad onset", ev, "onset\tduration\ttrial_type\n1\t1\tFix\nsoon\t1\tFix\n", func(p string) error { _, err := ReadEvents(p); return err },
			`line 3, column "onset": "soon" is not a number`},
		{"n/a onset", ev, "onset\tduration\ttrial_type\nn/a\t1\tFix\n", func(p string) error { _, err := ReadEvents(p); return err },
			`line 2, column "onset": "n/a", want a number`},
		{"negative duration", ev, "onset\tduration\ttrial_type\n1\t-1\tFix\n", func(p string) error { _, err := ReadEvents(p); return err },
			`line 2, column "duration": -1, want a number of seconds ≥ 0`},
		{"bad oneback", ev, "onset\tduration\ttrial_type\toneback\n1\t1\tFix\tyes\n", func(p string) error { _, err := ReadEvents(p); return err },
			`line 2, column "oneback": "yes", want 0, 1 or n/a`},
		{"sidecar not JSON", side, "{RepetitionTime: 2}", func(p string) error { _, err := ReadSidecar(p); return err }, "not a JSON object"},
		{"sidecar bad TR", side, `{"RepetitionTime": -2}`, func(p string) error { _, err := ReadSidecar(p); return err }, "RepetitionTime is -2"},
		{"sidecar TR string", side, `{"RepetitionTime": "2"}`, func(p string) error { _, err := ReadSidecar(p); return err }, "field RepetitionTime"},
		{"slice timing past TR", side, `{"RepetitionTime": 2, "SliceTiming": [0, 1, 2.5]}`, func(p string) error { _, err := ReadSidecar(p); return err }, "SliceTiming[2] is 2.5"},
		{"confounds n/a later", conf, "trans_x\trot_z\nn/a\t0\n0.1\tn/a\n", func(p string) error { _, err := ReadConfounds(p, []string{"trans_x", "rot_z"}); return err },
			`line 3, column "rot_z": n/a after the first row`},
		{"confounds missing column", conf, "trans_x\n0\n", func(p string) error { _, err := ReadConfounds(p, MotionColumns()); return err },
			"missing required column(s) trans_y, trans_z, rot_x, rot_y, rot_z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.body != "" {
				write(t, c.path, c.body)
			}
			err := c.read(c.path)
			if err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, c.path, c.want)
			}
		})
	}
}

func TestDatasetErrors(t *testing.T) {
	root := t.TempDir()
	if _, err := Open(root); err == nil || !strings.Contains(err.Error(), filepath.Join(root, "dataset_description.json")) {
		t.Errorf("no description: %v", err)
	}
	write(t, filepath.Join(root, "dataset_description.json"), `{"Name": "x"}`)
	if _, err := Open(root); err == nil || !strings.Contains(err.Error(), "BIDSVersion") {
		t.Errorf("no BIDSVersion: %v", err)
	}
	write(t, filepath.Join(root, "dataset_description.json"), `{"Name": "x", "BIDSVersion": "1.8.0"}`)
	if _, err := Open(root); err == nil || !strings.Contains(err.Error(), "no sub-* folders") {
		t.Errorf("no subjects: %v", err)
	}
	e := Entities{Subject: "01", Session: "01", Task: "faces", Run: 1}
	write(t, e.File(root, "events", ".tsv"), "onset\tduration\ttrial_type\n")
	write(t, e.File(root, "bold", ".json"), `{"RepetitionTime": 0}`)
	d, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Runs("02", "faces"); err == nil || !strings.Contains(err.Error(), `no subject "02" (it has 01)`) {
		t.Errorf("unknown subject: %v", err)
	}
	if _, err := d.Runs("01", "rest"); err == nil || !strings.Contains(err.Error(), `no runs of task "rest" for sub-01`) {
		t.Errorf("unknown task: %v", err)
	}
	if _, err := d.Runs("01", "faces"); err == nil || !strings.Contains(err.Error(), e.File(root, "bold", ".json")) {
		t.Errorf("bad sidecar: %v", err)
	}
	// A corrupt image is reported with its name.
	write(t, e.File(root, "bold", ".json"), `{"RepetitionTime": 2}`)
	write(t, e.File(root, "bold", ".nii.gz"), "\x1f\x8b\x08\x00garbage")
	if _, err := d.Runs("01", "faces"); err == nil || !strings.Contains(err.Error(), e.File(root, "bold", ".nii.gz")) {
		t.Errorf("corrupt image: %v", err)
	}
}

// writeImage writes a small 4-D int16 image with scaling.
func writeImage(t *testing.T, path string, nvols int, tr float64) []float64 {
	t.Helper()
	h := nifti.NewHeader(nifti.Int16, 4, 3, 2, nvols)
	h.SetTR(tr)
	h.SclSlope, h.SclInter = nifti.ScaleFor(nifti.Int16, 0, 1000)
	data := make([]float64, h.NumVoxels())
	for i := range data {
		data[i] = float64(int16(i*37%3000-1500))*float64(h.SclSlope) + float64(h.SclInter)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := nifti.WriteFile(path, h, data); err != nil {
		t.Fatal(err)
	}
	return data
}

func TestWriteThenRead(t *testing.T) {
	root := filepath.Join(t.TempDir(), "sim")
	desc := Description{
		Name: "virtual subjects", BIDSVersion: "1.8.0", DatasetType: "raw",
		GeneratedBy: []GeneratedBy{{Name: "fmriface simulate", Version: "test"}},
		Extra:       map[string]any{"SimulationConfig": map[string]any{"seed": 7.0, "noise": 0.5}},
	}
	if err := WriteDescription(root, desc); err != nil {
		t.Fatal(err)
	}
	events := []Event{
		{Onset: 5.994857, Duration: 0.999187, TrialType: "train_face", StimFile: "sub01/run01/F0001.jpg"},
		{Onset: 0.1 + 0.2, Duration: 1, TrialType: "train_face", StimFile: "sub01/run01/F0001.jpg", OneBack: true},
		{Onset: 12, Duration: 12.01, TrialType: "Img"},
	}
	var all []Entities
	for _, ses := range []string{"2", "1", "10"} { // numeric session order: 1, 2, 10
		for run := 2; run >= 1; run-- {
			e := Entities{Subject: "01", Session: ses, Task: "faces", Run: run}
			all = append(all, e)
			if err := WriteEvents(e.File(root, "events", ".tsv"), events); err != nil {
				t.Fatal(err)
			}
			s := Sidecar{RepetitionTime: 2, TaskName: "faces", SliceTiming: []float64{0, 1, 0.5}, Extra: map[string]any{"Simulated": true}}
			if err := WriteSidecar(e.File(root, "bold", ".json"), s); err != nil {
				t.Fatal(err)
			}
			writeImage(t, e.File(root, "bold", ".nii.gz"), 5, 2)
		}
	}
	d, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if d.Description.Name != desc.Name || !reflect.DeepEqual(d.Description.GeneratedBy, desc.GeneratedBy) ||
		!reflect.DeepEqual(d.Description.Extra, desc.Extra) {
		t.Errorf("description %+v", d.Description)
	}
	runs, err := d.Runs("01", "faces")
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	for _, r := range runs {
		order = append(order, r.Prefix())
		if r.TR != 2 || r.NVols != 5 || len(r.Missing()) != 0 || r.BoldPath != r.File(root, "bold", ".nii.gz") {
			t.Errorf("run %+v", r)
		}
	}
	wantOrder := []string{"sub-01_ses-1_task-faces_run-01", "sub-01_ses-1_task-faces_run-02", "sub-01_ses-2_task-faces_run-01",
		"sub-01_ses-2_task-faces_run-02", "sub-01_ses-10_task-faces_run-01", "sub-01_ses-10_task-faces_run-02"}
	if !reflect.DeepEqual(order, wantOrder) {
		t.Errorf("order %v", order)
	}
	got, err := ReadEvents(runs[0].EventsPath)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, events) {
		t.Errorf("events changed:\n got %+v\nwant %+v", got, events)
	}
	s, err := ReadSidecar(runs[0].SidecarPath)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.SliceTiming, []float64{0, 1, 0.5}) || s.Extra["Simulated"] != true {
		t.Errorf("sidecar %+v", s)
	}
	if err := WriteSidecar(filepath.Join(root, "x_bold.json"), Sidecar{}); err == nil {
		t.Error("a sidecar without RepetitionTime was written")
	}
	if err := WriteEvents(filepath.Join(root, "x_events.tsv"), []Event{{Onset: math.NaN()}}); err == nil {
		t.Error("an event without onset was written")
	}
}

func TestSidecarInheritance(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "dataset_description.json"), `{"Name": "x", "BIDSVersion": "1.8.0"}`)
	write(t, filepath.Join(root, "task-faces_bold.json"), `{"RepetitionTime": 3, "TaskName": "faces", "EchoTime": 0.03}`)
	write(t, filepath.Join(root, "task-loc_bold.json"), `{"RepetitionTime": 9}`)
	write(t, filepath.Join(root, "sub-01", "sub-01_task-faces_bold.json"), `{"RepetitionTime": 2}`)
	e1 := Entities{Subject: "01", Task: "faces", Run: 1}
	e2 := Entities{Subject: "01", Task: "faces", Run: 2}
	write(t, e1.File(root, "events", ".tsv"), "onset\tduration\ttrial_type\n")
	write(t, e2.File(root, "events", ".tsv"), "onset\tduration\ttrial_type\n")
	write(t, e2.File(root, "bold", ".json"), `{"EchoTime": 0.025}`)
	d, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := d.Runs("01", "faces")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].TR != 2 || runs[1].TR != 2 || runs[0].Session != "" ||
		runs[0].SidecarPath != filepath.Join(root, "sub-01", "sub-01_task-faces_bold.json") ||
		runs[1].SidecarPath != e2.File(root, "bold", ".json") {
		t.Errorf("runs %+v", runs)
	}
}

func TestDerivatives(t *testing.T) {
	root, fp, want := writeFmriprepDataset(t)
	d, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	if d.Derivatives() == nil || d.Derivatives().Description.GeneratedBy[0].Name != "fMRIPrep" {
		t.Fatal("derivatives/fmriprep not found")
	}
	checkSpaceChoice(t, d)
	d.UseDerivatives(d.Derivatives(), "T1w")
	checkDerivativeRuns(t, d, fp, want)
	checkDerivativesAlone(t, root, fp)
}

// fmriprepConfounds are the columns of the confounds tables that
// writeFmriprepDataset writes.
var fmriprepConfounds = []string{"global_signal", "trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z", "trans_x_derivative1", "framewise_displacement"}

// writeFmriprepDataset writes a raw dataset (sub-01, two sessions of one run)
// with fMRIPrep derivatives in derivatives/fmriprep (fp): images in two
// spaces, the template in two resolutions, and the same confounds table in
// every session, which it returns (its first row NaN where fMRIPrep leaves
// n/a).
func writeFmriprepDataset(t *testing.T) (root, fp string, want [][]float64) {
	root = t.TempDir()
	if err := WriteDescription(root, Description{Name: "raw", BIDSVersion: "1.8.0"}); err != nil {
		t.Fatal(err)
	}
	fp = filepath.Join(root, "derivatives", "fmriprep")
	if err := WriteDescription(fp, Description{Name: "fMRIPrep - fMRI PREProcessing workflow", BIDSVersion: "1.4.0",
		DatasetType: "derivative", GeneratedBy: []GeneratedBy{{Name: "fMRIPrep", Version: "23.2.1"}}}); err != nil {
		t.Fatal(err)
	}
	cols := fmriprepConfounds
	for ses := 1; ses <= 2; ses++ {
		e := Entities{Subject: "01", Session: strconv.Itoa(ses), Task: "faces", Run: 1}
		if err := WriteEvents(e.File(root, "events", ".tsv"), []Event{{Onset: 1, Duration: 1, TrialType: "Fix"}}); err != nil {
			t.Fatal(err)
		}
		if err := WriteSidecar(e.File(root, "bold", ".json"), Sidecar{RepetitionTime: 2}); err != nil {
			t.Fatal(err)
		}
		for _, space := range []string{"T1w", "MNI152NLin2009cAsym"} {
			writeImage(t, e.DerivFile(fp, space, "preproc", "bold", ".nii.gz"), 6, 2)
			writeImage(t, e.DerivFile(fp, space, "brain", "mask", ".nii.gz"), 1, 1)
		}
		// Two resolutions of the template: only the fully named variant is unambiguous.
		writeImage(t, strings.Replace(e.DerivFile(fp, "MNI152NLin2009cAsym", "preproc", "bold", ".nii.gz"), "Asym_desc", "Asym_res-2_desc", 1), 6, 2)
		var rows [][]float64
		for i := 0; i < 6; i++ {
			row := make([]float64, len(cols))
			for j := range row {
				row[j] = float64(i*10+j) / 7
			}
			if i == 0 {
				row[7], row[8] = math.NaN(), math.NaN()
			}
			rows = append(rows, row)
		}
		if err := WriteConfounds(e.DerivFile(fp, "", "confounds", "timeseries", ".tsv"), cols, rows); err != nil {
			t.Fatal(err)
		}
		want = rows
	}
	return root, fp, want
}

// checkSpaceChoice checks that the runs need one space, and in it one
// resolution, that the derivatives have.
func checkSpaceChoice(t *testing.T, d *Dataset) {
	if _, err := d.Runs("01", "faces"); err == nil || !strings.Contains(err.Error(), "several spaces") {
		t.Errorf("ambiguous spaces: %v", err)
	}
	d.UseDerivatives(d.Derivatives(), "MNI152NLin2009cAsym")
	if _, err := d.Runs("01", "faces"); err == nil || !strings.Contains(err.Error(), "space-MNI152NLin2009cAsym, space-MNI152NLin2009cAsym_res-2") {
		t.Errorf("ambiguous resolutions: %v", err)
	}
	d.UseDerivatives(d.Derivatives(), "MNIColin27")
	if _, err := d.Runs("01", "faces"); err == nil || !strings.Contains(err.Error(), `no derivatives in space "MNIColin27"`) {
		t.Errorf("absent space: %v", err)
	}
}

// checkDerivativeRuns checks the runs in d's derivatives space (T1w): their
// paths, their confounds (motion columns, and all columns with n/a read as
// 0) and their mask.
func checkDerivativeRuns(t *testing.T, d *Dataset, fp string, want [][]float64) {
	runs, err := d.Runs("sub-01", "faces")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs", len(runs))
	}
	for _, r := range runs {
		if r.Space != "space-T1w" || r.PreprocPath != r.DerivFile(fp, "T1w", "preproc", "bold", ".nii.gz") ||
			r.MaskPath != r.DerivFile(fp, "T1w", "brain", "mask", ".nii.gz") ||
			r.ConfoundsPath != r.DerivFile(fp, "", "confounds", "timeseries", ".tsv") ||
			r.TR != 2 || r.NVols != 6 || !reflect.DeepEqual(r.Missing(), []string{"bold"}) {
			t.Errorf("run %+v", r)
		}
	}
	conf, err := ReadConfounds(runs[1].ConfoundsPath, MotionColumns())
	if err != nil {
		t.Fatal(err)
	}
	if len(conf) != 6 || len(conf[0]) != 6 || conf[3][0] != want[3][1] || conf[5][5] != want[5][6] {
		t.Errorf("confounds %v", conf)
	}
	allCols, err := ReadConfounds(runs[1].ConfoundsPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(allCols[0]) != len(fmriprepConfounds) || allCols[0][7] != 0 || allCols[0][8] != 0 || allCols[1][8] != want[1][8] {
		t.Errorf("all confounds, first rows %v %v", allCols[0], allCols[1])
	}
	mask, err := nifti.ReadFile(runs[0].MaskPath)
	if err != nil || len(mask.Data) != 24 {
		t.Errorf("mask: %v", err)
	}
}

// checkDerivativesAlone checks the derivatives opened alone, as for a user
// without the raw dataset: runs with TR and volumes but no events (and no
// mask, which the res-2 template has not).
func checkDerivativesAlone(t *testing.T, root, fp string) {
	dv, err := OpenDerivatives(fp)
	if err != nil {
		t.Fatal(err)
	}
	druns, err := dv.Runs("01", "faces", "space-MNI152NLin2009cAsym_res-2")
	if err != nil {
		t.Fatal(err)
	}
	if len(druns) != 2 || druns[0].Space != "space-MNI152NLin2009cAsym_res-2" || druns[0].MaskPath != "" ||
		druns[0].EventsPath != "" || druns[0].TR != 2 || druns[0].NVols != 6 || druns[0].Session != "1" {
		t.Errorf("derivative runs %+v", druns)
	}
	if _, err := OpenDerivatives(filepath.Join(root, "derivatives")); err == nil {
		t.Error("a folder without dataset_description.json opened")
	}
}

func TestEntities(t *testing.T) {
	e := Entities{Subject: "01", Session: "05", Task: "faces", Run: 3}
	if got := e.File("/d", "bold", ".nii.gz"); got != "/d/sub-01/ses-05/func/sub-01_ses-05_task-faces_run-03_bold.nii.gz" {
		t.Errorf("File %s", got)
	}
	if got := e.DerivFile("/f", "T1w", "brain", "mask", ".nii.gz"); got != "/f/sub-01/ses-05/func/sub-01_ses-05_task-faces_run-03_space-T1w_desc-brain_mask.nii.gz" {
		t.Errorf("DerivFile %s", got)
	}
	if got := (Entities{Subject: "x1", Task: "rest"}).File("r", "events", ".tsv"); got != filepath.Join("r", "sub-x1", "func", "sub-x1_task-rest_events.tsv") {
		t.Errorf("no session/run: %s", got)
	}
	for _, bad := range []Entities{{Task: "faces"}, {Subject: "0-1", Task: "faces"}, {Subject: "01"}, {Subject: "01", Task: "a_b"}, {Subject: "01", Task: "x", Run: -1}} {
		if bad.Validate() == nil {
			t.Errorf("%+v validated", bad)
		}
	}
	if e.Validate() != nil {
		t.Error(e.Validate())
	}
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"sub-01_ses-01_task-faces_run-01_bold.nii.gz", true},
		{"task-faces_bold.json", true},
		{"sub-01_task-faces_task-x_bold.json", false},
		{"README", false},
		{"sub-01_ses-01_bold-x.json", false},
		{"sub-01__bold.json", false},
		{".DS_Store", false},
	} {
		if _, ok := parseName(c.in); ok != c.ok {
			t.Errorf("parseName(%q) ok = %v", c.in, ok)
		}
	}
}
