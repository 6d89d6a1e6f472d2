package nifti

import (
	"encoding/binary"
	"encoding/json"
	"fmriface/util/pytest"
	"math"
	"os/exec"
	"path/filepath"
	"testing"
)

// nibFile is what the Python side reports about one file.
type nibFile struct {
	Shape    []int          `json:"shape"`
	Dtype    string         `json:"dtype"`
	Slope    *float64       `json:"slope"`
	Inter    *float64       `json:"inter"`
	Affine   [4][4]float64  `json:"affine"`
	Qform    [4][4]float64  `json:"qform"`
	Sform    [4][4]float64  `json:"sform"`
	Codes    [2]int         `json:"codes"`
	Zooms    []float64      `json:"zooms"`
	Exts     []nibExtension `json:"exts"`
	Unscaled []float64      `json:"unscaled"` // stored values, Fortran (x fastest) order
	Scaled   []float64      `json:"scaled"`
}

type nibExtension struct {
	Code    int    `json:"code"`
	Content string `json:"content"`
}

const nibDump = `
import json, sys, numpy as np, nibabel as nib
out = {}
for p in sys.argv[1:]:
    img = nib.load(p)
    h = img.header
    # nibabel moves the scaling from a loaded header into its data proxy
    s, i = getattr(img.dataobj, "slope", None), getattr(img.dataobj, "inter", None)
    raw = np.asanyarray(img.dataobj.get_unscaled()) if hasattr(img.dataobj, "get_unscaled") else np.asanyarray(img.dataobj)
    out[p] = dict(shape=list(img.shape), dtype=str(h.get_data_dtype().newbyteorder("=")),
        slope=None if s is None else float(s), inter=None if i is None else float(i),
        affine=img.affine.tolist(), qform=h.get_qform().tolist(), sform=h.get_sform().tolist(),
        codes=[int(h["qform_code"]), int(h["sform_code"])], zooms=[float(z) for z in h.get_zooms()],
        exts=[dict(code=int(e.get_code()), content=e.get_content().decode("latin1").rstrip("\0")) for e in h.extensions],
        unscaled=[float(x) for x in raw.ravel(order="F")],
        scaled=[float(x) for x in img.get_fdata().ravel(order="F")])
json.dump(out, sys.stdout)
`

func runPython(t *testing.T, py, script string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(py, append([]string{"-c", script}, args...)...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("python: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	return out
}

func close4(a, b [4][4]float64, tol float64) bool {
	for i := range a {
		for j := range a[i] {
			if math.Abs(a[i][j]-b[i][j]) > tol {
				return false
			}
		}
	}
	return true
}

// TestGoToNibabel writes files with this package and reads them with nibabel.
func TestGoToNibabel(t *testing.T) {
	py := pytest.Python(t, "nibabel")
	dir := t.TempDir()
	// An exact rotation (15° about x, then 5° about z) times the voxel size.
	// (For a rotation near 180°, nibabel's quaternion decoding keeps less
	// precision than nifti1_io.c's, which this package follows.)
	cx, sx, cz, sz := math.Cos(15*math.Pi/180), math.Sin(15*math.Pi/180), math.Cos(5*math.Pi/180), math.Sin(5*math.Pi/180)
	rot := [4][4]float64{{3 * cz, -3 * sz * cx, 3.2 * sz * sx, 90}, {3 * sz, 3 * cz * cx, -3.2 * cz * sx, -100}, {0, 3 * sx, 3.2 * cx, -50}, {0, 0, 0, 1}}
	type file struct {
		name  string
		h     *Header
		dtype string
		want  []float64 // values written
	}
	var files []file
	add := func(name string, h *Header, dtype string) {
		data := testValues(h.Datatype, int(h.NumVoxels()), uint64(len(files)+1))
		if !h.Datatype.IsInteger() { // JSON has no NaN/Inf
			for i, v := range data {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					data[i] = float64(i)
				}
			}
		}
		if _, _, ok := h.Scaling(); ok {
			for i := range data { // stored integers k → k×slope + inter
				data[i] = data[i]*float64(h.SclSlope) + float64(h.SclInter)
			}
		}
		files = append(files, file{filepath.Join(dir, name), h, dtype, data})
	}
	bold := NewHeader(Int16, 6, 5, 4, 3)
	bold.SclSlope, bold.SclInter = 0.814408, 12.5
	bold.PixDim[1], bold.PixDim[2], bold.PixDim[3] = 3, 3, 3.2
	bold.SetTR(2)
	bold.SetSform(rot, XformScanner)
	if err := bold.SetQform(rot, XformScanner); err != nil {
		t.Fatal(err)
	}
	bold.Extensions = []Extension{{Code: 6, Data: []byte("written by fmriface/nifti")}}
	add("bold.nii.gz", bold, "int16")
	be := NewHeader(Float32, 4, 3, 2, 2)
	be.ByteOrder = binary.BigEndian
	be.SetSform(rot, XformAligned)
	add("be.nii", be, "float32")
	add("mask.nii.gz", NewHeader(Uint8, 5, 4, 3), "uint8")
	f64 := NewHeader(Float64, 3, 3, 3)
	f64.VoxOffset = 1024
	add("f64.nii", f64, "float64")
	add("u16.nii", NewHeader(Uint16, 4, 4, 2), "uint16")
	add("i32.nii.gz", NewHeader(Int32, 4, 4, 2), "int32")

	var paths []string
	for _, f := range files {
		if err := WriteFile(f.name, f.h, f.want); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, f.name)
	}
	var got map[string]nibFile
	if err := json.Unmarshal(runPython(t, py, nibDump, paths...), &got); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		g := got[f.name]
		if g.Dtype != f.dtype || len(g.Shape) != len(f.h.Dim) {
			t.Errorf("%s: nibabel sees %v %v, want %s %v", f.name, g.Dtype, g.Shape, f.dtype, f.h.Dim)
		}
		if len(g.Scaled) != len(f.want) {
			t.Fatalf("%s: nibabel read %d values, want %d", f.name, len(g.Scaled), len(f.want))
		}
		for i, v := range f.want {
			if math.Abs(g.Scaled[i]-v) > 1e-6*math.Max(1, math.Abs(v)) {
				t.Fatalf("%s voxel %d: nibabel %v, wrote %v", f.name, i, g.Scaled[i], v)
			}
		}
		// Without a transform code, nibabel invents a centred affine where
		// NIfTI-1 (and this package) use the pixdim diagonal: compare only coded ones.
		if (f.h.QformCode > 0 || f.h.SformCode > 0) && !close4(g.Affine, f.h.Affine(), 1e-5) {
			t.Errorf("%s: nibabel affine %v, ours %v", f.name, g.Affine, f.h.Affine())
		}
		if f.h.QformCode > 0 && !close4(g.Qform, f.h.QformAffine(), 1e-5) {
			t.Errorf("%s: nibabel qform %v, ours %v", f.name, g.Qform, f.h.QformAffine())
		}
	}
	if b := got[files[0].name]; len(b.Exts) != 1 || b.Exts[0].Code != 6 || b.Exts[0].Content != "written by fmriface/nifti" ||
		len(b.Zooms) != 4 || b.Zooms[3] != 2 || b.Slope == nil || *b.Slope != float64(bold.SclSlope) {
		t.Errorf("bold as nibabel sees it: %+v", b)
	}
}

// TestNibabelToGo reads files written by nibabel.
func TestNibabelToGo(t *testing.T) {
	py := pytest.Python(t, "nibabel")
	dir := t.TempDir()
	const write = `
import sys, numpy as np, nibabel as nib
d = sys.argv[1]
rng = np.random.default_rng(5)
aff = np.array([[-3, 0.1, 0, 90], [0.1, 3, 0, -100], [0, 0, 3.2, -50], [0, 0, 0, 1]])
def save(name, data, dtype, endian="<", slope=None, inter=None, ext=None):
    h = nib.Nifti1Header(endianness=endian)
    h.set_data_dtype(dtype)
    img = nib.Nifti1Image(data, aff, h)
    img.set_qform(aff, 1)
    img.set_sform(aff, 2)
    if slope is not None:
        img.header.set_slope_inter(slope, inter)
    if ext:
        img.header.extensions.append(nib.nifti1.Nifti1Extension(6, ext))
    img.header.set_xyzt_units("mm", "msec")
    if data.ndim == 4:
        img.header["pixdim"][4] = 2000
    nib.save(img, d + "/" + name)
save("bold.nii.gz", rng.integers(-32768, 32767, (6, 5, 4, 3)).astype(np.int16), np.int16, slope=0.8144, inter=-3.5, ext=b"hello from nibabel")
save("be.nii", rng.standard_normal((4, 3, 2, 2)).astype(np.float32), np.float32, endian=">")
save("mask.nii.gz", (rng.random((5, 4, 3)) > 0.5).astype(np.uint8), np.uint8)
save("f64.nii", rng.standard_normal((3, 3, 3)) * 1e9, np.float64, endian=">")
save("i32.nii", rng.integers(-2**31, 2**31 - 1, (3, 3, 2)).astype(np.int32), np.int32)
`
	runPython(t, py, write, dir)
	names := []string{"bold.nii.gz", "be.nii", "mask.nii.gz", "f64.nii", "i32.nii"}
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join(dir, n))
	}
	var want map[string]nibFile
	if err := json.Unmarshal(runPython(t, py, nibDump, paths...), &want); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		w := want[p]
		im, err := ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		h := im.Header
		if len(h.Dim) != len(w.Shape) || int(h.NumVoxels()) != len(w.Unscaled) {
			t.Fatalf("%s: dims %v, nibabel %v", p, h.Dim, w.Shape)
		}
		if (filepath.Base(p) == "be.nii" || filepath.Base(p) == "f64.nii") != (h.ByteOrder == binary.BigEndian) {
			t.Errorf("%s: byte order %v", p, h.ByteOrder)
		}
		for i, x := range im.Data {
			if math.Abs(x-w.Scaled[i]) > 1e-6*math.Max(1, math.Abs(x)) {
				t.Fatalf("%s voxel %d: %v, nibabel %v", p, i, x, w.Scaled[i])
			}
		}
		if !close4(h.Affine(), w.Affine, 1e-5) || !close4(h.QformAffine(), w.Qform, 1e-5) || !close4(h.SformAffine(), w.Sform, 1e-5) {
			t.Errorf("%s: affine %v qform %v sform %v; nibabel %v %v %v", p, h.Affine(), h.QformAffine(), h.SformAffine(), w.Affine, w.Qform, w.Sform)
		}
		if len(h.Dim) == 4 && h.TR() != 2 {
			t.Errorf("%s: TR %v s, want 2 (2000 ms)", p, h.TR())
		}
	}
	// Unscaled values too: read the int16 run without scaling.
	r, err := Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := r.Header(); len(got.Extensions) != 1 || string(got.Extensions[0].Data[:18]) != "hello from nibabel" {
		t.Errorf("extensions %+v", got.Extensions)
	}
	if s, b, _ := r.Header().Scaling(); s != *want[paths[0]].Slope || b != *want[paths[0]].Inter {
		t.Errorf("scaling %v %v, nibabel %v %v", s, b, *want[paths[0]].Slope, *want[paths[0]].Inter)
	}
}
