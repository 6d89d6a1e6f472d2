package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"fmriface/bundle/quant"
)

// Bundle is a parsed, verified bundle. It keeps the byte slice given to
// Parse and reads tensor data from it on demand, so that slice must not be
// modified afterwards. A Bundle is safe for concurrent reads.
type Bundle struct {
	data    []byte
	sha     [32]byte
	meta    []metaEntry // sorted by key
	tensors []Info      // sorted by name
}

type metaEntry struct {
	key string
	typ metaType
	val any
}

// Info describes one tensor.
type Info struct {
	Name   string
	DType  DType
	Shape  []int
	Offset int64  // where the tensor's bytes start, counted from the start of the file
	Size   int64  // the number of bytes
	CRC32C uint32 // of the tensor's bytes
}

// NumElements returns the number of elements of the tensor.
func (i Info) NumElements() int {
	n, _ := quant.NumElements(i.Shape) // bounded by Parse
	return n
}

// Parse verifies data as a bundle and indexes it; see the package doc for
// what it checks. Errors start with "bundle:" and wrap one of ErrNotBundle,
// ErrVersion, ErrTruncated, ErrChecksum, ErrFormat or ErrLimit.
func Parse(data []byte, lim Limits) (*Bundle, error) {
	return parse(data, lim, true)
}

// ParseVerified is Parse for bytes whose integrity the caller has already
// established, e.g. by checking the whole file's SHA-256 against a manifest
// as the site's loader does: every structural check and limit still applies
// (so hostile bytes still get an error, never a panic), but the checksums,
// a second full pass over the file, are not recomputed.
func ParseVerified(data []byte, lim Limits) (*Bundle, error) {
	return parse(data, lim, false)
}

// parse is Parse with the checksum verification optional, so that the fuzzer
// can reach the structural checks behind the checksums.
func parse(data []byte, lim Limits, verify bool) (*Bundle, error) {
	lim = lim.withDefaults()
	le := binary.LittleEndian
	n := int64(len(data))
	if n >= int64(len(Magic)) && string(data[:len(Magic)]) != Magic {
		return nil, fmt.Errorf("bundle: %w: the file starts with % x, not the bundle magic % x", ErrNotBundle, data[:len(Magic)], Magic)
	}
	if n < HeaderSize+TrailerSize {
		return nil, fmt.Errorf("bundle: %w: the file is %d bytes, smaller than a header and trailer (%d)", ErrTruncated, n, HeaderSize+TrailerSize)
	}
	switch bom := le.Uint32(data[offByteOrder:]); bom {
	case byteOrderMark:
	case 0x04030201:
		return nil, fmt.Errorf("bundle: %w: big-endian byte-order mark; this reader reads little-endian bundles only", ErrVersion)
	default:
		return nil, fmt.Errorf("bundle: %w: bad byte-order mark % x at offset 8 (want 04 03 02 01)", ErrFormat, data[offByteOrder:offByteOrder+4])
	}
	version := le.Uint32(data[offVersion:])
	if version < MinVersion || version > Version {
		return nil, fmt.Errorf("bundle: %w: format version %d; this reader knows versions %d to %d", ErrVersion, version, MinVersion, Version)
	}
	if verify {
		if got, want := crc32c(data[:headerCRCSpan]), le.Uint32(data[offHeaderCRC:]); got != want {
			return nil, fmt.Errorf("bundle: %w: header CRC32C is %08x, header says %08x: the header is corrupted", ErrChecksum, got, want)
		}
	}
	size := le.Uint64(data[offFileSize:])
	switch {
	case size > uint64(lim.MaxFileSize):
		return nil, fmt.Errorf("bundle: %w: the header says %d bytes, above the limit of %d", ErrLimit, size, lim.MaxFileSize)
	case n > lim.MaxFileSize:
		return nil, fmt.Errorf("bundle: %w: %d bytes, above the limit of %d", ErrLimit, n, lim.MaxFileSize)
	case size > uint64(n):
		return nil, fmt.Errorf("bundle: %w: the file is %d bytes but its header says %d", ErrTruncated, n, size)
	case size < uint64(n):
		return nil, fmt.Errorf("bundle: %w: %d bytes follow the end of the file stated in the header (%d)", ErrFormat, uint64(n)-size, size)
	}
	if f := le.Uint32(data[offFlags:]); f != 0 {
		return nil, fmt.Errorf("bundle: %w: unknown header flags %#x", ErrFormat, f)
	}

	// The sections must follow each other exactly; every value is checked
	// against the file size before any arithmetic, so nothing overflows.
	field := func(off int) int64 {
		v := le.Uint64(data[off:])
		if v > uint64(n) {
			return -1
		}
		return int64(v)
	}
	metaOff, metaSize := field(offMetaOff), field(offMetaSize)
	tableOff, tableSize := field(offTableOff), field(offTableSize)
	dataOff, dataSize := field(offDataOff), field(offDataSize)
	secErr := func(format string, args ...any) error {
		return fmt.Errorf("bundle: %w: section layout: "+format, append([]any{ErrFormat}, args...)...)
	}
	switch {
	case metaOff != HeaderSize:
		return nil, secErr("metadata offset %d, want %d (right after the header)", le.Uint64(data[offMetaOff:]), HeaderSize)
	case metaSize < 0 || metaOff+metaSize > n-TrailerSize:
		return nil, secErr("metadata size %d runs past the end of the file", le.Uint64(data[offMetaSize:]))
	case tableOff != metaOff+metaSize:
		return nil, secErr("tensor table offset %d, want %d (right after the metadata)", le.Uint64(data[offTableOff:]), metaOff+metaSize)
	case tableSize < 0 || tableOff+tableSize > n-TrailerSize:
		return nil, secErr("tensor table size %d runs past the end of the file", le.Uint64(data[offTableSize:]))
	case dataOff != alignUp(tableOff+tableSize):
		return nil, secErr("data offset %d, want %d (the table's end rounded up to %d)", le.Uint64(data[offDataOff:]), alignUp(tableOff+tableSize), Alignment)
	case dataSize < 0 || dataSize%Alignment != 0 || dataOff+dataSize != n-TrailerSize:
		return nil, secErr("data size %d, want %d (up to the trailer)", le.Uint64(data[offDataSize:]), n-TrailerSize-dataOff)
	}
	if verify {
		got := sha256.Sum256(data[:n-TrailerSize])
		if !bytes.Equal(got[:], data[n-TrailerSize:]) {
			return nil, fmt.Errorf("bundle: %w: SHA-256 of bytes [0, %d) is %x, the trailer says %x: the file is corrupted", ErrChecksum, n-TrailerSize, got, data[n-TrailerSize:])
		}
	}
	if i := nonZero(data[tableOff+tableSize : dataOff]); i >= 0 {
		return nil, fmt.Errorf("bundle: %w: padding byte at offset %d is not zero", ErrFormat, tableOff+tableSize+int64(i))
	}

	b := &Bundle{data: data}
	copy(b.sha[:], data[n-TrailerSize:])
	var err error
	metaCount, tensorCount := le.Uint32(data[offMetaCount:]), le.Uint32(data[offTensorCnt:])
	if b.meta, err = parseMeta(data[metaOff:metaOff+metaSize], metaOff, metaCount, lim); err != nil {
		return nil, err
	}
	if b.tensors, err = parseTable(data[tableOff:tableOff+tableSize], tableOff, tensorCount, version, lim); err != nil {
		return nil, err
	}
	if err := checkData(data, b.tensors, dataOff, dataOff+dataSize, verify); err != nil {
		return nil, err
	}
	return b, nil
}

// nonZero returns the index of the first non-zero byte of b, or -1.
func nonZero(b []byte) int {
	for i, c := range b {
		if c != 0 {
			return i
		}
	}
	return -1
}

// cursor reads little-endian fields from one section, remembering the first
// failure; base is the section's file offset, for messages.
type cursor struct {
	b    []byte
	pos  int
	base int64
	what string // the entry being read, for messages
	err  error
}

func (c *cursor) take(n int, field string) []byte {
	if c.err != nil {
		return nil
	}
	if n < 0 || n > len(c.b)-c.pos {
		c.err = fmt.Errorf("bundle: %w: %s: %s needs %d bytes at offset %d, but its section ends at offset %d",
			ErrFormat, c.what, field, n, c.base+int64(c.pos), c.base+int64(len(c.b)))
		return nil
	}
	p := c.b[c.pos : c.pos+n]
	c.pos += n
	return p
}

func (c *cursor) fail(kind error, format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("bundle: %w: %s: "+format, append([]any{kind, c.what}, args...)...)
	}
}

func (c *cursor) u8(field string) uint8 {
	if p := c.take(1, field); p != nil {
		return p[0]
	}
	return 0
}

func (c *cursor) u16(field string) uint16 {
	if p := c.take(2, field); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (c *cursor) u32(field string) uint32 {
	if p := c.take(4, field); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (c *cursor) u64(field string) uint64 {
	if p := c.take(8, field); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

// name reads a uint16-length-prefixed name and applies the name rules.
func (c *cursor) name(field string, lim Limits) string {
	n := int(c.u16(field + " length"))
	if c.err == nil && (n == 0 || n > lim.MaxNameLen) {
		if n == 0 {
			c.fail(ErrFormat, "empty %s", field)
		} else {
			c.fail(ErrLimit, "%s of %d bytes exceeds the limit of %d", field, n, lim.MaxNameLen)
		}
	}
	s := string(c.take(n, field))
	if c.err == nil && !utf8.ValidString(s) {
		c.fail(ErrFormat, "%s %q is not valid UTF-8", field, s)
	}
	return s
}

// str reads a uint32-length-prefixed UTF-8 string.
func (c *cursor) str(field string, lim Limits) string {
	n := c.u32(field + " length")
	if c.err == nil && n > uint32(lim.MaxStringLen) {
		c.fail(ErrLimit, "%s of %d bytes exceeds the limit of %d", field, n, lim.MaxStringLen)
	}
	s := string(c.take(int(n), field))
	if c.err == nil && !utf8.ValidString(s) {
		c.fail(ErrFormat, "%s is not valid UTF-8", field)
	}
	return s
}

// count reads a uint32 element count and checks that the limit allows it and
// the section can hold it (at least minSize bytes per element) before the
// caller allocates.
func (c *cursor) count(field string, minSize int, lim Limits) int {
	n := c.u32(field)
	switch {
	case c.err != nil:
		return 0
	case n > uint32(lim.MaxArrayLen):
		c.fail(ErrLimit, "%s %d exceeds the limit of %d", field, n, lim.MaxArrayLen)
		return 0
	case int64(n)*int64(minSize) > int64(len(c.b)-c.pos):
		c.fail(ErrFormat, "%s %d needs at least %d bytes, the section has %d left", field, n, int64(n)*int64(minSize), len(c.b)-c.pos)
		return 0
	}
	return int(n)
}

func parseMeta(sec []byte, base int64, count uint32, lim Limits) ([]metaEntry, error) {
	const minEntry = 2 + 1 + 1 + 1 // key length, 1-byte key, type, smallest value (bool)
	if count > uint32(lim.MaxMeta) {
		return nil, fmt.Errorf("bundle: %w: %d metadata entries exceed the limit of %d", ErrLimit, count, lim.MaxMeta)
	}
	if int64(count)*minEntry > int64(len(sec)) {
		return nil, fmt.Errorf("bundle: %w: %d metadata entries cannot fit in a %d-byte section", ErrFormat, count, len(sec))
	}
	c := &cursor{b: sec, base: base}
	out := make([]metaEntry, 0, count)
	for i := range int(count) {
		c.what = fmt.Sprintf("metadata entry %d", i)
		key := c.name("key", lim)
		if c.err == nil {
			c.what = fmt.Sprintf("metadata entry %d (%q)", i, key)
		}
		if c.err == nil && i > 0 && key <= out[i-1].key {
			c.fail(ErrFormat, "keys must be unique and sorted, but %q follows %q", key, out[i-1].key)
		}
		t := metaType(c.u8("type"))
		var v any
		switch t {
		case metaString:
			v = c.str("string", lim)
		case metaJSON:
			s := c.str("JSON", lim)
			if c.err == nil && !json.Valid([]byte(s)) {
				c.fail(ErrFormat, "invalid JSON value %.40q", s)
			}
			v = json.RawMessage(s)
		case metaInt64:
			v = int64(c.u64("int64"))
		case metaFloat64:
			v = math.Float64frombits(c.u64("float64"))
		case metaBool:
			x := c.u8("bool")
			if c.err == nil && x > 1 {
				c.fail(ErrFormat, "bool byte %d is neither 0 nor 1", x)
			}
			v = x == 1
		case metaStrings:
			a := make([]string, c.count("string count", 4, lim))
			for j := range a {
				a[j] = c.str(fmt.Sprintf("string %d", j), lim)
			}
			v = a
		case metaInt64s:
			a := make([]int64, c.count("int64 count", 8, lim))
			for j := range a {
				a[j] = int64(c.u64("int64"))
			}
			v = a
		case metaFloat64s:
			a := make([]float64, c.count("float64 count", 8, lim))
			for j := range a {
				a[j] = math.Float64frombits(c.u64("float64"))
			}
			v = a
		default:
			c.fail(ErrFormat, "unknown value type %d", t)
		}
		if c.err != nil {
			return nil, c.err
		}
		out = append(out, metaEntry{key: key, typ: t, val: v})
	}
	if c.pos != len(sec) {
		return nil, fmt.Errorf("bundle: %w: %d bytes follow the last metadata entry, at offset %d", ErrFormat, len(sec)-c.pos, base+int64(c.pos))
	}
	return out, nil
}

func parseTable(sec []byte, base int64, count, version uint32, lim Limits) ([]Info, error) {
	const minEntry = 2 + 1 + 1 + 1 + 8 + 8 + 4 // name length, 1-byte name, dtype, rank 0, offset, size, CRC
	if count > uint32(lim.MaxTensors) {
		return nil, fmt.Errorf("bundle: %w: %d tensors exceed the limit of %d", ErrLimit, count, lim.MaxTensors)
	}
	if int64(count)*minEntry > int64(len(sec)) {
		return nil, fmt.Errorf("bundle: %w: %d tensor entries cannot fit in a %d-byte table", ErrFormat, count, len(sec))
	}
	c := &cursor{b: sec, base: base}
	out := make([]Info, 0, count)
	for i := range int(count) {
		c.what = fmt.Sprintf("tensor entry %d", i)
		var t Info
		t.Name = c.name("name", lim)
		if c.err == nil {
			c.what = fmt.Sprintf("tensor %q", t.Name)
		}
		if c.err == nil && i > 0 && t.Name <= out[i-1].Name {
			c.fail(ErrFormat, "names must be unique and sorted, but %q follows %q", t.Name, out[i-1].Name)
		}
		t.DType = DType(c.u8("dtype"))
		if c.err == nil && !t.DType.Valid() {
			c.fail(ErrFormat, "unknown dtype %d", uint8(t.DType))
		}
		if c.err == nil && t.DType.minVersion() > version {
			c.fail(ErrFormat, "dtype %v needs format version %d, the header says %d", t.DType, t.DType.minVersion(), version)
		}
		rank := int(c.u8("rank"))
		if c.err == nil && rank > MaxRank {
			c.fail(ErrFormat, "rank %d exceeds %d", rank, MaxRank)
		}
		if c.err != nil {
			return nil, c.err
		}
		t.Shape = make([]int, rank)
		elems := int64(1)
		for j := range t.Shape {
			d := c.u64("dim")
			if c.err != nil {
				return nil, c.err
			}
			// Bound each dim before multiplying; a zero dim makes the
			// product 0 and stays within every bound.
			if d > uint64(lim.MaxElements) || (d > 0 && elems > lim.MaxElements/int64(d)) {
				c.fail(ErrLimit, "shape %v: more than the limit of %d elements", append(t.Shape[:j:j], int(min(d, math.MaxInt32))), lim.MaxElements)
				return nil, c.err
			}
			t.Shape[j] = int(d)
			elems *= int64(d)
		}
		off, size := c.u64("offset"), c.u64("size")
		t.CRC32C = c.u32("CRC32C")
		if c.err != nil {
			return nil, c.err
		}
		want, err := payloadSize(t.DType, t.Shape)
		if err != nil {
			c.fail(ErrFormat, "%v", err)
			return nil, c.err
		}
		if size != uint64(want) {
			c.fail(ErrFormat, "%v %v needs %d bytes, the table says %d", t.DType, t.Shape, want, size)
			return nil, c.err
		}
		if off > math.MaxInt64/2 {
			c.fail(ErrFormat, "offset %d is past the end of the file", off)
			return nil, c.err
		}
		t.Offset, t.Size = int64(off), want
		out = append(out, t)
	}
	if c.pos != len(sec) {
		return nil, fmt.Errorf("bundle: %w: %d bytes follow the last tensor entry, at offset %d", ErrFormat, len(sec)-c.pos, base+int64(c.pos))
	}
	return out, nil
}

// checkData checks that the tensors tile the data section [start, end) in
// table order, each at the first 64-byte boundary after the previous one,
// with zero padding, and verifies each tensor's CRC32C.
func checkData(data []byte, ts []Info, start, end int64, verify bool) error {
	pos := start
	for _, t := range ts {
		switch {
		case t.Offset%Alignment != 0:
			return fmt.Errorf("bundle: %w: tensor %q: offset %d is not a multiple of %d", ErrFormat, t.Name, t.Offset, Alignment)
		case t.Offset != pos:
			return fmt.Errorf("bundle: %w: tensor %q: offset %d, want %d (the previous tensor's end rounded up to %d)", ErrFormat, t.Name, t.Offset, pos, Alignment)
		case t.Size > end-t.Offset:
			return fmt.Errorf("bundle: %w: tensor %q: %d bytes at offset %d run past the data section's end at %d", ErrFormat, t.Name, t.Size, t.Offset, end)
		}
		p := data[t.Offset : t.Offset+t.Size]
		if verify {
			if got := crc32c(p); got != t.CRC32C {
				return fmt.Errorf("bundle: %w: tensor %q: CRC32C of its %d bytes is %08x, the table says %08x", ErrChecksum, t.Name, t.Size, got, t.CRC32C)
			}
		}
		pos = alignUp(t.Offset + t.Size)
		if pos > end {
			pos = end // only the final padding can be cut; the check below reports it
		}
		if i := nonZero(data[t.Offset+t.Size : pos]); i >= 0 {
			return fmt.Errorf("bundle: %w: padding byte at offset %d after tensor %q is not zero", ErrFormat, t.Offset+t.Size+int64(i), t.Name)
		}
	}
	if pos != end {
		return fmt.Errorf("bundle: %w: the tensors end at offset %d but the data section runs to %d", ErrFormat, pos, end)
	}
	return nil
}

// SHA256 returns the file's SHA-256 (of every byte before the trailer), as
// stored in the trailer and verified by Parse.
func (b *Bundle) SHA256() [32]byte { return b.sha }

// Size returns the file's size in bytes.
func (b *Bundle) Size() int64 { return int64(len(b.data)) }

// MetaKeys returns the metadata keys in stored (sorted) order.
func (b *Bundle) MetaKeys() []string {
	keys := make([]string, len(b.meta))
	for i, e := range b.meta {
		keys[i] = e.key
	}
	return keys
}

// Meta returns the value stored under key: a string, int64, float64, bool,
// json.RawMessage, []string, []int64 or []float64. Slices are copies.
func (b *Bundle) Meta(key string) (any, bool) {
	i, ok := slices.BinarySearchFunc(b.meta, key, func(e metaEntry, k string) int { return strings.Compare(e.key, k) })
	if !ok {
		return nil, false
	}
	switch v := b.meta[i].val.(type) {
	case []string:
		return slices.Clone(v), true
	case []int64:
		return slices.Clone(v), true
	case []float64:
		return slices.Clone(v), true
	case json.RawMessage:
		return slices.Clone(v), true
	default:
		return v, true
	}
}

// metaAs returns the value under key if it has type T.
func metaAs[T any](b *Bundle, key string) (T, error) {
	var zero T
	v, ok := b.Meta(key)
	if !ok {
		return zero, fmt.Errorf("bundle: no metadata %q", key)
	}
	x, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("bundle: metadata %q is %s, not %s", key, typeName(v), typeName(zero))
	}
	return x, nil
}

// MetaString returns the string under key; absence or another type is an error.
func (b *Bundle) MetaString(key string) (string, error) { return metaAs[string](b, key) }

// MetaInt64 returns the int64 under key.
func (b *Bundle) MetaInt64(key string) (int64, error) { return metaAs[int64](b, key) }

// MetaFloat64 returns the float64 under key.
func (b *Bundle) MetaFloat64(key string) (float64, error) { return metaAs[float64](b, key) }

// MetaBool returns the bool under key.
func (b *Bundle) MetaBool(key string) (bool, error) { return metaAs[bool](b, key) }

// MetaStrings returns the []string under key.
func (b *Bundle) MetaStrings(key string) ([]string, error) { return metaAs[[]string](b, key) }

// MetaJSON decodes the JSON value under key into v.
func (b *Bundle) MetaJSON(key string, v any) error {
	raw, err := metaAs[json.RawMessage](b, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("bundle: metadata %q: %w", key, err)
	}
	return nil
}

// Names returns the tensor names in stored (sorted) order.
func (b *Bundle) Names() []string {
	names := make([]string, len(b.tensors))
	for i, t := range b.tensors {
		names[i] = t.Name
	}
	return names
}

// Tensor describes the named tensor.
func (b *Bundle) Tensor(name string) (Info, error) {
	t, err := b.find(name)
	if err != nil {
		return Info{}, err
	}
	info := *t
	info.Shape = slices.Clone(t.Shape)
	return info, nil
}

func (b *Bundle) find(name string) (*Info, error) {
	i, ok := slices.BinarySearchFunc(b.tensors, name, func(t Info, n string) int { return strings.Compare(t.Name, n) })
	if !ok {
		return nil, fmt.Errorf("bundle: no tensor %q", name)
	}
	return &b.tensors[i], nil
}

// Raw returns the named tensor's stored bytes, in the layout of its dtype
// (docs/bundle-format.md). The slice aliases the parsed data: do not modify it.
func (b *Bundle) Raw(name string) ([]byte, error) {
	t, err := b.find(name)
	if err != nil {
		return nil, err
	}
	return b.data[t.Offset : t.Offset+t.Size : t.Offset+t.Size], nil
}

// Float32 returns the named float tensor (any of F32, F16, Q8, Q4, Q4F32),
// dequantized, in row-major order.
func (b *Bundle) Float32(name string) ([]float32, error) {
	t, err := b.find(name)
	if err != nil {
		return nil, err
	}
	dst := make([]float32, t.NumElements())
	return dst, b.Float32Into(name, dst)
}

// Float32Into dequantizes the named float tensor into dst, which must have
// exactly one slot per element. It does not allocate.
func (b *Bundle) Float32Into(name string, dst []float32) error {
	t, err := b.find(name)
	if err != nil {
		return err
	}
	k, ok := t.DType.Quant()
	if !ok {
		return fmt.Errorf("bundle: tensor %q is %v, not a float tensor", name, t.DType)
	}
	if len(dst) != t.NumElements() {
		return fmt.Errorf("bundle: tensor %q %v has %d elements, destination has %d", name, t.Shape, t.NumElements(), len(dst))
	}
	if err := quant.Decode(k, t.Shape, b.data[t.Offset:t.Offset+t.Size], dst); err != nil {
		return fmt.Errorf("bundle: tensor %q: %w", name, err)
	}
	return nil
}

// Int16 returns the named int16 tensor.
func (b *Bundle) Int16(name string) ([]int16, error) { return readInt[int16](b, name, I16) }

// Int16Into reads the named int16 tensor into dst without allocating.
func (b *Bundle) Int16Into(name string, dst []int16) error { return readIntInto(b, name, I16, dst) }

// Uint8 returns the named uint8 tensor.
func (b *Bundle) Uint8(name string) ([]uint8, error) { return readInt[uint8](b, name, U8) }

// Uint8Into reads the named uint8 tensor into dst without allocating.
func (b *Bundle) Uint8Into(name string, dst []uint8) error { return readIntInto(b, name, U8, dst) }

// Int32 returns the named int32 tensor.
func (b *Bundle) Int32(name string) ([]int32, error) { return readInt[int32](b, name, I32) }

// Int32Into reads the named int32 tensor into dst without allocating.
func (b *Bundle) Int32Into(name string, dst []int32) error { return readIntInto(b, name, I32, dst) }

func readInt[T int16 | uint8 | int32](b *Bundle, name string, d DType) ([]T, error) {
	t, err := b.find(name)
	if err != nil {
		return nil, err
	}
	if t.DType != d {
		return nil, fmt.Errorf("bundle: tensor %q is %v, not %v", name, t.DType, d)
	}
	dst := make([]T, t.NumElements())
	return dst, readIntInto(b, name, d, dst)
}

func readIntInto[T int16 | uint8 | int32](b *Bundle, name string, d DType, dst []T) error {
	t, err := b.find(name)
	if err != nil {
		return err
	}
	if t.DType != d {
		return fmt.Errorf("bundle: tensor %q is %v, not %v", name, t.DType, d)
	}
	if len(dst) != t.NumElements() {
		return fmt.Errorf("bundle: tensor %q %v has %d elements, destination has %d", name, t.Shape, t.NumElements(), len(dst))
	}
	p := b.data[t.Offset : t.Offset+t.Size]
	for i := range dst {
		switch d {
		case I16:
			dst[i] = T(int16(binary.LittleEndian.Uint16(p[2*i:])))
		case U8:
			dst[i] = T(p[i])
		case I32:
			dst[i] = T(int32(binary.LittleEndian.Uint32(p[4*i:])))
		}
	}
	return nil
}
