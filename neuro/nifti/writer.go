package nifti

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"

	"fmriface/util/atomicfile"
)

// Writer writes an image volume by volume. Create one with Create (a file,
// published atomically by Close) or NewWriter (any io.Writer).
type Writer struct {
	name   string
	hdr    *Header
	bo     binary.ByteOrder
	bw     *bufio.Writer
	gz     *gzip.Writer
	file   *atomicfile.File
	vol    int
	nvols  int
	vlen   int
	buf    []byte
	slope  float64
	inter  float64
	scaled bool
	err    error
	closed bool
}

// Create starts writing an image to path. The data go to a temporary file that
// Close renames to path once every volume is written, so an interrupted write
// never leaves a file that looks whole. A name ending in ".gz" is
// gzip-compressed (fastest level: fMRI noise compresses poorly anyway).
func Create(path string, h *Header) (*Writer, error) {
	f, err := atomicfile.Create(path)
	if err != nil {
		return nil, err
	}
	var dst io.Writer = f
	var zw *gzip.Writer
	if strings.HasSuffix(path, ".gz") {
		zw, _ = gzip.NewWriterLevel(f, gzip.BestSpeed) // level is valid: no error
		dst = zw
	}
	w, err := newWriter(dst, path, h)
	if err != nil {
		f.Abort()
		return nil, err
	}
	w.gz, w.file = zw, f
	return w, nil
}

// NewWriter writes an uncompressed image to dst (wrap dst in a gzip.Writer for
// .nii.gz). It writes the header at once; Close flushes and checks that every
// volume was written.
func NewWriter(dst io.Writer, h *Header) (*Writer, error) {
	return newWriter(dst, "NIfTI stream", h)
}

func newWriter(dst io.Writer, name string, h *Header) (*Writer, error) {
	head, err := h.encode()
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	w := &Writer{name: name, hdr: h.Clone(), bw: bufio.NewWriterSize(dst, chunkBytes)}
	w.bo = h.ByteOrder
	if w.bo == nil {
		w.bo = binary.LittleEndian
	}
	w.nvols, w.vlen = h.NumVolumes(), h.VolumeLen()
	w.slope, w.inter, w.scaled = h.Scaling()
	if _, err := w.bw.Write(head); err != nil {
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	return w, nil
}

// NumVolumes is the number of volumes the header asks for.
func (w *Writer) NumVolumes() int { return w.nvols }

// VolumeLen is the number of voxels in one volume.
func (w *Writer) VolumeLen() int { return w.vlen }

// WriteVolume writes the next volume (VolumeLen values, x fastest). Values are
// unscaled with the header's slope and intercept and converted to its datatype;
// for an integer datatype they are rounded to nearest-even, and NaN or a value
// out of the type's range is an error naming the voxel.
func (w *Writer) WriteVolume(v []float32) error {
	return w.write(len(v), func(i int) float64 { return float64(v[i]) })
}

// WriteVolume64 is WriteVolume for float64 values.
func (w *Writer) WriteVolume64(v []float64) error {
	return w.write(len(v), func(i int) float64 { return v[i] })
}

func (w *Writer) write(n int, get func(int) float64) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("write %s: writer is closed", w.name)
	}
	if n != w.vlen {
		return fmt.Errorf("write %s: volume has %d values, want %d", w.name, n, w.vlen)
	}
	if w.vol == w.nvols {
		return fmt.Errorf("write %s: all %d volumes already written", w.name, w.nvols)
	}
	if w.buf == nil {
		w.buf = make([]byte, chunkBytes)
	}
	size := w.hdr.Datatype.Size()
	per := chunkBytes / size
	for start := 0; start < n; start += per {
		cnt := min(per, n-start)
		b := w.buf[:cnt*size]
		if err := w.encode(b, start, get); err != nil {
			w.err = fmt.Errorf("write %s: volume %d: %w", w.name, w.vol+1, err)
			return w.err
		}
		if _, err := w.bw.Write(b); err != nil {
			w.err = fmt.Errorf("write %s: %w", w.name, err)
			return w.err
		}
	}
	w.vol++
	return nil
}

func (w *Writer) encode(b []byte, start int, get func(int) float64) error {
	dt := w.hdr.Datatype
	size := dt.Size()
	lo, hi := dt.Range()
	bo := w.bo
	for i := 0; i < len(b)/size; i++ {
		v := get(start + i)
		if w.scaled {
			v = (v - w.inter) / w.slope
		}
		if dt.IsInteger() {
			r := math.RoundToEven(v)
			if !(r >= lo && r <= hi) {
				return fmt.Errorf("voxel %d: value %g is stored as %g, outside the %v range [%g, %g] (scl_slope %g, scl_inter %g)",
					start+i, get(start+i), r, dt, lo, hi, w.slope, w.inter)
			}
			v = r
		}
		switch dt {
		case Uint8:
			b[i] = uint8(v)
		case Int8:
			b[i] = uint8(int8(v))
		case Int16:
			bo.PutUint16(b[2*i:], uint16(int16(v)))
		case Uint16:
			bo.PutUint16(b[2*i:], uint16(v))
		case Int32:
			bo.PutUint32(b[4*i:], uint32(int32(v)))
		case Uint32:
			bo.PutUint32(b[4*i:], uint32(v))
		case Float32:
			bo.PutUint32(b[4*i:], math.Float32bits(float32(v)))
		case Float64:
			bo.PutUint64(b[8*i:], math.Float64bits(v))
		}
	}
	return nil
}

// Close finishes the image: it fails if fewer volumes than the header says were
// written (and then, for Create, removes the temporary file); otherwise it
// flushes and, for Create, publishes the file.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err == nil && w.vol != w.nvols {
		w.err = fmt.Errorf("write %s: %d of %d volumes written", w.name, w.vol, w.nvols)
	}
	if w.err == nil {
		if err := w.bw.Flush(); err != nil {
			w.err = fmt.Errorf("write %s: %w", w.name, err)
		}
	}
	if w.err == nil && w.gz != nil {
		if err := w.gz.Close(); err != nil {
			w.err = fmt.Errorf("write %s: %w", w.name, err)
		}
	}
	if w.file != nil {
		if w.err != nil {
			w.file.Abort()
		} else {
			w.err = w.file.Commit()
		}
	}
	return w.err
}

// Abort drops a file being written by Create; the destination is untouched.
// It is safe after Close, so `defer w.Abort()` is the idiom.
func (w *Writer) Abort() {
	if w.closed {
		return
	}
	w.closed = true
	if w.err == nil {
		w.err = fmt.Errorf("write %s: aborted", w.name)
	}
	if w.file != nil {
		w.file.Abort()
	}
}

// WriteFile writes a whole image (data holds NumVoxels values, x fastest then
// y, z, t) atomically to path, gzip-compressed when the name ends in ".gz".
func WriteFile(path string, h *Header, data []float64) error {
	if err := h.Validate(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if int64(len(data)) != h.NumVoxels() {
		return fmt.Errorf("write %s: %d values for dims %s (%d voxels)", path, len(data), h.DimString(), h.NumVoxels())
	}
	w, err := Create(path, h)
	if err != nil {
		return err
	}
	defer w.Abort()
	n := w.VolumeLen()
	for t := 0; t < w.NumVolumes(); t++ {
		if err := w.WriteVolume64(data[t*n : (t+1)*n]); err != nil {
			return err
		}
	}
	return w.Close()
}
