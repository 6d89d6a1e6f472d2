package pca

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"fmriface/util/ckpt"
)

// Format and Version identify a PCA model file in its __meta__ record.
const (
	Format  = "fmriface-pca"
	Version = 1
)

// Limits on files that Load accepts, checked before anything is allocated.
const (
	MaxFileBytes   = 4 << 30 // whole .npz
	maxHeaderBytes = 1 << 16 // one .npy header
	maxDeflate     = 1100    // zip's deflate cannot expand more than ~1032×
)

type meta struct {
	Format        string  `json:"format"`
	Version       int     `json:"version"`
	D             int     `json:"d"`
	TotalVariance float64 `json:"total_variance"`
	Config
}

// Save writes the model to path (.npz, atomically).
func (m *Model) Save(path string) error {
	if err := m.check(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	ex := make([]float32, m.K)
	for i, v := range m.Explained {
		ex[i] = float32(v)
	}
	md := meta{Format: Format, Version: Version, D: m.D, TotalVariance: m.TotalVar, Config: m.Config}
	md.Config.K = m.K
	return ckpt.Save(path, md, []ckpt.Tensor{
		{Name: "mean", Shape: []int{m.D}, Data: m.Mean},
		{Name: "components", Shape: []int{m.K, m.D}, Data: m.Components},
		{Name: "explained_variance", Shape: []int{m.K}, Data: ex},
	}, ckpt.Float32)
}

// check reports whether the fields agree with each other.
func (m *Model) check() error {
	switch {
	case m.K < 1 || m.D < 1 || m.K > m.D:
		return fmt.Errorf("pca: model has K=%d components of D=%d values (want 1 ≤ K ≤ D)", m.K, m.D)
	case len(m.Mean) != m.D:
		return fmt.Errorf("pca: mean has %d values, want D=%d", len(m.Mean), m.D)
	case len(m.Components) != m.K*m.D:
		return fmt.Errorf("pca: components hold %d values, want K×D=%d×%d", len(m.Components), m.K, m.D)
	case len(m.Explained) != m.K:
		return fmt.Errorf("pca: %d explained variances, want K=%d", len(m.Explained), m.K)
	}
	return nil
}

// Load reads a model written by Save. The file is checked (sizes, shapes,
// format, finite values) before its arrays are allocated.
func Load(path string) (*Model, error) {
	if err := checkNPZ(path); err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	f, err := ckpt.Load(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	var md meta
	if err := f.DecodeMeta(&md); err != nil {
		return nil, fmt.Errorf("load %s: meta: %w", path, err)
	}
	if md.Format != Format {
		return nil, fmt.Errorf("load %s: format %q, want %q (not a PCA model)", path, md.Format, Format)
	}
	if md.Version != Version {
		return nil, fmt.Errorf("load %s: format version %d, this code reads %d", path, md.Version, Version)
	}
	get := func(name string, shape ...int) ([]float32, error) {
		t, ok := f.Tensors[name]
		if !ok {
			return nil, fmt.Errorf("load %s: no %q array", path, name)
		}
		if fmt.Sprint(t.Shape) != fmt.Sprint(shape) {
			return nil, fmt.Errorf("load %s: %q has shape %v, want %v (K=%d, D=%d from the meta)", path, name, t.Shape, shape, md.K, md.D)
		}
		for i, v := range t.Data {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("load %s: %q holds %v at %d", path, name, v, i)
			}
		}
		return t.Data, nil
	}
	if md.K < 1 || md.D < 1 || md.K > md.D {
		return nil, fmt.Errorf("load %s: meta says K=%d, D=%d (want 1 ≤ K ≤ D)", path, md.K, md.D)
	}
	m := &Model{K: md.K, D: md.D, TotalVar: md.TotalVariance, Config: md.Config}
	if m.Mean, err = get("mean", md.D); err != nil {
		return nil, err
	}
	if m.Components, err = get("components", md.K, md.D); err != nil {
		return nil, err
	}
	ex, err := get("explained_variance", md.K)
	if err != nil {
		return nil, err
	}
	m.Explained = make([]float64, md.K)
	for i, v := range ex {
		m.Explained[i] = float64(v)
	}
	return m, nil
}

// checkNPZ bounds what reading path will allocate: the npy reader allocates
// from the shape in each header, so every shape must fit in the bytes its
// zip entry can hold, and every header must be small.
func checkNPZ(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if st.Size() > MaxFileBytes {
		return fmt.Errorf("file of %d bytes, more than the %d a PCA model may have", st.Size(), int64(MaxFileBytes))
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("not an .npz (zip) file: %w", err)
	}
	defer zr.Close()
	for _, e := range zr.File {
		size := e.UncompressedSize64
		if size > MaxFileBytes || (e.Method != zip.Store && size > maxDeflate*(e.CompressedSize64+1)) {
			return fmt.Errorf("entry %s claims %d bytes", e.Name, size)
		}
		if err := checkNPY(e, size); err != nil {
			return fmt.Errorf("entry %s: %w", e.Name, err)
		}
	}
	return nil
}

func checkNPY(e *zip.File, size uint64) error {
	rc, err := e.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	var pre [12]byte
	if _, err := io.ReadFull(rc, pre[:10]); err != nil {
		return fmt.Errorf("npy preamble: %w", err)
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return fmt.Errorf("not an .npy array (bad magic)")
	}
	hl := uint64(binary.LittleEndian.Uint16(pre[8:10]))
	pl := uint64(10)
	switch pre[6] {
	case 1:
	case 2, 3:
		if _, err := io.ReadFull(rc, pre[10:12]); err != nil {
			return fmt.Errorf("npy preamble: %w", err)
		}
		hl = uint64(binary.LittleEndian.Uint32(pre[8:12]))
		pl = 12
	default:
		return fmt.Errorf("npy version %d", pre[6])
	}
	if hl > maxHeaderBytes || hl+pl > size {
		return fmt.Errorf("npy header of %d bytes in an entry of %d", hl, size)
	}
	hdr := make([]byte, hl)
	if _, err := io.ReadFull(rc, hdr); err != nil {
		return fmt.Errorf("npy header: %w", err)
	}
	descr, shape, err := parseHeader(hdr)
	if err != nil {
		return err
	}
	n := uint64(1)
	for _, d := range shape {
		if d > 0 && n > math.MaxInt32/uint64(d) {
			return fmt.Errorf("shape %v too large", shape)
		}
		n *= uint64(d)
	}
	esize := uint64(1) // other dtypes are refused later, before allocating
	switch descr {
	case "<f4", "float32":
		esize = 4
	case "<f2", "float16":
		esize = 2
	}
	if n*esize > size-hl-pl {
		return fmt.Errorf("shape %v of %s needs %d bytes, the entry holds %d", shape, descr, n*esize, size-hl-pl)
	}
	return nil
}

// parseHeader reads an .npy header dictionary the way npyio does (same key
// search, same slicing) but returns an error wherever npyio would index out
// of range or accept a negative dimension.
func parseHeader(hdr []byte) (descr string, shape []uint64, err error) {
	bad := func(what string) (string, []uint64, error) {
		return "", nil, fmt.Errorf("npy header: %s in %q", what, hdr)
	}
	nl := bytes.LastIndexByte(hdr, '\n')
	if nl < 0 {
		return bad("no newline")
	}
	h := hdr[:nl]
	const dk, ok, sk, trailer = "'descr': ", "'fortran_order': ", "'shape': ", 2
	bd := bytes.Index(h, []byte(dk))
	bo := bytes.Index(h, []byte(ok))
	bs := bytes.Index(h, []byte(sk))
	end := bytes.Index(h, []byte("}"))
	if bd < 0 || bo < 0 || bs < 0 || end < 0 ||
		bd+len(dk) > bo-trailer || bo+len(ok) > bs-trailer || bs+len(sk) > end-trailer {
		return bad("malformed dictionary")
	}
	descr = strings.Trim(string(h[bd+len(dk):bo-trailer]), "'\"")
	sh := string(h[bs+len(sk) : end-trailer])
	if sh == "()" {
		return descr, nil, nil
	}
	if len(sh) < 2 || sh[0] != '(' || sh[len(sh)-1] != ')' {
		return bad("malformed shape")
	}
	for tok := range strings.SplitSeq(sh[1:len(sh)-1], ",") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		v, err := strconv.Atoi(tok)
		if err != nil || v < 0 {
			return bad("bad dimension " + strconv.Quote(tok))
		}
		shape = append(shape, uint64(v))
	}
	return descr, shape, nil
}
