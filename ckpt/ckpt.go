// Package ckpt stores named float tensors and a JSON record in a NumPy .npz file,
// the checkpoint format of the face model. A researcher loads one with
//
//	z = numpy.load("model.npz")
//	w = z["gen.fc.w"]                                   # shape (1024, 4096)
//	meta = json.loads(z["__meta__"].tobytes())          # config, seed, step, code version
//
// Tensors keep their N-D shapes (arch documents the layouts); float32 or float16
// on disk (float16 halves the size of shipped models; values are float32 in Go).
// Files are written atomically. Reading uses codeberg.org/sbinet/npyio; writing
// is done here because npyio writes only 1-D and 2-D shapes.
package ckpt

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"

	"codeberg.org/sbinet/npyio/npy/float16"
	"codeberg.org/sbinet/npyio/npz"

	"fmriface/atomicfile"
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
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = fmt.Sprint(d)
	}
	sh := strings.Join(dims, ", ")
	if len(shape) == 1 {
		sh += ","
	}
	hdr := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, sh)
	// magic(6) + version(2) + len(2) + header + '\n' is padded to a multiple of 64.
	pad := 64 - (10+len(hdr)+1)%64
	if pad == 64 {
		pad = 0
	}
	hdr += strings.Repeat(" ", pad) + "\n"
	zf, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Store})
	if err != nil {
		return fmt.Errorf("entry %s: %w", name, err)
	}
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(hdr)))
	b.WriteString(hdr)
	if _, err := zf.Write(b.Bytes()); err != nil {
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

// Load reads a checkpoint written by Save (or by numpy.savez with float32/float16 arrays).
func Load(path string) (*File, error) {
	r, err := npz.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer r.Close()
	out := &File{Tensors: map[string]Tensor{}}
	for _, key := range r.Keys() {
		name := strings.TrimSuffix(key, ".npy")
		h := r.Header(key)
		if h == nil {
			return nil, fmt.Errorf("%s: entry %s has no header", path, key)
		}
		if name == MetaKey {
			var js []uint8
			if err := r.Read(key, &js); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			out.Meta = js
			continue
		}
		t := Tensor{Name: name, Shape: append([]int(nil), h.Descr.Shape...)}
		switch strings.Trim(h.Descr.Type, "'\"") {
		case "<f4", "float32":
			if err := r.Read(key, &t.Data); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
		case "<f2", "float16":
			var hs []float16.Num
			if err := r.Read(key, &hs); err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			t.Data = make([]float32, len(hs))
			for i, v := range hs {
				t.Data[i] = v.Float32()
			}
		default:
			return nil, fmt.Errorf("%s: tensor %s has dtype %s, want float32 or float16", path, name, h.Descr.Type)
		}
		if h.Descr.Fortran {
			return nil, fmt.Errorf("%s: tensor %s is in Fortran order", path, name)
		}
		out.Tensors[name] = t
		out.Order = append(out.Order, name)
	}
	if out.Meta == nil {
		return nil, fmt.Errorf("%s: no %s entry: not a fmriface checkpoint", path, MetaKey)
	}
	return out, nil
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
