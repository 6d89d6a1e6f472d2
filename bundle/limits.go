package bundle

import "errors"

// Limits bounds what Parse accepts, so that a hostile or damaged file cannot
// make the reader allocate or loop without bound. A zero field takes its
// default (see DefaultLimits). Writer refuses to produce a file that the
// default limits would reject.
type Limits struct {
	MaxFileSize  int64 // bytes in the whole file; default 1 GiB
	MaxTensors   int   // tensors in the table; default 65536
	MaxMeta      int   // metadata entries; default 4096
	MaxNameLen   int   // bytes in a metadata key or tensor name; default 256
	MaxStringLen int   // bytes in one metadata string or JSON value; default 1 MiB
	MaxArrayLen  int   // elements in one metadata array; default 1 Mi
	MaxElements  int64 // elements in one tensor; default 256 Mi (1 GiB of float32)
}

// DefaultLimits returns the limits a zero Limits stands for.
func DefaultLimits() Limits {
	return Limits{
		MaxFileSize:  1 << 30,
		MaxTensors:   1 << 16,
		MaxMeta:      1 << 12,
		MaxNameLen:   256,
		MaxStringLen: 1 << 20,
		MaxArrayLen:  1 << 20,
		MaxElements:  1 << 28,
	}
}

// withDefaults fills the zero fields of l, and clamps the name length to what
// the format can store.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = d.MaxFileSize
	}
	if l.MaxTensors <= 0 {
		l.MaxTensors = d.MaxTensors
	}
	if l.MaxMeta <= 0 {
		l.MaxMeta = d.MaxMeta
	}
	if l.MaxNameLen <= 0 {
		l.MaxNameLen = d.MaxNameLen
	}
	l.MaxNameLen = min(l.MaxNameLen, MaxNameLen)
	if l.MaxStringLen <= 0 {
		l.MaxStringLen = d.MaxStringLen
	}
	if l.MaxArrayLen <= 0 {
		l.MaxArrayLen = d.MaxArrayLen
	}
	if l.MaxElements <= 0 {
		l.MaxElements = d.MaxElements
	}
	return l
}

// Error classes. Every error from Parse wraps exactly one of them, so a
// caller can tell a damaged download (ErrTruncated, ErrChecksum: fetch again)
// from a file this reader cannot use.
var (
	ErrNotBundle = errors.New("not a bundle")
	ErrVersion   = errors.New("unsupported bundle")
	ErrTruncated = errors.New("truncated")
	ErrChecksum  = errors.New("checksum mismatch")
	ErrFormat    = errors.New("malformed bundle")
	ErrLimit     = errors.New("over a reader limit")
)
