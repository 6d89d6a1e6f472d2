package nifti

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// testValues returns n values that datatype d stores exactly, including the
// extremes of its range (and, for floats, NaN, ±Inf and a subnormal).
func testValues(d Datatype, n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	lo, hi := d.Range()
	v := make([]float64, n)
	for i := range v {
		switch {
		case d.IsInteger():
			v[i] = math.Floor(lo + rng.Float64()*(hi-lo+1))
			v[i] = math.Min(hi, v[i])
		case d == Float32:
			v[i] = float64(float32(rng.NormFloat64() * 1e3))
		default:
			v[i] = rng.NormFloat64() * 1e6
		}
	}
	special := []float64{lo, hi, 0}
	if !d.IsInteger() {
		special = append(special, math.NaN(), math.Inf(1), math.Inf(-1))
		if d == Float32 {
			special = append(special, float64(math.SmallestNonzeroFloat32))
		} else {
			special = append(special, math.SmallestNonzeroFloat64)
		}
	}
	for i, s := range special {
		if i < n {
			v[i] = s
		}
	}
	return v
}

func sameValue(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b))
}

// fullHeader fills every field so that the round trip checks all of them.
func fullHeader(d Datatype, dim ...int) *Header {
	h := NewHeader(d, dim...)
	h.PixDim = [8]float32{-1, 3, 3, 3.2, 2, 0, 0, 0}
	h.SclSlope, h.SclInter = 0, 0 // no scaling: round trips must be exact
	h.DimInfo = 57
	h.IntentCode, h.IntentP1, h.IntentP2, h.IntentP3, h.IntentName = 1002, 1.5, -2, 3, "intent-name-16ch"
	h.SliceStart, h.SliceEnd, h.SliceCode, h.SliceDuration = 1, 39, 1, 0.048
	h.CalMin, h.CalMax, h.TOffset = -5, 1000, 0.25
	h.Descrip = strings.Repeat("d", 80)
	h.AuxFile = "aux"
	h.QformCode, h.SformCode = XformScanner, XformAligned
	h.QuaternB, h.QuaternC, h.QuaternD = 0.1, -0.2, 0.05
	h.QOffsetX, h.QOffsetY, h.QOffsetZ = -120, -110.5, -60
	h.SRow = [3][4]float32{{-3, 0.1, 0, 118}, {0, 3, 0.2, -100}, {0, 0, 3.2, -64}}
	h.Extensions = []Extension{{Code: 6, Data: []byte("a comment, 24 bytes long")}}
	return h
}

func TestRoundTripEveryDatatype(t *testing.T) {
	dir := t.TempDir()
	types := []Datatype{Uint8, Int8, Int16, Uint16, Int32, Uint32, Float32, Float64}
	for _, d := range types {
		for _, dims := range [][]int{{5, 4, 3}, {5, 4, 3, 6}} {
			for _, ext := range []string{".nii", ".nii.gz"} {
				for _, bo := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
					name := fmt.Sprintf("%v-%dd-%v%s", d, len(dims), bo, ext)
					t.Run(name, func(t *testing.T) {
						h := fullHeader(d, dims...)
						h.ByteOrder = bo
						data := testValues(d, int(h.NumVoxels()), uint64(d))
						path := filepath.Join(dir, name)
						if err := WriteFile(path, h, data); err != nil {
							t.Fatal(err)
						}
						im, err := ReadFile(path)
						if err != nil {
							t.Fatal(err)
						}
						if len(im.Data) != len(data) {
							t.Fatalf("read %d values, wrote %d", len(im.Data), len(data))
						}
						for i := range data {
							if !sameValue(im.Data[i], data[i]) {
								t.Fatalf("voxel %d: read %v, wrote %v", i, im.Data[i], data[i])
							}
						}
						got := im.Header
						if got.ByteOrder != bo {
							t.Errorf("byte order %v, want %v", got.ByteOrder, bo)
						}
						want := h.Clone()
						want.VoxOffset = 352 + 32
						want.Extensions[0].Data = append(want.Extensions[0].Data, make([]byte, 32-8-24)...) // padding
						if !reflect.DeepEqual(got, want) {
							t.Errorf("header changed:\n got %+v\nwant %+v", got, want)
						}
					})
				}
			}
		}
	}
}

func TestStreamVolumes(t *testing.T) {
	h := NewHeader(Float32, 4, 3, 2, 5)
	data := testValues(Float32, int(h.NumVoxels()), 7)
	path := filepath.Join(t.TempDir(), "s.nii.gz")
	w, err := Create(path, h)
	if err != nil {
		t.Fatal(err)
	}
	n := w.VolumeLen()
	for v := 0; v < w.NumVolumes(); v++ {
		vol := make([]float32, n)
		for i := range vol {
			vol[i] = float32(data[v*n+i])
		}
		if err := w.WriteVolume(vol); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteVolume(make([]float32, n)); err == nil {
		t.Error("a sixth volume was accepted")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.NumVolumes() != 5 || r.VolumeLen() != 24 {
		t.Fatalf("NumVolumes %d VolumeLen %d, want 5 and 24", r.NumVolumes(), r.VolumeLen())
	}
	if err := r.NextVolume(make([]float32, 23)); err == nil {
		t.Error("a short destination was accepted")
	}
	dst := make([]float32, n)
	for v := 0; v < 5; v++ {
		if err := r.NextVolume(dst); err != nil {
			t.Fatalf("volume %d: %v", v, err)
		}
		for i := range dst {
			if !sameValue(float64(dst[i]), data[v*n+i]) {
				t.Fatalf("volume %d voxel %d: %v, want %v", v, i, dst[i], data[v*n+i])
			}
		}
	}
	for k := 0; k < 2; k++ {
		if err := r.NextVolume(dst); err != io.EOF {
			t.Fatalf("after the last volume: %v, want io.EOF", err)
		}
	}
}

// TestRealShapedHeader writes a file shaped like a ds001761 BOLD run (80×80×41
// int16 with Philips scaling, 3×3×3.2 mm voxels, TR 2 s, an oblique sform)
// and checks values, affine and geometry.
func TestRealShapedHeader(t *testing.T) {
	h := NewHeader(Int16, 80, 80, 41, 3)
	h.PixDim = [8]float32{1, 3, 3, 3.2, 2, 1, 1, 1}
	h.XYZTUnits = UnitsMM | UnitsSec
	h.SclSlope, h.SclInter = 0.814408, -12.5
	// An oblique scanner affine: a rotation (from the ds001761 sidecar's
	// ImageOrientationPatientDICOM, rounded) times the voxel size, x flipped.
	rx := [3]float64{-0.997731, 0.0672479, -0.00335446}
	ry := [3]float64{0.0673295, 0.996853, -0.0418389}
	rz := [3]float64{rx[1]*ry[2] - rx[2]*ry[1], rx[2]*ry[0] - rx[0]*ry[2], rx[0]*ry[1] - rx[1]*ry[0]}
	var aff [4][4]float64
	for i := 0; i < 3; i++ {
		aff[i][0], aff[i][1], aff[i][2] = 3*rx[i], 3*ry[i], 3.2*rz[i]
	}
	aff[0][3], aff[1][3], aff[2][3], aff[3][3] = 121.3, -98.1, -45.7, 1
	h.SetSform(aff, XformScanner)
	if err := h.SetQform(aff, XformScanner); err != nil {
		t.Fatal(err)
	}
	slope, inter := float64(h.SclSlope), float64(h.SclInter)
	stored := make([]int16, h.NumVoxels())
	data := make([]float64, len(stored))
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range stored {
		stored[i] = int16(rng.IntN(65536) - 32768)
		data[i] = float64(stored[i])*slope + inter
	}
	path := filepath.Join(t.TempDir(), "sub-01_ses-01_task-faces_run-01_bold.nii.gz")
	if err := WriteFile(path, h, data); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	g := r.Header()
	if g.DimString() != "80×80×41×3" || g.VolumeLen() != 80*80*41 || g.NumVolumes() != 3 {
		t.Errorf("dims %s", g.DimString())
	}
	if vs := g.VoxelSize(); g.TR() != 2 || math.Abs(vs[0]-3) > 1e-4 || math.Abs(vs[1]-3) > 1e-4 || math.Abs(vs[2]-3.2) > 1e-4 {
		t.Errorf("TR %v voxel size %v", g.TR(), vs)
	}
	if s, b, ok := g.Scaling(); !ok || s != slope || b != inter {
		t.Errorf("scaling %v %v %v", s, b, ok)
	}
	for i, row := range g.Affine() {
		for j, x := range row {
			if math.Abs(x-aff[i][j]) > 1e-4 {
				t.Fatalf("sform affine[%d][%d] = %v, want %v", i, j, x, aff[i][j])
			}
		}
	}
	for i, row := range g.QformAffine() {
		for j, x := range row {
			if math.Abs(x-aff[i][j]) > 1e-4 {
				t.Fatalf("qform affine[%d][%d] = %v, want %v", i, j, x, aff[i][j])
			}
		}
	}
	vol := make([]float64, r.VolumeLen())
	for v := 0; v < 3; v++ {
		if err := r.NextVolume64(vol); err != nil {
			t.Fatal(err)
		}
		for i, x := range vol {
			if want := data[v*len(vol)+i]; x != want {
				t.Fatalf("volume %d voxel %d: %v, want %v", v, i, x, want)
			}
		}
	}
}

func TestAffine(t *testing.T) {
	rot := func(ax, ay, az float64) [3][3]float64 {
		cx, sx, cy, sy, cz, sz := math.Cos(ax), math.Sin(ax), math.Cos(ay), math.Sin(ay), math.Cos(az), math.Sin(az)
		x := [3][3]float64{{1, 0, 0}, {0, cx, -sx}, {0, sx, cx}}
		y := [3][3]float64{{cy, 0, sy}, {0, 1, 0}, {-sy, 0, cy}}
		z := [3][3]float64{{cz, -sz, 0}, {sz, cz, 0}, {0, 0, 1}}
		mul := func(a, b [3][3]float64) (c [3][3]float64) {
			for i := 0; i < 3; i++ {
				for j := 0; j < 3; j++ {
					for k := 0; k < 3; k++ {
						c[i][j] += a[i][k] * b[k][j]
					}
				}
			}
			return c
		}
		return mul(z, mul(y, x))
	}
	cases := []struct {
		name    string
		r       [3][3]float64
		size    [3]float64
		flipped bool
		tol     float64
	}{
		{"identity", rot(0, 0, 0), [3]float64{1, 1, 1}, false, 0},
		{"oblique", rot(0.1, -0.2, 0.3), [3]float64{3, 3, 3.2}, false, 0},
		{"180 degrees about x", rot(math.Pi, 0, 0), [3]float64{2, 2, 2}, false, 0},
		{"180 degrees about z", rot(0, 0, math.Pi), [3]float64{2, 2, 2}, false, 0},
		// float32 quaternions lose digits near 180° (a = cos(θ/2) → 0): nibabel too.
		{"near 180 about y", rot(0, math.Pi-1e-3, 0), [3]float64{1, 2, 3}, false, 2e-4},
		{"left-handed (radiological)", rot(0.05, 0, -0.1), [3]float64{3, 3, 3.2}, true, 0},
		{"left-handed, 180 about y", rot(0, math.Pi, 0), [3]float64{1, 1, 1}, true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var m [4][4]float64
			for i := 0; i < 3; i++ {
				for j := 0; j < 3; j++ {
					m[i][j] = c.r[i][j] * c.size[j]
					if c.flipped && j == 2 {
						m[i][j] = -m[i][j]
					}
				}
			}
			m[0][3], m[1][3], m[2][3], m[3][3] = 10, -20, 30.5, 1
			h := NewHeader(Int16, 2, 2, 2)
			if err := h.SetQform(m, XformScanner); err != nil {
				t.Fatal(err)
			}
			if (h.PixDim[0] < 0) != c.flipped {
				t.Errorf("qfac %v", h.PixDim[0])
			}
			got := h.Affine()
			for i := range got {
				for j := range got[i] {
					if math.Abs(got[i][j]-m[i][j]) > max(c.tol, 1e-5) {
						t.Fatalf("affine[%d][%d] = %v, want %v\n%v", i, j, got[i][j], m[i][j], got)
					}
				}
			}
		})
	}

	h := NewHeader(Int16, 2, 2, 2)
	h.PixDim[1], h.PixDim[2], h.PixDim[3] = 2, 3, 4
	if got := h.Affine(); got != [4][4]float64{{2, 0, 0, 0}, {0, 3, 0, 0}, {0, 0, 4, 0}, {0, 0, 0, 1}} {
		t.Errorf("method-1 affine %v", got)
	}
	var sing [4][4]float64
	sing[0][0], sing[1][1] = 1, 1
	if err := h.SetQform(sing, 1); err == nil {
		t.Error("a singular matrix gave a qform")
	}
	sform := [4][4]float64{{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}, {0, 0, 0, 1}}
	h.SetSform(sform, XformMNI152)
	h.QformCode = XformScanner
	if h.Affine() != sform {
		t.Errorf("sform_code > 0 must win: %v", h.Affine())
	}
}

func TestVoxOffsetAndExtensions(t *testing.T) {
	h := NewHeader(Int16, 3, 3, 3)
	h.Extensions = []Extension{{Code: 6, Data: []byte("x")}, {Code: 4, Data: bytes.Repeat([]byte("afni"), 10)}}
	h.VoxOffset = 4096
	data := testValues(Int16, 27, 1)
	path := filepath.Join(t.TempDir(), "off.nii")
	if err := WriteFile(path, h, data); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Size() != 4096+27*2 {
		t.Fatalf("file is %d bytes", st.Size())
	}
	im, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if im.Header.VoxOffset != 4096 || len(im.Header.Extensions) != 2 || im.Header.Extensions[1].Code != 4 ||
		!bytes.HasPrefix(im.Header.Extensions[1].Data, h.Extensions[1].Data) {
		t.Errorf("header %+v", im.Header)
	}
	for i := range data {
		if im.Data[i] != data[i] || im.At(i%3, i/3%3, i/9, 0) != data[i] {
			t.Fatalf("voxel %d: %v, want %v", i, im.Data[i], data[i])
		}
	}
	h.VoxOffset = 360 // smaller than header + extensions
	if err := WriteFile(path, h, data); err == nil {
		t.Error("a vox_offset inside the extensions was accepted")
	}
}

func TestScaledWrite(t *testing.T) {
	lo, hi := -1234.5, 98765.25
	for _, d := range []Datatype{Uint8, Int16, Uint16, Int32, Uint32} {
		h := NewHeader(d, 100, 1, 1)
		h.SclSlope, h.SclInter = ScaleFor(d, lo, hi)
		data := make([]float64, 100)
		for i := range data {
			data[i] = lo + (hi-lo)*float64(i)/99
		}
		path := filepath.Join(t.TempDir(), "scaled.nii")
		if err := WriteFile(path, h, data); err != nil {
			t.Fatalf("%v: %v", d, err)
		}
		im, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range im.Data {
			if math.Abs(x-data[i]) > float64(h.SclSlope)/2*(1+1e-9) {
				t.Fatalf("%v voxel %d: %v, want %v within half a step %v", d, i, x, data[i], h.SclSlope/2)
			}
		}
	}
}

func TestWriterErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		h    *Header
		data []float64
		want string
	}{
		{"out of range", NewHeader(Uint8, 2, 1, 1), []float64{1, 256}, "outside the uint8 range"},
		{"negative for unsigned", NewHeader(Uint16, 2, 1, 1), []float64{-1, 0}, "outside the uint16 range"},
		{"NaN in integers", NewHeader(Int16, 2, 1, 1), []float64{math.NaN(), 0}, "outside the int16 range"},
		{"wrong count", NewHeader(Int16, 2, 1, 1), []float64{1}, "1 values for dims 2×1×1"},
		{"zero axis", NewHeader(Int16, 2, 0, 1), []float64{}, "axis 2 has size 0"},
		{"eight axes", NewHeader(Int16, 1, 1, 1, 1, 1, 1, 1, 1), []float64{0}, "8 axes"},
		{"unknown datatype", NewHeader(Datatype(1792), 1, 1, 1), []float64{0}, "unsupported datatype 1792"},
		{"long descrip", func() *Header { h := NewHeader(Int16, 1); h.Descrip = strings.Repeat("x", 81); return h }(), []float64{0}, "descrip is 81 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "bad.nii.gz")
			err := WriteFile(path, c.h, c.data)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, path, c.want)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
				t.Errorf("files left behind: %v", left)
			}
		})
	}

	// Closing early drops the temporary file.
	path := filepath.Join(dir, "short.nii")
	w, err := Create(path, NewHeader(Int16, 2, 2, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteVolume(make([]float32, 8)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err == nil || !strings.Contains(err.Error(), "1 of 3 volumes") {
		t.Errorf("close after 1 of 3 volumes: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
}

// validFile returns the bytes of a small valid .nii (little-endian int16,
// 4×3×2×2, one extension).
func validFile(t testing.TB, h *Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, h)
	if err != nil {
		t.Fatal(err)
	}
	vol := make([]float64, w.VolumeLen())
	for v := 0; v < w.NumVolumes(); v++ {
		for i := range vol {
			vol[i] = float64(i + 10*v)
		}
		if err := w.WriteVolume64(vol); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestReadErrors(t *testing.T) {
	h := NewHeader(Int16, 4, 3, 2, 2)
	h.Extensions = []Extension{{Code: 6, Data: []byte("hello")}}
	good := validFile(t, h) // header 352 + extension 16, data 96 bytes
	le := binary.LittleEndian
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	put16 := func(off int, v int16) []byte {
		return mod(func(b []byte) []byte { le.PutUint16(b[off:], uint16(v)); return b })
	}
	putF := func(off int, v float32) []byte {
		return mod(func(b []byte) []byte { le.PutUint32(b[off:], math.Float32bits(v)); return b })
	}
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "too short for a NIfTI-1 header (0 bytes"},
		{"short header", good[:200], "too short for a NIfTI-1 header (200 bytes"},
		{"not nifti", bytes.Repeat([]byte("text"), 100), "sizeof_hdr"},
		{"nifti-2", mod(func(b []byte) []byte { le.PutUint32(b, 540); return b }), "NIfTI-2"},
		{"bad magic", mod(func(b []byte) []byte { copy(b[344:], "abc\x00"); return b }), "magic"},
		{"hdr/img pair", mod(func(b []byte) []byte { copy(b[344:], "ni1\x00"); return b }), ".hdr + .img"},
		{"dim[0] zero", put16(40, 0), "dim[0] is 0"},
		{"dim[0] eight", put16(40, 8), "dim[0] is 8"},
		{"negative dim", put16(44, -3), "axis 2 has size -3"},
		{"zero dim", put16(48, 0), "axis 4 has size 0"},
		{"unknown datatype", put16(70, 1792), "unsupported datatype 1792"},
		{"complex datatype", put16(70, 32), "unsupported datatype 32"},
		{"bitpix mismatch", put16(72, 32), "bitpix is 32"},
		{"vox_offset small", putF(108, 348), "vox_offset is 348"},
		{"vox_offset fractional", putF(108, 368.5), "vox_offset is 368.5"},
		{"vox_offset NaN", putF(108, float32(math.NaN())), "vox_offset is NaN"},
		{"vox_offset past EOF", putF(108, 1e6), "vox_offset 1000000 is past the end"},
		{"dims larger than data", put16(48, 3), "header dims 4×3×2×3 of int16 need 144 data bytes after vox_offset 368, but the file holds 96"},
		{"data truncated", good[:len(good)-10], "need 96 data bytes after vox_offset 368, but the file holds 86"},
		{"extension too big", mod(func(b []byte) []byte { le.PutUint32(b[352:], 4096); return b }), "extension at byte 352 has size 4096"},
		{"extension too small", mod(func(b []byte) []byte { le.PutUint32(b[352:], 4); return b }), "extension at byte 352 has size 4"},
		{"dims larger than gzip data", gz(put16(42, 32767)), "unexpected end of data after 96 of the 786408 data bytes that header dims 32767×3×2×2"},
		{"huge dims in small gzip", gz(mod(func(b []byte) []byte { le.PutUint16(b[42:], 32767); le.PutUint16(b[44:], 32767); return b })), "more than a"},
		{"truncated gzip", gz(good)[:len(gz(good))-30], "truncated gzip stream"},
		{"truncated gzip trailer", gz(good)[:len(gz(good))-4], "truncated gzip stream"},
		{"gzip checksum", func() []byte { b := gz(good); b[len(b)-8] ^= 1; return b }(), "checksum"},
		{"gzip data short", gz(good[:len(good)-2]), "unexpected end of data after 94 of the 96 data bytes"},
		{"gzip data far too long", gz(append(append([]byte(nil), good...), make([]byte, maxTrailingBytes+1)...)), "data continue for more than 67108864 bytes past the 96 bytes"},
		{"gzip header only", gz(good[:300]), "too short for a NIfTI-1 header (300 bytes after decompression"},
		{"bad gzip header", []byte{0x1f, 0x8b, 1, 2, 3}, "not a valid gzip stream"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.NewReplacer(" ", "_", "/", "-").Replace(c.name)+".nii")
			if err := os.WriteFile(path, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadFile(path)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q, want it to name %s and say %q", err, path, c.want)
			}
		})
	}
	// The good file itself reads, both plain and compressed, and big-endian.
	be := h.Clone()
	be.ByteOrder = binary.BigEndian
	for _, f := range [][]byte{good, gz(good), validFile(t, be)} {
		r, err := NewReader(bytes.NewReader(f), "mem", int64(len(f)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.ReadAll(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestErrorsAreSticky(t *testing.T) {
	good := validFile(t, NewHeader(Int16, 4, 3, 2, 3))
	f := gz(good)
	f = f[:len(f)-40]
	r, err := NewReader(bytes.NewReader(f), "trunc.nii.gz", -1)
	if err != nil {
		t.Fatal(err)
	}
	vol := make([]float32, r.VolumeLen())
	var first error
	for i := 0; i < 5; i++ {
		if err := r.NextVolume(vol); err != nil {
			if first == nil {
				first = err
			} else if err != first {
				t.Fatalf("error changed: %v then %v", first, err)
			}
		}
	}
	if first == nil || errors.Is(first, io.EOF) {
		t.Fatalf("truncated stream read without error: %v", first)
	}
}

func TestScaleFor(t *testing.T) {
	for _, d := range []Datatype{Uint8, Int8, Int16, Uint16, Int32, Uint32} {
		for _, r := range [][2]float64{{0, 1}, {-1e6, 1e6}, {1e-6, 2e-6}, {123.4, 123.4}, {-5e9, 7e9}} {
			s, b := ScaleFor(d, r[0], r[1])
			tlo, thi := d.Range()
			for _, v := range r {
				q := math.RoundToEven((v - float64(b)) / float64(s))
				if q < tlo || q > thi {
					t.Errorf("%v %v: %v stored as %v", d, r, v, q)
				}
			}
		}
	}
	if s, b := ScaleFor(Float32, 0, 10); s != 1 || b != 0 {
		t.Errorf("float32: %v %v", s, b)
	}
}

func BenchmarkReadBOLD(b *testing.B) {
	h := NewHeader(Int16, 80, 80, 41, 10)
	h.SclSlope, h.SclInter = 0.8, 0
	data := make([]float64, h.NumVoxels())
	for i := range data {
		data[i] = float64(i%1000) * 0.8
	}
	path := filepath.Join(b.TempDir(), "bold.nii.gz")
	if err := WriteFile(path, h, data); err != nil {
		b.Fatal(err)
	}
	vol := make([]float32, h.VolumeLen())
	b.SetBytes(h.DataBytes())
	for b.Loop() {
		r, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		for r.NextVolume(vol) == nil {
		}
		r.Close()
	}
}

func BenchmarkWriteBOLD(b *testing.B) {
	h := NewHeader(Int16, 80, 80, 41, 10)
	h.SclSlope, h.SclInter = ScaleFor(Int16, 0, 1000)
	vol := make([]float32, h.VolumeLen())
	for i := range vol {
		vol[i] = float32(i % 1000)
	}
	path := filepath.Join(b.TempDir(), "bold.nii.gz")
	b.SetBytes(h.DataBytes())
	for b.Loop() {
		w, err := Create(path, h)
		if err != nil {
			b.Fatal(err)
		}
		for v := 0; v < w.NumVolumes(); v++ {
			if err := w.WriteVolume(vol); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}
