package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"

	"fmriface/bundle/quant"
)

// Writer collects metadata and tensors and lays them out as a bundle. Its
// output depends only on what was added, never on the order of the calls:
// metadata keys and tensor names are both stored sorted by their bytes.
//
// Every Set and Add method checks its input at once and returns an error; the
// first such error is also kept and returned by Bytes, WriteTo and WriteFile,
// so a caller may check once at the end. A Writer is not safe for concurrent
// use.
type Writer struct {
	meta    map[string]metaEntry
	tensors map[string]*wtensor
	lim     Limits
	err     error
}

type wtensor struct {
	dtype   DType
	shape   []int
	payload []byte
}

// NewWriter returns an empty Writer.
func NewWriter() *Writer {
	return &Writer{
		meta:    map[string]metaEntry{},
		tensors: map[string]*wtensor{},
		lim:     DefaultLimits(),
	}
}

// fail records the first error.
func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

// SetMeta sets metadata key to v, replacing any earlier value. v may be a
// string, bool, int, int32, uint32, int64, float32, float64, json.RawMessage
// (stored as JSON after a validity check), or a []string, []int, []int64,
// []float32 or []float64; integers are stored as int64 and floats as float64.
func (w *Writer) SetMeta(key string, v any) error {
	if err := checkName(key, w.lim); err != nil {
		return w.fail(fmt.Errorf("bundle: metadata key: %w", err))
	}
	t, nv, err := normalizeMeta(v, w.lim)
	if err != nil {
		return w.fail(fmt.Errorf("bundle: metadata %q: %w", key, err))
	}
	w.meta[key] = metaEntry{key: key, typ: t, val: nv}
	return nil
}

// AddFloat32 adds a float32 tensor of the given shape (row-major data),
// stored under encoding enc. The data are encoded at once, so the caller may
// reuse the slice.
func (w *Writer) AddFloat32(name string, shape []int, data []float32, enc quant.Kind) error {
	d, err := dtypeOf(enc)
	if err != nil {
		return w.fail(fmt.Errorf("bundle: tensor %q: %w", name, err))
	}
	if err := w.checkTensor(name, shape, len(data)); err != nil {
		return err
	}
	p, err := quant.Encode(enc, shape, data)
	if err != nil {
		return w.fail(fmt.Errorf("bundle: tensor %q: %w", name, err))
	}
	w.tensors[name] = &wtensor{dtype: d, shape: slices.Clone(shape), payload: p}
	return nil
}

// AddFloat32Floor is AddFloat32 with a lower bound on each row's scales
// (quant.EncodeFloor): the values of row r are stored on a grid no finer
// than floor[r], which a compressor then packs into fewer bits.
func (w *Writer) AddFloat32Floor(name string, shape []int, data []float32, enc quant.Kind, floor []float32) error {
	d, err := dtypeOf(enc)
	if err != nil {
		return w.fail(fmt.Errorf("bundle: tensor %q: %w", name, err))
	}
	if err := w.checkTensor(name, shape, len(data)); err != nil {
		return err
	}
	p, err := quant.EncodeFloor(enc, shape, data, floor)
	if err != nil {
		return w.fail(fmt.Errorf("bundle: tensor %q: %w", name, err))
	}
	w.tensors[name] = &wtensor{dtype: d, shape: slices.Clone(shape), payload: p}
	return nil
}

// AddInt16 adds an int16 tensor, e.g. voxel coordinates.
func (w *Writer) AddInt16(name string, shape []int, data []int16) error {
	return addInt(w, name, shape, data, I16)
}

// AddUint8 adds a uint8 tensor, e.g. ROI labels.
func (w *Writer) AddUint8(name string, shape []int, data []uint8) error {
	return addInt(w, name, shape, data, U8)
}

// AddInt32 adds an int32 tensor.
func (w *Writer) AddInt32(name string, shape []int, data []int32) error {
	return addInt(w, name, shape, data, I32)
}

func addInt[T int16 | uint8 | int32](w *Writer, name string, shape []int, data []T, d DType) error {
	if err := w.checkTensor(name, shape, len(data)); err != nil {
		return err
	}
	p := make([]byte, len(data)*d.intSize())
	for i, v := range data {
		switch d {
		case I16:
			binary.LittleEndian.PutUint16(p[2*i:], uint16(v))
		case U8:
			p[i] = uint8(v)
		case I32:
			binary.LittleEndian.PutUint32(p[4*i:], uint32(v))
		}
	}
	w.tensors[name] = &wtensor{dtype: d, shape: slices.Clone(shape), payload: p}
	return nil
}

// addRaw adds a tensor from its stored bytes, which must have the size its
// dtype and shape imply.
func (w *Writer) addRaw(name string, d DType, shape []int, payload []byte) error {
	n, err := quant.NumElements(shape)
	if err != nil {
		return w.fail(fmt.Errorf("bundle: tensor %q: %w", name, err))
	}
	if err := w.checkTensor(name, shape, n); err != nil {
		return err
	}
	want, err := payloadSize(d, shape)
	if err != nil || want != int64(len(payload)) {
		return w.fail(fmt.Errorf("bundle: tensor %q: %v %v needs %d bytes, got %d (%v)", name, d, shape, want, len(payload), err))
	}
	w.tensors[name] = &wtensor{dtype: d, shape: slices.Clone(shape), payload: payload}
	return nil
}

// checkTensor validates a tensor's name and shape against the format and the
// default reader limits, and the data length against the shape.
func (w *Writer) checkTensor(name string, shape []int, n int) error {
	fail := func(format string, args ...any) error {
		return w.fail(fmt.Errorf("bundle: tensor %q: "+format, append([]any{name}, args...)...))
	}
	if err := checkName(name, w.lim); err != nil {
		return w.fail(fmt.Errorf("bundle: tensor name: %w", err))
	}
	if _, dup := w.tensors[name]; dup {
		return fail("added twice")
	}
	if len(shape) > MaxRank {
		return fail("rank %d exceeds %d", len(shape), MaxRank)
	}
	want, err := quant.NumElements(shape)
	if err != nil {
		return fail("%w", err)
	}
	if int64(want) > w.lim.MaxElements {
		return fail("%d elements exceed the reader limit of %d", want, w.lim.MaxElements)
	}
	if n != want {
		return fail("shape %v has %d elements, data has %d", shape, want, n)
	}
	return nil
}

// Bytes lays out the bundle and returns it.
func (w *Writer) Bytes() ([]byte, error) {
	if w.err != nil {
		return nil, w.err
	}
	if len(w.meta) > w.lim.MaxMeta || len(w.tensors) > w.lim.MaxTensors {
		return nil, fmt.Errorf("bundle: %d metadata entries and %d tensors exceed the reader limits (%d, %d)",
			len(w.meta), len(w.tensors), w.lim.MaxMeta, w.lim.MaxTensors)
	}
	keys := sortedKeys(w.meta)
	names := sortedKeys(w.tensors)

	var meta []byte
	for _, k := range keys {
		meta = appendMeta(meta, w.meta[k])
	}
	var tableSize int64
	for _, n := range names {
		tableSize += int64(2 + len(n) + 2 + 8*len(w.tensors[n].shape) + 8 + 8 + 4)
	}
	metaOff := int64(HeaderSize)
	tableOff := metaOff + int64(len(meta))
	dataOff := alignUp(tableOff + tableSize)
	end := dataOff
	offsets := make([]int64, len(names))
	for i, n := range names {
		offsets[i] = end
		end = alignUp(end + int64(len(w.tensors[n].payload)))
	}
	fileSize := end + TrailerSize
	if fileSize > w.lim.MaxFileSize {
		return nil, fmt.Errorf("bundle: %d bytes exceed the reader limit of %d", fileSize, w.lim.MaxFileSize)
	}

	buf := make([]byte, fileSize)
	le := binary.LittleEndian
	copy(buf[offMagic:], Magic)
	le.PutUint32(buf[offByteOrder:], byteOrderMark)
	// The lowest version that defines every dtype used: a file without
	// q3 tensors stays readable by version 1 readers.
	version := uint32(MinVersion)
	for _, t := range w.tensors {
		version = max(version, t.dtype.minVersion())
	}
	le.PutUint32(buf[offVersion:], version)
	le.PutUint64(buf[offFileSize:], uint64(fileSize))
	le.PutUint64(buf[offMetaOff:], uint64(metaOff))
	le.PutUint64(buf[offMetaSize:], uint64(len(meta)))
	le.PutUint64(buf[offTableOff:], uint64(tableOff))
	le.PutUint64(buf[offTableSize:], uint64(tableSize))
	le.PutUint64(buf[offDataOff:], uint64(dataOff))
	le.PutUint64(buf[offDataSize:], uint64(end-dataOff))
	le.PutUint32(buf[offMetaCount:], uint32(len(keys)))
	le.PutUint32(buf[offTensorCnt:], uint32(len(names)))
	le.PutUint32(buf[offFlags:], 0)
	le.PutUint32(buf[offHeaderCRC:], crc32c(buf[:headerCRCSpan]))
	copy(buf[metaOff:], meta)

	table := buf[tableOff:tableOff:dataOff]
	for i, n := range names {
		t := w.tensors[n]
		table = le.AppendUint16(table, uint16(len(n)))
		table = append(table, n...)
		table = append(table, byte(t.dtype), byte(len(t.shape)))
		for _, d := range t.shape {
			table = le.AppendUint64(table, uint64(d))
		}
		table = le.AppendUint64(table, uint64(offsets[i]))
		table = le.AppendUint64(table, uint64(len(t.payload)))
		table = le.AppendUint32(table, crc32c(t.payload))
		copy(buf[offsets[i]:], t.payload)
	}
	sum := sha256.Sum256(buf[:fileSize-TrailerSize])
	copy(buf[fileSize-TrailerSize:], sum[:])
	return buf, nil
}

// WriteTo writes the bundle to dst.
func (w *Writer) WriteTo(dst io.Writer) (int64, error) {
	b, err := w.Bytes()
	if err != nil {
		return 0, err
	}
	return bytes.NewReader(b).WriteTo(dst)
}

func appendMeta(b []byte, e metaEntry) []byte {
	le := binary.LittleEndian
	b = le.AppendUint16(b, uint16(len(e.key)))
	b = append(b, e.key...)
	b = append(b, byte(e.typ))
	appendStr := func(b []byte, s string) []byte {
		b = le.AppendUint32(b, uint32(len(s)))
		return append(b, s...)
	}
	switch v := e.val.(type) {
	case string:
		b = appendStr(b, v)
	case int64:
		b = le.AppendUint64(b, uint64(v))
	case float64:
		b = le.AppendUint64(b, math.Float64bits(v))
	case bool:
		if v {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	case json.RawMessage:
		b = appendStr(b, string(v))
	case []string:
		b = le.AppendUint32(b, uint32(len(v)))
		for _, s := range v {
			b = appendStr(b, s)
		}
	case []int64:
		b = le.AppendUint32(b, uint32(len(v)))
		for _, x := range v {
			b = le.AppendUint64(b, uint64(x))
		}
	case []float64:
		b = le.AppendUint32(b, uint32(len(v)))
		for _, x := range v {
			b = le.AppendUint64(b, math.Float64bits(x))
		}
	}
	return b
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// crc32c is the CRC-32 with the Castagnoli polynomial (as in iSCSI, ext4 and
// SSE4.2's crc32 instruction).
func crc32c(b []byte) uint32 {
	return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))
}
