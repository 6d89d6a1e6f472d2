package bundle

import (
	"fmt"

	"fmriface/bundle/quant"
)

// Layout constants of format versions 1 and 2. See docs/bundle-format.md.
const (
	// Magic is the first 8 bytes of every bundle. Like PNG's signature, the
	// high first byte and the CR LF, ^Z, LF bytes catch text-mode transfers.
	Magic = "\x89FMB\r\n\x1a\n"
	// Version is the newest format version this package writes and reads.
	// Version 2 adds the q3 dtype and nothing else, so the writer marks a
	// file 2 only when it holds a q3 tensor: every other file stays
	// readable by version 1 readers.
	Version = 2
	// MinVersion is the oldest format version this package reads.
	MinVersion = 1
	// HeaderSize is the size of the fixed header at the start of the file.
	HeaderSize = 88
	// Alignment is the file-offset alignment of every tensor's data.
	Alignment = 64
	// TrailerSize is the size of the SHA-256 trailer at the end of the file.
	TrailerSize = 32
	// MaxRank is the largest number of dims a tensor may have.
	MaxRank = 8
	// MaxNameLen is the format's limit on metadata keys and tensor names, in
	// bytes (their length field is a uint16).
	MaxNameLen = 1<<16 - 1

	// byteOrderMark is the uint32 0x01020304, stored little-endian as the
	// bytes 04 03 02 01.
	byteOrderMark = 0x01020304
)

// Header field offsets.
const (
	offMagic      = 0
	offByteOrder  = 8
	offVersion    = 12
	offFileSize   = 16
	offMetaOff    = 24
	offMetaSize   = 32
	offTableOff   = 40
	offTableSize  = 48
	offDataOff    = 56
	offDataSize   = 64
	offMetaCount  = 72
	offTensorCnt  = 76
	offFlags      = 80
	offHeaderCRC  = 84
	headerCRCSpan = 84 // the header CRC covers bytes [0, 84)
)

// DType is a tensor's stored element type.
type DType uint8

// The tensor dtypes and their codes in the file.
const (
	F32   DType = 1 // float32
	F16   DType = 2 // IEEE half
	Q8    DType = 3 // int8, one float32 scale per row (first dim)
	Q4    DType = 4 // 4-bit blocks of 32, float16 scale per block
	Q4F32 DType = 5 // 4-bit blocks of 32, float32 scale per block
	I16   DType = 6 // int16
	U8    DType = 7 // uint8
	I32   DType = 8 // int32
	Q3    DType = 9 // 3-bit blocks of 32, float16 scale per block (format version 2)
)

// String returns the dtype's lower-case name.
func (d DType) String() string {
	if k, ok := d.Quant(); ok {
		return k.String()
	}
	switch d {
	case I16:
		return "i16"
	case U8:
		return "u8"
	case I32:
		return "i32"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Valid reports whether d is a defined dtype.
func (d DType) Valid() bool { return d >= F32 && d <= Q3 }

// minVersion is the first format version that defines d.
func (d DType) minVersion() uint32 {
	if d == Q3 {
		return 2
	}
	return 1
}

// IsFloat reports whether d holds (possibly quantized) float32 values, read
// with Bundle.Float32.
func (d DType) IsFloat() bool { _, ok := d.Quant(); return ok }

// Quant returns the quant encoding of a float dtype.
func (d DType) Quant() (quant.Kind, bool) {
	switch d {
	case F32:
		return quant.F32, true
	case F16:
		return quant.F16, true
	case Q8:
		return quant.Q8, true
	case Q4:
		return quant.Q4, true
	case Q4F32:
		return quant.Q4F32, true
	case Q3:
		return quant.Q3, true
	}
	return 0, false
}

// dtypeOf maps a quant encoding to its dtype.
func dtypeOf(k quant.Kind) (DType, error) {
	switch k {
	case quant.F32:
		return F32, nil
	case quant.F16:
		return F16, nil
	case quant.Q8:
		return Q8, nil
	case quant.Q4:
		return Q4, nil
	case quant.Q4F32:
		return Q4F32, nil
	case quant.Q3:
		return Q3, nil
	}
	return 0, fmt.Errorf("invalid encoding %v", k)
}

// intSize is the element size of the integer dtypes.
func (d DType) intSize() int {
	switch d {
	case I16:
		return 2
	case U8:
		return 1
	case I32:
		return 4
	}
	return 0
}

// payloadSize is the exact byte size of a tensor of dtype d and the given
// shape, whose element count the caller has already bounded.
func payloadSize(d DType, shape []int) (int64, error) {
	if k, ok := d.Quant(); ok {
		return quant.EncodedSize(k, shape)
	}
	if s := d.intSize(); s > 0 {
		n, err := quant.NumElements(shape)
		return int64(s) * int64(n), err
	}
	return 0, fmt.Errorf("invalid dtype %d", uint8(d))
}

// metaType is a metadata value's type code in the file.
type metaType uint8

const (
	metaString   metaType = 1 // uint32 length + UTF-8 bytes
	metaInt64    metaType = 2 // 8 bytes, two's complement
	metaFloat64  metaType = 3 // 8 bytes, IEEE binary64
	metaBool     metaType = 4 // 1 byte, 0 or 1
	metaStrings  metaType = 5 // uint32 count, then count × (uint32 length + UTF-8 bytes)
	metaInt64s   metaType = 6 // uint32 count, then count × 8 bytes
	metaFloat64s metaType = 7 // uint32 count, then count × 8 bytes
	metaJSON     metaType = 8 // uint32 length + bytes of one valid JSON value (UTF-8)
)

// alignUp rounds n up to a multiple of Alignment.
func alignUp(n int64) int64 { return (n + Alignment - 1) &^ (Alignment - 1) }
