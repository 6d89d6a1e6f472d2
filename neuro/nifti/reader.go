package nifti

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// chunkBytes is the reader's decoding buffer: the only memory it allocates
// besides the header, whatever the image size.
const chunkBytes = 64 << 10

// maxTrailingBytes bounds the bytes after the image data that a compressed
// or unsized file may hold (or the data's own size, if larger).
const maxTrailingBytes = 64 << 20

// Reader streams the volumes of a NIfTI-1 image. Create one with Open or
// NewReader, call NextVolume until it returns io.EOF, then Close.
type Reader struct {
	name   string
	hdr    *Header
	src    io.Reader
	file   *os.File // nil for NewReader
	gz     bool
	size   int64 // bytes in the source, -1 if unknown
	vol    int   // volumes read so far
	nvols  int
	vlen   int
	buf    []byte    // one chunk of stored bytes
	vals   []float64 // the chunk decoded
	slope  float64
	inter  float64
	scaled bool
	err    error // sticky: once a read fails, every later one fails the same way
	warns  []string
}

// Open opens a .nii or .nii.gz file (gzip is detected from the content, not the
// name) and reads and checks its header and extensions.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	r, err := NewReader(f, path, st.Size())
	if err != nil {
		f.Close()
		return nil, err
	}
	r.file = f
	return r, nil
}

// NewReader reads a NIfTI-1 image from src; name is used in errors and size is
// the number of bytes src holds (-1 if unknown), which bounds what the header
// may declare.
func NewReader(src io.Reader, name string, size int64) (*Reader, error) {
	fail := func(format string, a ...any) (*Reader, error) {
		return nil, fmt.Errorf("read %s: %s", name, fmt.Sprintf(format, a...))
	}
	br := bufio.NewReaderSize(src, chunkBytes)
	r := &Reader{name: name, src: br, size: size}
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fail("not a valid gzip stream: %v", err)
		}
		r.src, r.gz = zr, true
	}

	b := make([]byte, minVoxOffset)
	if n, err := r.readFull(b); err != nil {
		if n < headerSize {
			return fail("file too short for a NIfTI-1 header (%d bytes%s): %v", n, r.inflated(), err)
		}
		return fail("file ends inside the header extension flag: %v", err)
	}
	h, err := parseHeader(b)
	if err != nil {
		return fail("%v", err)
	}
	if size >= 0 {
		if !r.gz && h.VoxOffset > size {
			return fail("vox_offset %d is past the end of the %d-byte file", h.VoxOffset, size)
		}
		if r.gz && h.VoxOffset+h.DataBytes() > (size+1024)*maxDeflateRatio {
			return fail("header dims %s of %v need %d bytes, more than a %d-byte gzip file can hold",
				h.DimString(), h.Datatype, h.VoxOffset+h.DataBytes(), size)
		}
	} else if h.VoxOffset > maxVoxOffset {
		return fail("vox_offset %d exceeds %d", h.VoxOffset, maxVoxOffset)
	}
	if !r.gz && size >= 0 && size-h.VoxOffset < h.DataBytes() {
		return fail("header dims %s of %v need %d data bytes after vox_offset %d, but the file holds %d",
			h.DimString(), h.Datatype, h.DataBytes(), h.VoxOffset, size-h.VoxOffset)
	}
	if !r.gz && size >= 0 && size-h.VoxOffset > h.DataBytes() {
		r.warnExtra(h, size-h.VoxOffset-h.DataBytes())
	}
	if err := r.readExtensions(h, b[348] != 0); err != nil {
		return fail("%v", err)
	}
	r.hdr = h
	r.nvols, r.vlen = h.NumVolumes(), h.VolumeLen()
	r.slope, r.inter, r.scaled = h.Scaling()
	return r, nil
}

// warnExtra records that n bytes follow the image data. nibabel reads such
// files (it stops where the header's dims end), and so does this reader.
func (r *Reader) warnExtra(h *Header, n int64) {
	r.warns = append(r.warns, fmt.Sprintf("%s: %d extra bytes after the %d data bytes that header dims %s of %v account for (ignored, as nibabel does)",
		r.name, n, h.DataBytes(), h.DimString(), h.Datatype))
}

// Warnings lists what the reader accepted but a user should know, each
// naming the file: so far, bytes after the image data (reported when the
// header is read for a plain file of known size, else after the last
// volume).
func (r *Reader) Warnings() []string { return r.warns }

// readExtensions reads the extensions when the flag is set, then skips to
// vox_offset. Every size is checked against vox_offset before it is allocated.
func (r *Reader) readExtensions(h *Header, present bool) error {
	pos := int64(minVoxOffset)
	if present {
		for pos+8 <= h.VoxOffset {
			var eb [8]byte
			if _, err := r.readFull(eb[:]); err != nil {
				return fmt.Errorf("extension at byte %d: %v", pos, r.explain(err))
			}
			esize := int64(int32(h.ByteOrder.Uint32(eb[:])))
			code := int32(h.ByteOrder.Uint32(eb[4:]))
			if esize == 0 && code == 0 { // zero padding up to vox_offset ends the list
				pos += 8
				break
			}
			if esize < 8 || pos+esize > h.VoxOffset {
				return fmt.Errorf("extension at byte %d has size %d, which does not fit before vox_offset %d", pos, esize, h.VoxOffset)
			}
			data := make([]byte, esize-8)
			if _, err := r.readFull(data); err != nil {
				return fmt.Errorf("extension at byte %d: %v", pos, r.explain(err))
			}
			h.Extensions = append(h.Extensions, Extension{Code: code, Data: data})
			pos += esize
		}
	}
	if n, err := io.CopyN(io.Discard, r.src, h.VoxOffset-pos); err != nil {
		return fmt.Errorf("file ends at byte %d, before vox_offset %d: %v", pos+n, h.VoxOffset, r.explain(err))
	}
	return nil
}

// readFull is io.ReadFull that keeps a clean io.EOF apart from a truncated
// gzip stream (io.ErrUnexpectedEOF from the decompressor).
func (r *Reader) readFull(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := r.src.Read(b[n:])
		n += m
		if err != nil {
			if err == io.EOF && n == len(b) {
				return n, nil
			}
			return n, err
		}
	}
	return n, nil
}

// explain turns a read error into words.
func (r *Reader) explain(err error) string {
	switch {
	case r.gz && errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated gzip stream (unexpected EOF)"
	case r.gz && errors.Is(err, gzip.ErrChecksum):
		return "corrupt gzip stream (checksum mismatch)"
	case err == io.EOF:
		return "unexpected end of data"
	}
	return err.Error()
}

func (r *Reader) inflated() string {
	if r.gz {
		return " after decompression"
	}
	return ""
}

// Header returns the image header (with extensions). Do not modify it.
func (r *Reader) Header() *Header { return r.hdr }

// NumVolumes is the number of 3-D volumes NextVolume yields.
func (r *Reader) NumVolumes() int { return r.nvols }

// VolumeLen is the number of voxels of one volume (the dst length NextVolume wants).
func (r *Reader) VolumeLen() int { return r.vlen }

// NextVolume decodes the next 3-D volume into dst (length VolumeLen, x fastest)
// with scaling applied, in float32. It returns io.EOF after the last volume,
// once it has checked the end of the data (bytes after them are reported by
// Warnings, not rejected).
func (r *Reader) NextVolume(dst []float32) error {
	if err := r.checkLen(len(dst)); err != nil {
		return err
	}
	return r.next(func(start int, v []float64) {
		d := dst[start : start+len(v)]
		for i, x := range v {
			d[i] = float32(x)
		}
	})
}

// NextVolume64 is NextVolume in float64, which holds every stored value of
// every datatype exactly (before scaling).
func (r *Reader) NextVolume64(dst []float64) error {
	if err := r.checkLen(len(dst)); err != nil {
		return err
	}
	return r.next(func(start int, v []float64) { copy(dst[start:], v) })
}

func (r *Reader) checkLen(n int) error {
	if n != r.vlen {
		return fmt.Errorf("read %s: destination holds %d values, a volume has %d", r.name, n, r.vlen)
	}
	return nil
}

// next reads one volume chunk by chunk, handing each chunk's scaled values
// (and their offset in the volume) to emit.
func (r *Reader) next(emit func(start int, v []float64)) error {
	if r.err != nil {
		return r.err
	}
	if r.vol == r.nvols {
		r.err = r.checkEnd()
		return r.err
	}
	size := r.hdr.Datatype.Size()
	per := chunkBytes / size
	if r.buf == nil {
		r.buf = make([]byte, chunkBytes)
		r.vals = make([]float64, per)
	}
	for start := 0; start < r.vlen; start += per {
		cnt := min(per, r.vlen-start)
		b := r.buf[:cnt*size]
		if got, err := r.readFull(b); err != nil {
			done := (int64(r.vol)*int64(r.vlen)+int64(start))*int64(size) + int64(got)
			r.err = fmt.Errorf("read %s: volume %d of %d: %s after %d of the %d data bytes that header dims %s of %v need",
				r.name, r.vol+1, r.nvols, r.explain(err), done, r.hdr.DataBytes(), r.hdr.DimString(), r.hdr.Datatype)
			return r.err
		}
		v := r.vals[:cnt]
		r.decode(b, v)
		emit(start, v)
	}
	r.vol++
	return nil
}

// checkEnd makes sure the data stop where the header says, or records how
// many bytes follow them (for gzip, it also verifies the stream's
// checksum). A plain file of known size was measured when it was opened.
func (r *Reader) checkEnd() error {
	if !r.gz && r.size >= 0 {
		return io.EOF
	}
	// Bytes past the data are counted up to a bound, so that a small gzip
	// stream cannot keep the reader inflating for long.
	limit := max(r.hdr.DataBytes(), maxTrailingBytes)
	n, err := io.Copy(io.Discard, io.LimitReader(r.src, limit+1))
	switch {
	case err != nil:
		return fmt.Errorf("read %s: after the last volume: %s", r.name, r.explain(err))
	case n > limit:
		return fmt.Errorf("read %s: data continue for more than %d bytes past the %d bytes that header dims %s of %v account for",
			r.name, limit, r.hdr.DataBytes(), r.hdr.DimString(), r.hdr.Datatype)
	case n > 0:
		r.warnExtra(r.hdr, n)
	}
	return io.EOF
}

// decode converts stored values to float64 and applies the scaling.
func (r *Reader) decode(b []byte, out []float64) {
	bo := r.hdr.ByteOrder
	switch r.hdr.Datatype {
	case Uint8:
		for i := range out {
			out[i] = float64(b[i])
		}
	case Int8:
		for i := range out {
			out[i] = float64(int8(b[i]))
		}
	case Int16:
		for i := range out {
			out[i] = float64(int16(bo.Uint16(b[2*i:])))
		}
	case Uint16:
		for i := range out {
			out[i] = float64(bo.Uint16(b[2*i:]))
		}
	case Int32:
		for i := range out {
			out[i] = float64(int32(bo.Uint32(b[4*i:])))
		}
	case Uint32:
		for i := range out {
			out[i] = float64(bo.Uint32(b[4*i:]))
		}
	case Float32:
		for i := range out {
			out[i] = float64(math.Float32frombits(bo.Uint32(b[4*i:])))
		}
	case Float64:
		for i := range out {
			out[i] = math.Float64frombits(bo.Uint64(b[8*i:]))
		}
	}
	if r.scaled {
		s, c := r.slope, r.inter
		for i, x := range out {
			out[i] = x*s + c
		}
	}
}

// Close releases the file opened by Open (it does nothing for NewReader's).
func (r *Reader) Close() error {
	if r.file == nil {
		return nil
	}
	err := r.file.Close()
	r.file = nil
	return err
}

// Image is a whole image in memory, values scaled, x fastest then y, z, t.
type Image struct {
	Header   *Header
	Data     []float64
	Warnings []string // the reader's (Reader.Warnings)
}

// Volume returns the t-th 3-D volume (a slice of Data, not a copy).
func (im *Image) Volume(t int) []float64 {
	n := im.Header.VolumeLen()
	return im.Data[t*n : (t+1)*n]
}

// At returns the value at voxel (x, y, z) of volume t.
func (im *Image) At(x, y, z, t int) float64 {
	nx, ny, nz := im.Header.dim(0), im.Header.dim(1), im.Header.dim(2)
	return im.Data[((t*nz+z)*ny+y)*nx+x]
}

// ReadHeader reads and checks the header and extensions of a file, not its data.
func ReadHeader(path string) (*Header, error) {
	r, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Header(), nil
}

// ReadFile reads a whole image into memory as float64 (8 bytes per voxel: use
// Open and NextVolume for long 4-D runs). The allocation is bounded by the file
// size (times the maximal deflate ratio for .nii.gz).
func ReadFile(path string) (*Image, error) {
	r, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.ReadAll()
}

// ReadAll reads the remaining volumes into an Image. For a plain .nii of known
// size it allocates exactly the data size (checked against the file size); for
// gzip it reserves at most 16 times the compressed size and grows as data
// arrive, so a header that lies cannot make it allocate much more than the data
// actually present.
func (r *Reader) ReadAll() (*Image, error) {
	im := &Image{Header: r.hdr}
	want := r.hdr.NumVoxels() - int64(r.vol)*int64(r.vlen)
	switch {
	case r.size >= 0 && !r.gz:
	case r.size >= 0:
		want = min(want, 16*r.size/int64(r.hdr.Datatype.Size()))
	default:
		want = min(want, chunkBytes)
	}
	im.Data = make([]float64, 0, want)
	add := func(_ int, v []float64) { im.Data = append(im.Data, v...) }
	for {
		err := r.next(add)
		if err == io.EOF {
			im.Warnings = r.Warnings()
			return im, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
