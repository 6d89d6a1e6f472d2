// Package ckpt stores named float tensors and a JSON record in a NumPy .npz file,
// the checkpoint format of the face model. A researcher loads one with
//
//	z = numpy.load("model.npz")
//	w = z["gen.fc.w"]                                   # shape (1024, 4096)
//	meta = json.loads(z["__meta__"].tobytes())          # config, seed, step, code version
//
// Tensors keep their N-D shapes (arch documents the layouts); float32 or float16
// on disk (float16 halves the size of shipped models; values are float32 in Go).
// Files are written atomically. The .npy headers go through package npyfile;
// values are converted in bulk (npyio's reflective decoder took 100 s for a
// 160 MB checkpoint; this takes about a second).
package ckpt

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"codeberg.org/sbinet/npyio/npy/float16"

	"fmriface/util/atomicfile"
	"fmriface/util/npyfile"
)

// MetaKey is the npz entry holding the JSON record as uint8 bytes.
const MetaKey = "__meta__"

// Tensor is one named array.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Dtype of the values on disk.
type Dtype int

const (
	Float32 Dtype = iota
	Float16
)

// Save writes tensors (in the given order) and meta (marshalled to JSON) to path.
func Save(path string, meta any, tensors []Tensor, dt Dtype) error {
	f, err := atomicfile.Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := Write(f, meta, tensors, dt); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// Write encodes the npz archive to w.
func Write(w io.Writer, meta any, tensors []Tensor, dt Dtype) error {
	zw := zip.NewWriter(w)
	js, err := json.Marshal(meta)
	if err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	if err := writeEntry(zw, MetaKey, "|u1", []int{len(js)}, js); err != nil {
		return err
	}
	for _, t := range tensors {
		n := 1
		for _, d := range t.Shape {
			n *= d
		}
		if n != len(t.Data) {
			return fmt.Errorf("tensor %s: shape %v holds %d values, have %d", t.Name, t.Shape, n, len(t.Data))
		}
		var raw []byte
		descr := "<f4"
		if dt == Float16 {
			descr = "<f2"
			raw = make([]byte, 2*n)
			for i, v := range t.Data {
				binary.LittleEndian.PutUint16(raw[2*i:], float16.New(v).Uint16())
			}
		} else {
			raw = make([]byte, 4*n)
			for i, v := range t.Data {
				binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
			}
		}
		if err := writeEntry(zw, t.Name, descr, t.Shape, raw); err != nil {
			return err
		}
	}
	return zw.Close()
}

// writeEntry writes one .npy (format 1.0) into the archive.
func writeEntry(zw *zip.Writer, name, descr string, shape []int, raw []byte) error {
	if strings.ContainsAny(name, "/\\") || name == "" {
		return fmt.Errorf("bad tensor name %q", name)
	}
	zf, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
	if err != nil {
		return fmt.Errorf("entry %s: %w", name, err)
	}
	if err := npyfile.WriteHeader(zf, descr, shape); err != nil {
		return fmt.Errorf("entry %s: %w", name, err)
	}
	if _, err := zf.Write(raw); err != nil {
		return fmt.Errorf("entry %s: %w", name, err)
	}
	return nil
}

// File is a loaded checkpoint.
type File struct {
	Meta    json.RawMessage
	Tensors map[string]Tensor
	Order   []string // names in file order
}

// Load reads a checkpoint written by Save (or by numpy.savez with float32 or
// float16 arrays). Sizes come from the zip directory and the .npy headers and
// are checked against each other before anything is allocated.
func Load(path string) (*File, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer zr.Close()
	out := &File{Tensors: map[string]Tensor{}}
	for _, e := range zr.File {
		name := strings.TrimSuffix(e.Name, ".npy")
		if err := readEntry(e, name, out); err != nil {
			return nil, fmt.Errorf("%s: entry %s: %w", path, e.Name, err)
		}
	}
	if out.Meta == nil {
		return nil, fmt.Errorf("%s: no %s entry: not a fmriface checkpoint", path, MetaKey)
	}
	return out, nil
}

func readEntry(e *zip.File, name string, out *File) error {
	rc, err := e.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReader(rc)
	h, off, err := npyfile.ReadHeader(br)
	if err != nil {
		return err
	}
	if h.Fortran {
		return errors.New("Fortran order is not supported")
	}
	n := 1
	for _, d := range h.Shape {
		if d < 0 || (d > 0 && n > math.MaxInt32/d) {
			return fmt.Errorf("shape %v is too large", h.Shape)
		}
		n *= d
	}
	var size int
	switch h.Descr {
	case "<f4":
		size = 4
	case "<f2":
		size = 2
	case "|u1":
		size = 1
	default:
		return fmt.Errorf("dtype %s, want <f4, <f2 (or |u1 for %s)", h.Descr, MetaKey)
	}
	if want := uint64(off) + uint64(n*size); e.UncompressedSize64 != want {
		return fmt.Errorf("holds %d bytes, header says %d", e.UncompressedSize64, want)
	}
	raw := make([]byte, n*size)
	if _, err := io.ReadFull(br, raw); err != nil {
		return err
	}
	if name == MetaKey {
		if size != 1 {
			return errors.New("metadata is not uint8")
		}
		out.Meta = raw
		return nil
	}
	if size == 1 {
		return errors.New("uint8 tensors are not float weights")
	}
	t := Tensor{Name: name, Shape: append([]int(nil), h.Shape...), Data: make([]float32, n)}
	if size == 4 {
		for i := range t.Data {
			t.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	} else {
		for i := range t.Data {
			t.Data[i] = float16.Float16Frombits(binary.LittleEndian.Uint16(raw[2*i:])).Float32()
		}
	}
	out.Tensors[name] = t
	out.Order = append(out.Order, name)
	return nil
}

// DecodeMeta unmarshals the JSON record into v.
func (f *File) DecodeMeta(v any) error { return json.Unmarshal(f.Meta, v) }

// Float32s returns the tensors' data keyed by name (the form nn and the trainer take).
func (f *File) Float32s() map[string][]float32 {
	m := make(map[string][]float32, len(f.Tensors))
	for k, t := range f.Tensors {
		m[k] = t.Data
	}
	return m
}
