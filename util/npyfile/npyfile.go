// Package npyfile reads and writes the header of NumPy .npy files, for the
// project's caches and checkpoints (the data that follows is plain
// little-endian C-order values, which callers decode in bulk: far faster than
// a reflective decoder on 100 MB checkpoints). The format
// (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
//
//	"\x93NUMPY" major minor
//	header length: uint16 LE (version 1) or uint32 LE (versions 2 and 3)
//	header: a Python dict literal {'descr': '|u1', 'fortran_order': False, 'shape': (N, 3, S, S), }
//	        padded with spaces and ending in '\n' so that the data starts on a 64-byte boundary
//	data:   the array in C order
//
// The reader is written for untrusted files: it bounds the header length,
// parses the dict itself and never sizes an allocation from the file.
package npyfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Magic starts every .npy file.
var Magic = []byte("\x93NUMPY")

// MaxHeader bounds the header length accepted by ReadHeader.
const MaxHeader = 1 << 16

// Header is the parsed header dict.
type Header struct {
	Descr   string // e.g. "<f4", "|u1"
	Fortran bool
	Shape   []int
}

// WriteHeader writes a version 1.0 header.
func WriteHeader(w io.Writer, descr string, shape []int) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr)
	for i, s := range shape {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(strconv.Itoa(s))
	}
	if len(shape) == 1 {
		sb.WriteString(",")
	}
	sb.WriteString("), }")
	dict := sb.String()
	total := len(Magic) + 2 + 2 + len(dict) + 1
	pad := (64 - total%64) % 64
	hdr := dict + strings.Repeat(" ", pad) + "\n"
	if len(hdr) > 0xffff {
		return errors.New("npy header too long")
	}
	var pre [10]byte
	copy(pre[:], Magic)
	pre[6], pre[7] = 1, 0
	binary.LittleEndian.PutUint16(pre[8:], uint16(len(hdr)))
	if _, err := w.Write(pre[:]); err != nil {
		return err
	}
	_, err := io.WriteString(w, hdr)
	return err
}

// ReadHeader reads and parses the header; it returns the header and the
// number of bytes consumed (the data offset).
func ReadHeader(r io.Reader) (Header, int, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return Header{}, 0, fmt.Errorf("npy: short preamble: %w", err)
	}
	if !bytes.Equal(pre[:6], Magic) {
		return Header{}, 0, errors.New("npy: bad magic")
	}
	var hlen, off int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return Header{}, 0, fmt.Errorf("npy: short header length: %w", err)
		}
		hlen, off = int(binary.LittleEndian.Uint16(b[:])), 10
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return Header{}, 0, fmt.Errorf("npy: short header length: %w", err)
		}
		v := binary.LittleEndian.Uint32(b[:])
		if v > MaxHeader {
			return Header{}, 0, fmt.Errorf("npy: header of %d bytes is too long", v)
		}
		hlen, off = int(v), 12
	default:
		return Header{}, 0, fmt.Errorf("npy: unsupported version %d.%d", pre[6], pre[7])
	}
	buf := make([]byte, hlen)
	if _, err := io.ReadFull(r, buf); err != nil {
		return Header{}, 0, fmt.Errorf("npy: short header: %w", err)
	}
	h, err := parseNPYDict(string(buf))
	if err != nil {
		return Header{}, 0, err
	}
	return h, off + hlen, nil
}

// parseNPYDict parses the header dict: string keys with string, boolean or
// integer-tuple values. Unknown keys are an error, as numpy does.
func parseNPYDict(s string) (Header, error) {
	p := &pyLit{s: s}
	var h Header
	seen := map[string]bool{}
	if !p.eat('{') {
		return h, errors.New("npy: header is not a dict")
	}
	for {
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return h, err
		}
		if seen[key] {
			return h, fmt.Errorf("npy: key %q twice", clipKey(key))
		}
		seen[key] = true
		if !p.eat(':') {
			return h, errors.New("npy: missing ':' in header")
		}
		switch key {
		case "descr":
			if h.Descr, err = p.str(); err != nil {
				return h, err
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				h.Fortran = true
			case p.word("False"):
				h.Fortran = false
			default:
				return h, errors.New("npy: fortran_order is not True or False")
			}
		case "shape":
			if h.Shape, err = p.tuple(); err != nil {
				return h, err
			}
		default:
			return h, fmt.Errorf("npy: unknown header key %q", clipKey(key))
		}
		if p.eat(',') {
			continue
		}
		if p.eat('}') {
			break
		}
		return h, errors.New("npy: malformed header dict")
	}
	if rest := strings.TrimSpace(p.s[p.i:]); rest != "" {
		return h, errors.New("npy: trailing bytes after header dict")
	}
	if !seen["descr"] || !seen["fortran_order"] || !seen["shape"] {
		return h, errors.New("npy: header lacks descr, fortran_order or shape")
	}
	return h, nil
}

// pyLit is a cursor over a Python literal.
type pyLit struct {
	s string
	i int
}

func (p *pyLit) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *pyLit) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *pyLit) word(w string) bool {
	p.skip()
	if strings.HasPrefix(p.s[p.i:], w) {
		p.i += len(w)
		return true
	}
	return false
}

func (p *pyLit) str() (string, error) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", errors.New("npy: expected a quoted string in header")
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", errors.New("npy: unterminated string in header")
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

func (p *pyLit) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, errors.New("npy: shape is not a tuple")
	}
	var shape []int
	for {
		if p.eat(')') {
			return shape, nil
		}
		p.skip()
		j := p.i
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		if j == p.i || j-p.i > 12 {
			return nil, errors.New("npy: bad shape entry")
		}
		v, _ := strconv.Atoi(p.s[p.i:j])
		p.i = j
		if len(shape) >= 32 {
			return nil, errors.New("npy: too many dimensions")
		}
		shape = append(shape, v)
		if p.eat(',') {
			continue
		}
		if p.eat(')') {
			return shape, nil
		}
		return nil, errors.New("npy: malformed shape tuple")
	}
}

func clipKey(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
