package nifti

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead feeds arbitrary bytes to the reader: it must never panic nor
// allocate beyond the bounds, and whatever it accepts must survive a write and
// a second read unchanged. Seeds: testdata/fuzz/FuzzRead (regenerate with
// FMRIFACE_UPDATE_CORPUS=1 go test -run TestUpdateFuzzCorpus ./nifti).
func FuzzRead(f *testing.F) {
	for _, s := range seedFiles(f) {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, size := range []int64{int64(len(data)), -1} {
			r, err := NewReader(bytes.NewReader(data), "fuzz.nii", size)
			if err != nil {
				continue
			}
			h := r.Header()
			if err := h.Validate(); err != nil {
				t.Fatalf("accepted an invalid header: %v", err)
			}
			im, err := r.ReadAll()
			if err != nil {
				continue
			}
			if int64(len(im.Data)) != h.NumVoxels() {
				t.Fatalf("read %d values, header says %d", len(im.Data), h.NumVoxels())
			}
			if _, _, scaled := h.Scaling(); scaled {
				continue // unscaling floats is not exactly reversible
			}
			h2 := h.Clone()
			h2.VoxOffset = 0
			var buf bytes.Buffer
			w, err := NewWriter(&buf, h2)
			if err != nil {
				t.Fatalf("cannot write back an accepted header: %v", err)
			}
			for v := 0; v < h.NumVolumes(); v++ {
				if err := w.WriteVolume64(im.Volume(v)); err != nil {
					t.Fatalf("cannot write back accepted data: %v", err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			r2, err := NewReader(bytes.NewReader(buf.Bytes()), "rewritten.nii", int64(buf.Len()))
			if err != nil {
				t.Fatalf("cannot read back: %v", err)
			}
			im2, err := r2.ReadAll()
			if err != nil {
				t.Fatalf("cannot read back: %v", err)
			}
			for i := range im.Data {
				if !sameValue(im.Data[i], im2.Data[i]) {
					t.Fatalf("voxel %d changed: %v then %v", i, im.Data[i], im2.Data[i])
				}
			}
		}
	})
}

type seed struct {
	name string
	data []byte
}

// seedFiles returns small valid files of several kinds and corrupted ones.
func seedFiles(t testing.TB) []seed {
	var out []seed
	for i, d := range []Datatype{Uint8, Int16, Int32, Float32, Float64, Int8, Uint16, Uint32} {
		h := NewHeader(d, 3, 2, 2, 1+i%2)
		if i%3 == 0 {
			h.ByteOrder = binary.BigEndian
		}
		if d == Int16 {
			h.SclSlope, h.SclInter = 0.5, -3
			h.SetSform([4][4]float64{{3, 0, 0, 1}, {0, 3, 0, 2}, {0, 0, 3.2, 3}, {0, 0, 0, 1}}, 1)
		}
		if d == Float32 {
			h.Extensions = []Extension{{Code: 6, Data: []byte("seed")}}
			h.VoxOffset = 400
		}
		b := validFile(t, h)
		out = append(out, seed{fmt.Sprintf("valid-%v", d), b})
		if i%2 == 0 {
			out = append(out, seed{fmt.Sprintf("valid-%v-gz", d), gz(b)})
		}
	}
	good := validFile(t, NewHeader(Int16, 3, 2, 2, 2))
	le := binary.LittleEndian
	bad := func(name string, f func(b []byte)) {
		b := append([]byte(nil), good...)
		f(b)
		out = append(out, seed{name, b})
	}
	bad("bad-dim0", func(b []byte) { le.PutUint16(b[40:], 9) })
	bad("bad-negative-dim", func(b []byte) { le.PutUint16(b[42:], 0xffff) })
	bad("bad-datatype", func(b []byte) { le.PutUint16(b[70:], 1536) })
	bad("bad-bitpix", func(b []byte) { le.PutUint16(b[72:], 8) })
	bad("bad-voxoffset", func(b []byte) { le.PutUint32(b[108:], math.Float32bits(1e9)) })
	bad("bad-extension", func(b []byte) { b[348] = 1; le.PutUint32(b[352:], 0x7fffffff) })
	bad("bad-magic", func(b []byte) { b[345] = '2' })
	out = append(out, seed{"bad-truncated", good[:len(good)-3]})
	out = append(out, seed{"bad-truncated-gz", gz(good)[:40]})
	out = append(out, seed{"bad-short", good[:100]})
	return out
}

// TestUpdateFuzzCorpus rewrites testdata/fuzz/FuzzRead from seedFiles when
// FMRIFACE_UPDATE_CORPUS=1, and otherwise checks that the committed corpus is
// there.
func TestUpdateFuzzCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzRead")
	if os.Getenv("FMRIFACE_UPDATE_CORPUS") != "1" {
		if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) < 10 {
			t.Fatalf("seed corpus %s has %d files; regenerate it", dir, len(m))
		}
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, s := range seedFiles(t) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", s.data)
		if err := os.WriteFile(filepath.Join(dir, s.name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
