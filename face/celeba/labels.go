package celeba

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Names of the label files inside a dataset folder.
const (
	AttrFile     = "list_attr_celeba.txt"
	IdentityFile = "identity_CelebA.txt"
)

// Bounds for untrusted label files. The full official CelebA attribute file is
// about 26 MB; lines are about 130 bytes.
const (
	maxLabelFileSize = 128 << 20
	maxLineLen       = 64 << 10
	maxAttrs         = 1000
	maxID            = 999_999_999
)

// attrTable is the parsed attribute file: names and, per CelebA id, the values.
type attrTable struct {
	names []string
	attrs map[int][]int8
	line  map[int]int // id → line number, for messages
}

// readLabelFile reads a whole label file after checking its size.
func readLabelFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("celeba: label file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("celeba: label file %s is not a regular file", path)
	}
	if st.Size() > maxLabelFileSize {
		return nil, fmt.Errorf("celeba: label file %s is %d bytes, more than the %d allowed", path, st.Size(), maxLabelFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("celeba: read %s: %w", path, err)
	}
	return data, nil
}

// lineScanner yields non-empty lines with their 1-based numbers, tolerating CRLF.
type lineScanner struct {
	sc   *bufio.Scanner
	name string
	n    int
}

func newLineScanner(r io.Reader, name string) *lineScanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLineLen)
	return &lineScanner{sc: sc, name: name}
}

// next returns the next line (trailing CR removed); ok is false at the end.
// Blank lines are returned too: callers decide where they are allowed.
func (s *lineScanner) next() (line string, ok bool, err error) {
	if !s.sc.Scan() {
		if err := s.sc.Err(); err != nil {
			return "", false, fmt.Errorf("celeba: %s line %d: %w", s.name, s.n+1, err)
		}
		return "", false, nil
	}
	s.n++
	return strings.TrimSuffix(s.sc.Text(), "\r"), true, nil
}

// parseImageName turns "000123.jpg" into 123. Only decimal digits followed by
// ".jpg" are accepted, as in the official files.
func parseImageName(name string) (int, bool) {
	digits, ok := strings.CutSuffix(name, ".jpg")
	if !ok || len(digits) == 0 || len(digits) > 9 {
		return 0, false
	}
	id := 0
	for _, c := range []byte(digits) {
		if c < '0' || c > '9' {
			return 0, false
		}
		id = id*10 + int(c-'0')
	}
	if id < 1 || id > maxID {
		return 0, false
	}
	return id, true
}

// parseAttr parses list_attr_celeba.txt: a count line, a line of attribute
// names, then one line per image: file name and one +1/-1 per attribute.
// name is used in error messages.
func parseAttr(data []byte, name string) (*attrTable, error) {
	s := newLineScanner(bytes.NewReader(data), name)
	line, ok, err := s.next()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("celeba: %s is empty", name)
	}
	count, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || count < 0 {
		return nil, fmt.Errorf("celeba: %s line 1: want the number of images, got %q", name, clip(line))
	}
	// Each entry needs at least 2 bytes per attribute; this bounds the count
	// before anything is sized by it.
	if count > len(data)/4 {
		return nil, fmt.Errorf("celeba: %s line 1: count %d is impossible for a %d-byte file", name, count, len(data))
	}
	line, ok, err = s.next()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("celeba: %s: missing attribute-name line 2", name)
	}
	names := strings.Fields(line)
	if len(names) == 0 || len(names) > maxAttrs {
		return nil, fmt.Errorf("celeba: %s line 2: %d attribute names, want 1 to %d", name, len(names), maxAttrs)
	}
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if seen[n] {
			return nil, fmt.Errorf("celeba: %s line 2: attribute %q appears twice", name, clip(n))
		}
		seen[n] = true
	}
	hint := min(count, 1<<18) // the count is untrusted: do not let it size the maps
	t := &attrTable{names: names, attrs: make(map[int][]int8, hint), line: make(map[int]int, hint)}
	for {
		line, ok, err := s.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != len(names)+1 {
			return nil, fmt.Errorf("celeba: %s line %d: %d fields, want %d (file name and %d attributes)", name, s.n, len(f), len(names)+1, len(names))
		}
		id, ok := parseImageName(f[0])
		if !ok {
			return nil, fmt.Errorf("celeba: %s line %d: bad image name %q (want NNNNNN.jpg)", name, s.n, clip(f[0]))
		}
		if prev, dup := t.line[id]; dup {
			return nil, fmt.Errorf("celeba: %s line %d: image %s already listed on line %d", name, s.n, f[0], prev)
		}
		vals := make([]int8, len(names))
		for j, v := range f[1:] {
			switch v {
			case "1", "+1":
				vals[j] = 1
			case "-1":
				vals[j] = -1
			default:
				return nil, fmt.Errorf("celeba: %s line %d: attribute %s of %s is %q, want 1 or -1", name, s.n, names[j], f[0], clip(v))
			}
		}
		t.attrs[id] = vals
		t.line[id] = s.n
	}
	if len(t.attrs) != count {
		return nil, fmt.Errorf("celeba: %s: line 1 announces %d images but %d are listed", name, count, len(t.attrs))
	}
	return t, nil
}

// parseIdentity parses identity_CelebA.txt: "NNNNNN.jpg person" per line.
func parseIdentity(data []byte, name string) (map[int]int, error) {
	s := newLineScanner(bytes.NewReader(data), name)
	persons := make(map[int]int)
	lines := make(map[int]int)
	for {
		line, ok, err := s.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, fmt.Errorf("celeba: %s line %d: %d fields, want 2 (file name and person id)", name, s.n, len(f))
		}
		id, ok := parseImageName(f[0])
		if !ok {
			return nil, fmt.Errorf("celeba: %s line %d: bad image name %q (want NNNNNN.jpg)", name, s.n, clip(f[0]))
		}
		p, err := strconv.Atoi(f[1])
		if err != nil || p < 0 || p > maxID {
			return nil, fmt.Errorf("celeba: %s line %d: bad person id %q for %s", name, s.n, clip(f[1]), f[0])
		}
		if prev, dup := lines[id]; dup {
			return nil, fmt.Errorf("celeba: %s line %d: image %s already listed on line %d", name, s.n, f[0], prev)
		}
		persons[id] = p
		lines[id] = s.n
	}
	return persons, nil
}

// clip shortens untrusted text quoted in error messages.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
