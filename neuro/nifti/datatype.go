package nifti

import (
	"fmt"
	"math"
)

// Datatype is the NIfTI-1 datatype code of the stored voxels.
type Datatype int16

// The datatypes this package reads and writes.
const (
	Uint8   Datatype = 2
	Int16   Datatype = 4
	Int32   Datatype = 8
	Float32 Datatype = 16
	Float64 Datatype = 64
	Int8    Datatype = 256
	Uint16  Datatype = 512
	Uint32  Datatype = 768
)

// Size is the number of bytes of one voxel, or 0 for a datatype this package
// does not handle (complex, RGB, 64-bit integers, ...).
func (d Datatype) Size() int {
	switch d {
	case Uint8, Int8:
		return 1
	case Int16, Uint16:
		return 2
	case Int32, Uint32, Float32:
		return 4
	case Float64:
		return 8
	}
	return 0
}

// IsInteger reports whether d stores integers (values are rounded on write).
func (d Datatype) IsInteger() bool {
	return d != Float32 && d != Float64 && d.Size() > 0
}

// Range is the smallest and largest value d can store.
func (d Datatype) Range() (lo, hi float64) {
	switch d {
	case Uint8:
		return 0, math.MaxUint8
	case Int8:
		return math.MinInt8, math.MaxInt8
	case Int16:
		return math.MinInt16, math.MaxInt16
	case Uint16:
		return 0, math.MaxUint16
	case Int32:
		return math.MinInt32, math.MaxInt32
	case Uint32:
		return 0, math.MaxUint32
	case Float32:
		return -math.MaxFloat32, math.MaxFloat32
	case Float64:
		return -math.MaxFloat64, math.MaxFloat64
	}
	return 0, 0
}

func (d Datatype) String() string {
	switch d {
	case Uint8:
		return "uint8"
	case Int8:
		return "int8"
	case Int16:
		return "int16"
	case Uint16:
		return "uint16"
	case Int32:
		return "int32"
	case Uint32:
		return "uint32"
	case Float32:
		return "float32"
	case Float64:
		return "float64"
	}
	return fmt.Sprintf("datatype(%d)", int16(d))
}

// ScaleFor returns scl_slope and scl_inter that map the values [lo, hi] onto
// most of an integer datatype's range, leaving a margin at each end (one step,
// or a millionth of the range for 32-bit types) so that float32 rounding of
// slope and intercept cannot push an extreme out of range. For a float datatype,
// or an empty or invalid range, it returns slope 1, inter 0 (inter lo for an
// integer type when lo == hi: the constant goes in the intercept).
func ScaleFor(d Datatype, lo, hi float64) (slope, inter float32) {
	if !d.IsInteger() || math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) || hi < lo {
		return 1, 0
	}
	if hi == lo {
		return 1, float32(lo)
	}
	tlo, thi := d.Range()
	margin := math.Max(1, math.Ceil((thi-tlo)*1e-6)) // float32 keeps ~7 digits
	tlo, thi = tlo+margin, thi-margin
	s := (hi - lo) / (thi - tlo)
	slope = float32(s)
	if slope == 0 { // range below float32 resolution
		slope = math.SmallestNonzeroFloat32
	}
	inter = float32(lo - tlo*float64(slope))
	return slope, inter
}
