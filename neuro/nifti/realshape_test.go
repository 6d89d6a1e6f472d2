package nifti

import (
	"bytes"
	"fmriface/util/pytest"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrailingBytes: a file with bytes after the image data, which nibabel
// reads, is read too, with a warning that names the file and counts the
// bytes, whether plain, compressed or of unknown size.
func TestTrailingBytes(t *testing.T) {
	h := NewHeader(Int16, 4, 3, 2, 2)
	h.SclSlope, h.SclInter = 0.5, -3
	good := validFile(t, h)
	want, err := NewReader(bytes.NewReader(good), "good.nii", int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	wantIm, err := want.ReadAll()
	if err != nil || len(wantIm.Warnings) != 0 {
		t.Fatalf("clean file: %v, warnings %v", err, wantIm.Warnings)
	}
	extra := func(n int) []byte { return append(append([]byte(nil), good...), bytes.Repeat([]byte{7}, n)...) }
	cases := []struct {
		name  string
		file  []byte
		size  bool // pass the file size
		bytes string
	}{
		{"plain.nii", extra(2), true, "2 extra bytes"},
		{"plain-unsized.nii", extra(5), false, "5 extra bytes"},
		{"padded.nii.gz", gz(extra(1000)), true, "1000 extra bytes"},
		{"padded-unsized.nii.gz", gz(extra(3)), false, "3 extra bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			size := int64(-1)
			if c.size {
				size = int64(len(c.file))
			}
			r, err := NewReader(bytes.NewReader(c.file), c.name, size)
			if err != nil {
				t.Fatal(err)
			}
			im, err := r.ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(im.Data) != len(wantIm.Data) {
				t.Fatalf("%d values, want %d", len(im.Data), len(wantIm.Data))
			}
			for i := range im.Data {
				if im.Data[i] != wantIm.Data[i] {
					t.Fatalf("voxel %d: %v, want %v", i, im.Data[i], wantIm.Data[i])
				}
			}
			if len(im.Warnings) != 1 || !strings.Contains(im.Warnings[0], c.name) || !strings.Contains(im.Warnings[0], c.bytes) {
				t.Errorf("warnings %q, want one naming %s and saying %q", im.Warnings, c.name, c.bytes)
			}
		})
	}
}

// realBOLDHeader is a ds001761 run's header on a few volumes: 80 × 80 × 41
// voxels of 3 × 3 × 3.2 mm (3 mm slices, 0.2 mm gap), TR 2 s, int16 with
// Philips scaling (dcm2niix writes the rescale slope as scl_slope).
func realBOLDHeader(nvols int) *Header {
	h := NewHeader(Int16, 80, 80, 41, nvols)
	h.PixDim[1], h.PixDim[2], h.PixDim[3] = 3, 3, 3.2
	h.SetTR(2)
	h.SclSlope, h.SclInter = 0.802198, 0
	aff := [4][4]float64{{-3, 0, 0, 118.5}, {0, 3, 0, -105}, {0, 0, 3.2, -52}, {0, 0, 0, 1}}
	h.SetSform(aff, XformScanner)
	return h
}

// realBOLDValues are stored int16 values with a brain-like range.
func realBOLDValues(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64((i*7919)%4000 - 200)
	}
	return v
}

// TestRealShapedBOLD reads a BOLD run shaped like ds001761's, streamed and
// whole, plain and compressed, with and without bytes after the data.
func TestRealShapedBOLD(t *testing.T) {
	const nv = 3
	h := realBOLDHeader(nv)
	stored := realBOLDValues(int(h.NumVoxels()))
	dir := t.TempDir()
	scaled := make([]float64, len(stored))
	for i, k := range stored {
		scaled[i] = k * float64(h.SclSlope)
	}
	for _, name := range []string{"run.nii.gz", "run.nii"} {
		path := filepath.Join(dir, name)
		if err := WriteFile(path, h, scaled); err != nil {
			t.Fatal(err)
		}
	}
	// A plain copy with 4 bytes after the data.
	b, err := os.ReadFile(filepath.Join(dir, "run.nii"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "padded.nii"), append(b, 0, 0, 0, 0), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		warns int
	}{{"run.nii.gz", 0}, {"run.nii", 0}, {"padded.nii", 1}} {
		path := filepath.Join(dir, c.name)
		r, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		hd := r.Header()
		if hd.DimString() != "80×80×41×3" || hd.Datatype != Int16 || hd.TR() != 2 || math.Abs(hd.VoxelSize()[2]-3.2) > 1e-6 || hd.VoxelSize()[0] != 3 {
			t.Errorf("%s: header %s %v TR %v voxel %v", c.name, hd.DimString(), hd.Datatype, hd.TR(), hd.VoxelSize())
		}
		vol := make([]float32, r.VolumeLen())
		for v := 0; v < nv; v++ {
			if err := r.NextVolume(vol); err != nil {
				t.Fatal(err)
			}
			for i, x := range vol {
				if want := float32(scaled[v*len(vol)+i]); math.Abs(float64(x-want)) > 1e-3 {
					t.Fatalf("%s: volume %d voxel %d: %v, want %v", c.name, v, i, x, want)
				}
			}
		}
		if err := r.NextVolume(vol); err.Error() != "EOF" {
			t.Fatalf("%s: after the last volume: %v", c.name, err)
		}
		if len(r.Warnings()) != c.warns {
			t.Errorf("%s: warnings %q, want %d", c.name, r.Warnings(), c.warns)
		}
		r.Close()
	}
}

// TestNibabelRealShapedBOLD: nibabel writes a ds001761-shaped run (and a copy
// with bytes after the data, which nibabel itself reads); this reader gives
// the values nibabel wrote, scaled.
func TestNibabelRealShapedBOLD(t *testing.T) {
	py := pytest.Python(t, "nibabel")
	dir := t.TempDir()
	const write = `
import sys, numpy as np, nibabel as nib
d = sys.argv[1]
data = ((np.arange(80*80*41*3).reshape((80, 80, 41, 3), order="F") * 7919) % 4000 - 200).astype(np.int16)
aff = np.array([[-3, 0, 0, 118.5], [0, 3, 0, -105], [0, 0, 3.2, -52], [0, 0, 0, 1]])
img = nib.Nifti1Image(data, aff)
img.header.set_data_dtype(np.int16)
img.header.set_slope_inter(0.802198, 0)
img.header.set_xyzt_units("mm", "sec")
img.header["pixdim"][4] = 2
nib.save(img, d + "/run.nii")
nib.save(img, d + "/run.nii.gz")
with open(d + "/run.nii", "rb") as f:
    b = f.read()
with open(d + "/padded.nii", "wb") as f:
    f.write(b + bytes(8))
back = nib.load(d + "/padded.nii")
assert back.shape == (80, 80, 41, 3), back.shape
assert np.array_equal(np.asanyarray(back.dataobj.get_unscaled()), data)
`
	runPython(t, py, write, dir)
	var paths []string
	for _, n := range []string{"run.nii", "run.nii.gz", "padded.nii"} {
		paths = append(paths, filepath.Join(dir, n))
	}
	// The same stored values as realBOLDValues, scaled as nibabel scales them.
	want := realBOLDValues(80 * 80 * 41 * 3)
	for i := range want {
		want[i] *= float64(float32(0.802198))
	}
	for _, p := range paths {
		im, err := ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if im.Header.DimString() != "80×80×41×3" || len(im.Data) != len(want) {
			t.Fatalf("%s: %s, %d values; nibabel %d", p, im.Header.DimString(), len(im.Data), len(want))
		}
		for i, x := range im.Data {
			if math.Abs(x-want[i]) > 1e-6*math.Max(1, math.Abs(x)) {
				t.Fatalf("%s voxel %d: %v, nibabel %v", p, i, x, want[i])
			}
		}
		wantWarn := filepath.Base(p) == "padded.nii"
		if got := len(im.Warnings) == 1 && strings.Contains(im.Warnings[0], p) && strings.Contains(im.Warnings[0], "8 extra bytes"); got != wantWarn {
			t.Errorf("%s: warnings %q", p, im.Warnings)
		}
	}
}
