package analysis

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fmriface/neuro/bids"
	"fmriface/neuro/nifti"
	"fmriface/neuro/tsv"
)

// fmriprepColumns is the header of an fMRIPrep (20.2 and later)
// desc-confounds_timeseries.tsv: 118 columns, the 36-parameter expansions,
// outlier measures, CompCor components, cosines and outlier spikes.
func fmriprepColumns() []string {
	var c []string
	expand := func(base string) {
		c = append(c, base, base+"_derivative1", base+"_derivative1_power2", base+"_power2")
	}
	for _, s := range []string{"global_signal", "csf", "white_matter"} {
		expand(s)
	}
	c = append(c, "csf_wm", "tcompcor", "std_dvars", "dvars", "framewise_displacement", "rmsd")
	for _, g := range []struct {
		prefix string
		n      int
	}{{"t_comp_cor_", 6}, {"c_comp_cor_", 5}, {"w_comp_cor_", 5}, {"a_comp_cor_", 50}, {"cosine", 6}, {"non_steady_state_outlier", 1}} {
		for i := 0; i < g.n; i++ {
			c = append(c, fmt.Sprintf("%s%02d", g.prefix, i))
		}
	}
	for _, m := range bids.MotionColumns() {
		expand(m)
	}
	return append(c, "motion_outlier00", "motion_outlier01", "motion_outlier02")
}

// fmriprepFirstRowNA: fMRIPrep leaves n/a in the first row of derivatives
// and frame-to-frame measures.
func fmriprepFirstRowNA(col string) bool {
	return strings.Contains(col, "derivative1") || strings.Contains(col, "dvars") || col == "framewise_displacement" || col == "rmsd"
}

// writeFmriprepConfounds writes a confounds table as fMRIPrep does (n/a in
// the first row where it leaves them, values with fMRIPrep's digits) and
// returns the motion parameters, nvols × 6.
func writeFmriprepConfounds(t *testing.T, path string, nvols, run int) [][]float64 {
	t.Helper()
	cols := fmriprepColumns()
	motion := make([][]float64, nvols)
	rows := make([][]string, nvols)
	for i := range rows {
		motion[i] = make([]float64, 6)
		for j, c := range cols {
			var v string
			switch {
			case i == 0 && fmriprepFirstRowNA(c):
				v = tsv.NA
			case strings.HasPrefix(c, "trans_") && len(c) == 7:
				motion[i][c[6]-'x'] = 0.01 * float64(i*(run+1)) * float64(c[6]-'w')
				v = fmt.Sprint(motion[i][c[6]-'x'])
			case strings.HasPrefix(c, "rot_") && len(c) == 5:
				motion[i][3+c[4]-'x'] = -2.7e-4 * float64(i+run)
				v = fmt.Sprint(motion[i][3+c[4]-'x'])
			case strings.Contains(c, "outlier"):
				v = "0.0"
			default:
				v = fmt.Sprintf("%.10g", 683.2*math.Sin(float64(i+7*j)))
			}
			rows[i] = append(rows[i], v)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := tsv.Write(path, cols, rows); err != nil {
		t.Fatal(err)
	}
	return motion
}

// TestReadRealShapedFmriprep reads a subject laid out like ds001761 with
// fMRIPrep derivatives: runs of 80 × 80 × 41 int16 voxels with scaling (one
// .nii with bytes after its data, as some converters write), the brain mask,
// and confounds tables of fMRIPrep's 118 columns. The motion regressors are
// picked from those columns, the extra bytes are reported, and the series
// hold the scaled values.
func TestReadRealShapedFmriprep(t *testing.T) {
	const nvols = 4
	root := t.TempDir()
	if err := bids.WriteDescription(root, bids.Description{Name: "ds001761-shaped", BIDSVersion: "1.0.2"}); err != nil {
		t.Fatal(err)
	}
	fp := filepath.Join(root, "derivatives", "fmriprep")
	if err := bids.WriteDescription(fp, bids.Description{Name: "fMRIPrep - fMRI PREProcessing workflow", BIDSVersion: "1.4.0",
		DatasetType: "derivative", GeneratedBy: []bids.GeneratedBy{{Name: "fMRIPrep", Version: "23.2.1"}}}); err != nil {
		t.Fatal(err)
	}
	h := nifti.NewHeader(nifti.Int16, 80, 80, 41, nvols)
	h.PixDim[1], h.PixDim[2], h.PixDim[3] = 3, 3, 3.2
	h.SetTR(2)
	h.SclSlope, h.SclInter = 0.802198, 0
	mh := nifti.NewHeader(nifti.Uint8, 80, 80, 41)
	mask := make([]float64, mh.NumVoxels())
	for i := range mask {
		if x, y, z := i%80, (i/80)%80, i/6400; (x-40)*(x-40)+(y-40)*(y-40)+(z-20)*(z-20)*2 < 30*30 {
			mask[i] = 1
		}
	}
	var motion [][][]float64
	var padded string
	for run := 1; run <= 2; run++ {
		e := bids.Entities{Subject: "01", Session: "01", Task: "faces", Run: run}
		ev := []bids.Event{{Onset: 6.015318, Duration: 0.998691, TrialType: "train_face", StimFile: "sub01/run01/F0031.jpg"}}
		if err := bids.WriteEvents(e.File(root, "events", ".tsv"), ev); err != nil {
			t.Fatal(err)
		}
		if err := bids.WriteSidecar(e.File(root, "bold", ".json"), bids.Sidecar{RepetitionTime: 2, TaskName: "faces"}); err != nil {
			t.Fatal(err)
		}
		data := make([]float64, h.NumVoxels())
		for i := range data {
			data[i] = float64((i*31+run)%3000+500) * float64(h.SclSlope)
		}
		ext := ".nii.gz"
		if run == 2 {
			ext = ".nii"
		}
		bold := e.DerivFile(fp, "T1w", "preproc", "bold", ext)
		if err := os.MkdirAll(filepath.Dir(bold), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := nifti.WriteFile(bold, h, data); err != nil {
			t.Fatal(err)
		}
		if run == 2 { // 16 bytes after the image data
			f, err := os.OpenFile(bold, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.Write(make([]byte, 16))
			f.Close()
			padded = bold
		}
		if err := nifti.WriteFile(e.DerivFile(fp, "T1w", "brain", "mask", ".nii.gz"), mh, mask); err != nil {
			t.Fatal(err)
		}
		motion = append(motion, writeFmriprepConfounds(t, e.DerivFile(fp, "", "confounds", "timeseries", ".tsv"), nvols, run))
	}

	ds, err := bids.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	d, err := ReadSubject(ds, "01", ReadOptions{Progress: &log})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Runs) != 2 || d.Grid != [3]int{80, 80, 41} || d.Y.RawMatrix().Rows != 2*nvols {
		t.Fatalf("%d runs, grid %v, %d scans", len(d.Runs), d.Grid, d.Y.RawMatrix().Rows)
	}
	nMask := 0
	for _, m := range mask {
		if m > 0 {
			nMask++
		}
	}
	if len(d.Voxels) != nMask {
		t.Errorf("%d voxels analysed, the mask has %d", len(d.Voxels), nMask)
	}
	for r, ri := range d.Runs {
		for i := 0; i < nvols; i++ {
			for p := 0; p < 6; p++ {
				if got := ri.Motion.At(i, p); got != motion[r][i][p] {
					t.Fatalf("run %d volume %d motion %d: %v, want %v", r+1, i, p, got, motion[r][i][p])
				}
			}
		}
	}
	v := d.Voxels[len(d.Voxels)/2]
	if got, want := d.Y.At(nvols+1, len(d.Voxels)/2), float64(((h.VolumeLen()+v)*31+2)%3000+500)*float64(h.SclSlope); math.Abs(got-want) > 1e-9*want {
		t.Errorf("run 2 volume 2 voxel %d: %v, want %v", v, got, want)
	}
	if !strings.Contains(log.String(), "warning: "+padded) || !strings.Contains(log.String(), "16 extra bytes") {
		t.Errorf("no warning about the padded run in:\n%s", log.String())
	}
	// Every column of the table reads, n/a only in the first row (as 0).
	runs, _ := ds.Runs("01", "faces")
	all, err := bids.ReadConfounds(runs[0].ConfoundsPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != nvols || len(all[0]) != 118 {
		t.Fatalf("%d rows of %d columns, want %d of 118", len(all), len(all[0]), nvols)
	}
}
