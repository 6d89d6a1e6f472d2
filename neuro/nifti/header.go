package nifti

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

const (
	headerSize   = 348
	minVoxOffset = 352 // header + 4-byte extension flag

	// MaxVoxels bounds the voxels a header may declare (2^40): far beyond any
	// scan, small enough that byte counts never overflow an int64.
	MaxVoxels = 1 << 40
	// maxVoxOffset bounds vox_offset (the header extensions) when the file size
	// is unknown, as for a gzip stream.
	maxVoxOffset = 64 << 20
	// maxDeflateRatio is the largest expansion deflate can achieve (~1032:1);
	// a gzip file of n bytes cannot hold more than about n×1032 bytes.
	maxDeflateRatio = 1032
)

// Units codes of the xyzt_units field.
const (
	UnitsMeter  = 1
	UnitsMM     = 2
	UnitsMicron = 3
	UnitsSec    = 8
	UnitsMsec   = 16
	UnitsUsec   = 24
)

// Transform codes of qform_code and sform_code.
const (
	XformUnknown   = 0
	XformScanner   = 1 // scanner-based anatomical coordinates
	XformAligned   = 2 // aligned to another file's coordinates
	XformTalairach = 3
	XformMNI152    = 4
)

// Extension is one NIfTI-1 header extension.
type Extension struct {
	Code int32  // ecode: 2 DICOM, 4 AFNI, 6 comment, 40 CIfTI, ...
	Data []byte // content; padded with zeros to a multiple of 16 (with the 8-byte size and code) on write
}

// Header is a NIfTI-1 header. Fields keep the on-disk types so that a header
// read and written back is bit-identical; the legacy ANALYZE fields (data_type,
// db_name, extents, session_error, glmax, glmin) are dropped.
type Header struct {
	// Dim holds the size of each axis: x, y, z, t, ... (1 to 7 axes); it is
	// dim[1..dim[0]] of the file.
	Dim      []int
	Datatype Datatype
	// PixDim[0] is qfac (±1), PixDim[1..3] the voxel size, PixDim[4] the TR
	// (in the units of XYZTUnits).
	PixDim [8]float32

	SclSlope, SclInter float32 // value = stored × SclSlope + SclInter; slope 0 or non-finite: no scaling

	DimInfo       uint8
	IntentCode    int16
	IntentP1      float32
	IntentP2      float32
	IntentP3      float32
	IntentName    string // at most 16 bytes
	SliceStart    int16
	SliceEnd      int16
	SliceCode     uint8
	SliceDuration float32
	XYZTUnits     uint8
	CalMax        float32
	CalMin        float32
	TOffset       float32
	Descrip       string // at most 80 bytes
	AuxFile       string // at most 24 bytes

	QformCode, SformCode         int16
	QuaternB, QuaternC, QuaternD float32
	QOffsetX, QOffsetY, QOffsetZ float32
	SRow                         [3][4]float32 // srow_x, srow_y, srow_z

	Extensions []Extension

	// VoxOffset is where the data start. On read it is the file's value; on
	// write 0 means "right after the extensions", and a larger value pads the
	// gap with zeros.
	VoxOffset int64
	// ByteOrder is the file's byte order on read; on write nil means little-endian.
	ByteOrder binary.ByteOrder
}

// NewHeader returns a header for an image of the given datatype and axis sizes
// (x, y, z[, t]) with 1 mm isotropic voxels, a TR of 1 s, no scaling, units mm
// and s, and no transform (the affine is then the pixdim diagonal).
func NewHeader(d Datatype, dim ...int) *Header {
	h := &Header{Dim: append([]int(nil), dim...), Datatype: d, SclSlope: 1, XYZTUnits: UnitsMM | UnitsSec}
	for i := range h.PixDim {
		h.PixDim[i] = 1
	}
	return h
}

// Clone returns a deep copy of h.
func (h *Header) Clone() *Header {
	c := *h
	c.Dim = append([]int(nil), h.Dim...)
	c.Extensions = make([]Extension, len(h.Extensions))
	for i, e := range h.Extensions {
		c.Extensions[i] = Extension{Code: e.Code, Data: append([]byte(nil), e.Data...)}
	}
	if h.Extensions == nil {
		c.Extensions = nil
	}
	return &c
}

// dim returns the size of axis i (0-based), 1 beyond the last axis.
func (h *Header) dim(i int) int {
	if i < len(h.Dim) {
		return h.Dim[i]
	}
	return 1
}

// VolumeLen is the number of voxels in one 3-D volume (x × y × z).
func (h *Header) VolumeLen() int { return h.dim(0) * h.dim(1) * h.dim(2) }

// NumVolumes is the number of 3-D volumes: the product of the sizes of axes 4
// and beyond (1 for a 3-D image).
func (h *Header) NumVolumes() int {
	n := 1
	for i := 3; i < len(h.Dim); i++ {
		n *= h.Dim[i]
	}
	return n
}

// NumVoxels is the total number of voxels.
func (h *Header) NumVoxels() int64 { return int64(h.VolumeLen()) * int64(h.NumVolumes()) }

// DataBytes is the size of the voxel data in bytes.
func (h *Header) DataBytes() int64 { return h.NumVoxels() * int64(h.Datatype.Size()) }

// Scaling returns the slope and intercept that reading applies, and whether
// they differ from the identity. A slope of 0 or a non-finite one means no
// scaling (NIfTI-1 rule); a non-finite intercept counts as 0.
func (h *Header) Scaling() (slope, inter float64, scaled bool) {
	s, b := float64(h.SclSlope), float64(h.SclInter)
	if s == 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return 1, 0, false
	}
	if math.IsNaN(b) || math.IsInf(b, 0) {
		b = 0
	}
	return s, b, s != 1 || b != 0
}

// VoxelSize is |pixdim[1..3]|, in the spatial units of XYZTUnits (mm normally).
func (h *Header) VoxelSize() [3]float64 {
	return [3]float64{math.Abs(float64(h.PixDim[1])), math.Abs(float64(h.PixDim[2])), math.Abs(float64(h.PixDim[3]))}
}

// TR is the time between volumes in seconds (pixdim[4] converted from the
// temporal units; taken as seconds when the units are unset).
func (h *Header) TR() float64 {
	t := float64(h.PixDim[4])
	switch h.XYZTUnits & 0x38 {
	case UnitsMsec:
		t /= 1e3
	case UnitsUsec:
		t /= 1e6
	}
	return t
}

// SetTR sets pixdim[4] to sec seconds and the temporal units to seconds.
func (h *Header) SetTR(sec float64) {
	h.PixDim[4] = float32(sec)
	h.XYZTUnits = h.XYZTUnits&^0x38 | UnitsSec
}

// DimString formats the axis sizes as "80×80×41×195".
func (h *Header) DimString() string {
	s := make([]string, len(h.Dim))
	for i, d := range h.Dim {
		s[i] = strconv.Itoa(d)
	}
	return strings.Join(s, "×")
}

// Validate checks that h describes an image this package can write and read:
// 1 to 7 axes of size 1..32767, a known datatype, at most MaxVoxels voxels,
// strings that fit their fields.
func (h *Header) Validate() error {
	if len(h.Dim) < 1 || len(h.Dim) > 7 {
		return fmt.Errorf("%d axes, want 1 to 7", len(h.Dim))
	}
	n := int64(1)
	for i, d := range h.Dim {
		if d < 1 || d > math.MaxInt16 {
			return fmt.Errorf("axis %d has size %d, want 1 to %d", i+1, d, math.MaxInt16)
		}
		n *= int64(d)
		if n > MaxVoxels {
			return fmt.Errorf("dims %s give more than %d voxels", h.DimString(), int64(MaxVoxels))
		}
	}
	if h.Datatype.Size() == 0 {
		return fmt.Errorf("unsupported datatype %d", int16(h.Datatype))
	}
	for _, f := range []struct {
		name, s string
		max     int
	}{{"descrip", h.Descrip, 80}, {"aux_file", h.AuxFile, 24}, {"intent_name", h.IntentName, 16}} {
		if len(f.s) > f.max {
			return fmt.Errorf("%s is %d bytes, at most %d fit", f.name, len(f.s), f.max)
		}
	}
	return nil
}

var errNotNifti = errors.New("not a NIfTI-1 file")

// byteOrder detects the byte order from sizeof_hdr (the first 4 bytes).
func byteOrder(b []byte) (binary.ByteOrder, error) {
	le, be := binary.LittleEndian.Uint32(b), binary.BigEndian.Uint32(b)
	switch {
	case le == headerSize:
		return binary.LittleEndian, nil
	case be == headerSize:
		return binary.BigEndian, nil
	case le == 540 || be == 540:
		return nil, errors.New("NIfTI-2 files (sizeof_hdr 540) are not supported")
	}
	return nil, fmt.Errorf("%w: sizeof_hdr is %d, want 348", errNotNifti, int32(le))
}

// parseHeader decodes and validates the 348-byte header. It does not read
// extensions; it sets VoxOffset and ByteOrder.
func parseHeader(b []byte) (*Header, error) {
	if len(b) < headerSize {
		return nil, fmt.Errorf("%w: %d bytes, a header needs 348", errNotNifti, len(b))
	}
	bo, err := byteOrder(b)
	if err != nil {
		return nil, err
	}
	i16 := func(off int) int16 { return int16(bo.Uint16(b[off:])) }
	f32 := func(off int) float32 { return math.Float32frombits(bo.Uint32(b[off:])) }
	str := func(off, n int) string {
		s := b[off : off+n]
		if i := bytes.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return string(s)
	}

	switch magic := b[344:348]; string(magic) {
	case "n+1\x00":
	case "ni1\x00":
		return nil, errors.New("header/image pairs (.hdr + .img) are not supported, only single .nii files")
	default:
		return nil, fmt.Errorf("%w: magic is %q, want \"n+1\\x00\"", errNotNifti, magic)
	}

	h := &Header{ByteOrder: bo}
	ndim := int(i16(40))
	if ndim < 1 || ndim > 7 {
		return nil, fmt.Errorf("dim[0] is %d, want 1 to 7", ndim)
	}
	h.Dim = make([]int, ndim)
	for i := range h.Dim {
		h.Dim[i] = int(i16(42 + 2*i))
	}
	h.Datatype = Datatype(i16(70))
	if err := h.Validate(); err != nil {
		return nil, err
	}
	if bitpix := int(i16(72)); bitpix != 8*h.Datatype.Size() {
		return nil, fmt.Errorf("bitpix is %d but datatype %v has %d bits", bitpix, h.Datatype, 8*h.Datatype.Size())
	}
	for i := range h.PixDim {
		h.PixDim[i] = f32(76 + 4*i)
	}
	vo := f32(108)
	if !(vo >= minVoxOffset && vo <= math.MaxInt32) || vo != float32(math.Trunc(float64(vo))) {
		return nil, fmt.Errorf("vox_offset is %g, want a whole number ≥ %d", vo, minVoxOffset)
	}
	h.VoxOffset = int64(vo)

	h.DimInfo = b[39]
	h.IntentP1, h.IntentP2, h.IntentP3 = f32(56), f32(60), f32(64)
	h.IntentCode = i16(68)
	h.SliceStart = i16(74)
	h.SclSlope, h.SclInter = f32(112), f32(116)
	h.SliceEnd = i16(120)
	h.SliceCode = b[122]
	h.XYZTUnits = b[123]
	h.CalMax, h.CalMin = f32(124), f32(128)
	h.SliceDuration, h.TOffset = f32(132), f32(136)
	h.Descrip = str(148, 80)
	h.AuxFile = str(228, 24)
	h.QformCode, h.SformCode = i16(252), i16(254)
	h.QuaternB, h.QuaternC, h.QuaternD = f32(256), f32(260), f32(264)
	h.QOffsetX, h.QOffsetY, h.QOffsetZ = f32(268), f32(272), f32(276)
	for r := 0; r < 3; r++ {
		for c := 0; c < 4; c++ {
			h.SRow[r][c] = f32(280 + 16*r + 4*c)
		}
	}
	h.IntentName = str(328, 16)
	return h, nil
}

// extBytes is the on-disk size of the extensions (each padded to 16 bytes).
func (h *Header) extBytes() int64 {
	var n int64
	for _, e := range h.Extensions {
		n += padded(len(e.Data))
	}
	return n
}

func padded(n int) int64 { return (int64(n) + 8 + 15) / 16 * 16 }

// encode returns everything before the data: header, extension flag,
// extensions and padding up to the data offset.
func (h *Header) encode() ([]byte, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	off := int64(minVoxOffset) + h.extBytes()
	if h.VoxOffset != 0 {
		if h.VoxOffset < off {
			return nil, fmt.Errorf("vox_offset %d is too small for %d bytes of header and extensions", h.VoxOffset, off)
		}
		off = h.VoxOffset
	}
	if off > maxVoxOffset || float64(float32(off)) != float64(off) {
		return nil, fmt.Errorf("vox_offset %d cannot be stored (at most %d, exact in float32)", off, maxVoxOffset)
	}
	bo := h.ByteOrder
	if bo == nil {
		bo = binary.LittleEndian
	}
	b := make([]byte, off)
	i16 := func(o int, v int16) { bo.PutUint16(b[o:], uint16(v)) }
	f32 := func(o int, v float32) { bo.PutUint32(b[o:], math.Float32bits(v)) }
	bo.PutUint32(b[0:], headerSize)
	b[38] = 'r' // "regular", as other writers set it
	b[39] = h.DimInfo
	i16(40, int16(len(h.Dim)))
	for i := 1; i < 8; i++ {
		i16(40+2*i, int16(h.dim(i-1)))
	}
	f32(56, h.IntentP1)
	f32(60, h.IntentP2)
	f32(64, h.IntentP3)
	i16(68, h.IntentCode)
	i16(70, int16(h.Datatype))
	i16(72, int16(8*h.Datatype.Size()))
	i16(74, h.SliceStart)
	for i, p := range h.PixDim {
		f32(76+4*i, p)
	}
	f32(108, float32(off))
	f32(112, h.SclSlope)
	f32(116, h.SclInter)
	i16(120, h.SliceEnd)
	b[122] = h.SliceCode
	b[123] = h.XYZTUnits
	f32(124, h.CalMax)
	f32(128, h.CalMin)
	f32(132, h.SliceDuration)
	f32(136, h.TOffset)
	copy(b[148:228], h.Descrip)
	copy(b[228:252], h.AuxFile)
	i16(252, h.QformCode)
	i16(254, h.SformCode)
	f32(256, h.QuaternB)
	f32(260, h.QuaternC)
	f32(264, h.QuaternD)
	f32(268, h.QOffsetX)
	f32(272, h.QOffsetY)
	f32(276, h.QOffsetZ)
	for r := 0; r < 3; r++ {
		for c := 0; c < 4; c++ {
			f32(280+16*r+4*c, h.SRow[r][c])
		}
	}
	copy(b[328:344], h.IntentName)
	copy(b[344:348], "n+1\x00")
	if len(h.Extensions) > 0 {
		b[348] = 1
	}
	p := minVoxOffset
	for _, e := range h.Extensions {
		n := padded(len(e.Data))
		bo.PutUint32(b[p:], uint32(n))
		bo.PutUint32(b[p+4:], uint32(e.Code))
		copy(b[p+8:], e.Data)
		p += int(n)
	}
	return b, nil
}
