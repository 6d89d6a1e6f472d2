package tsv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"fmriface/util/atomicfile"
)

// MaxBytes bounds the size of a table (fMRIPrep confounds are ~1 MB).
const MaxBytes = 256 << 20

// NA is the BIDS marker of a missing value.
const NA = "n/a"

// Table is a parsed TSV file.
type Table struct {
	Path   string     // the file name, used in errors
	Header []string   // column names
	Rows   [][]string // each row has len(Header) fields
	index  map[string]int
}

// ReadFile reads and parses a TSV file.
func ReadFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// Read parses a table from r; name is used in errors.
func Read(r io.Reader, name string) (*Table, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("read %s: larger than %d bytes", name, MaxBytes)
	}
	return Parse(data, name)
}

// Parse parses a table held in memory; name is used in errors.
func Parse(data []byte, name string) (*Table, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 byte-order mark, as spreadsheets write
	if len(data) == 0 {
		return nil, fmt.Errorf("read %s: empty file, a header row is required", name)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("read %s: not valid UTF-8", name)
	}
	if data[len(data)-1] == '\n' {
		data = data[:len(data)-1]
	}
	t := &Table{Path: name}
	lines := strings.Split(string(data), "\n")
	for i, line := range lines {
		line = strings.TrimSuffix(line, "\r")
		if strings.ContainsRune(line, '\r') {
			return nil, fmt.Errorf("read %s: line %d: stray carriage return", name, i+1)
		}
		if line == "" {
			return nil, fmt.Errorf("read %s: line %d is empty", name, i+1)
		}
		fields := strings.Split(line, "\t")
		if i == 0 {
			if err := t.setHeader(fields); err != nil {
				return nil, fmt.Errorf("read %s: line 1: %w", name, err)
			}
			continue
		}
		if len(fields) != len(t.Header) {
			return nil, fmt.Errorf("read %s: line %d has %d fields, the header has %d", name, i+1, len(fields), len(t.Header))
		}
		t.Rows = append(t.Rows, fields)
	}
	return t, nil
}

func (t *Table) setHeader(names []string) error {
	if len(names) == 0 {
		return errors.New("empty header: no columns")
	}
	t.index = make(map[string]int, len(names))
	for i, n := range names {
		if n == "" {
			return fmt.Errorf("column %d has an empty name", i+1)
		}
		if strings.HasPrefix(n, "\ufeff") {
			return fmt.Errorf("column %d name starts with a byte-order mark", i+1)
		}
		if j, dup := t.index[n]; dup {
			return fmt.Errorf("columns %d and %d are both named %q", j+1, i+1, n)
		}
		t.index[n] = i
	}
	t.Header = names
	return nil
}

// Len is the number of rows (the header excluded).
func (t *Table) Len() int { return len(t.Rows) }

// Has reports whether the table has a column of that name.
func (t *Table) Has(name string) bool {
	_, ok := t.index[name]
	return ok
}

// Require fails, naming the file, the missing columns and the columns it has,
// unless the table has every named column.
func (t *Table) Require(names ...string) error {
	var missing []string
	for _, n := range names {
		if !t.Has(n) {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("read %s: missing required column(s) %s (the header has %s)",
			t.Path, strings.Join(missing, ", "), strings.Join(t.Header, ", "))
	}
	return nil
}

// Column returns the values of a column, one per row (a copy).
func (t *Table) Column(name string) ([]string, error) {
	j, ok := t.index[name]
	if !ok {
		return nil, t.Require(name)
	}
	out := make([]string, len(t.Rows))
	for i, r := range t.Rows {
		out[i] = r[j]
	}
	return out, nil
}

// Float parses a column as numbers; "n/a" becomes NaN. Surrounding spaces are
// ignored. An empty or unparsable field is an error naming the file, line and
// column.
func (t *Table) Float(name string) ([]float64, error) {
	col, err := t.Column(name)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(col))
	for i, s := range col {
		v, err := ParseFloat(s)
		if err != nil {
			return nil, fmt.Errorf("read %s: line %d, column %q: %w", t.Path, i+2, name, err)
		}
		out[i] = v
	}
	return out, nil
}

// ParseFloat parses one field: a decimal number, or "n/a" for NaN.
func ParseFloat(s string) (float64, error) {
	s = strings.TrimSpace(s)
	switch s {
	case NA:
		return math.NaN(), nil
	case "":
		return 0, errors.New("empty value (missing values must be n/a)")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

// FormatFloat formats a number so that ParseFloat gives it back exactly; NaN
// becomes "n/a".
func FormatFloat(v float64) string {
	if math.IsNaN(v) {
		return NA
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Encode writes a table to w. It fails on a field that cannot be stored: one
// holding a tab, a newline or a carriage return, a row of the wrong length, a
// bad header, or a row that would be an empty line.
func Encode(w io.Writer, header []string, rows [][]string) error {
	var b strings.Builder
	check := func(line int, fields []string) error {
		for j, f := range fields {
			if strings.ContainsAny(f, "\t\n\r") {
				return fmt.Errorf("line %d, column %d: %q holds a tab or line break", line, j+1, f)
			}
		}
		if len(fields) == 1 && fields[0] == "" {
			return fmt.Errorf("line %d would be empty", line)
		}
		return nil
	}
	if err := (&Table{}).setHeader(header); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	if err := check(1, header); err != nil {
		return err
	}
	b.WriteString(strings.Join(header, "\t"))
	b.WriteByte('\n')
	for i, r := range rows {
		if len(r) != len(header) {
			return fmt.Errorf("line %d has %d fields, the header has %d", i+2, len(r), len(header))
		}
		if err := check(i+2, r); err != nil {
			return err
		}
		b.WriteString(strings.Join(r, "\t"))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Write writes a table to path atomically (a reader never sees half a file).
func Write(path string, header []string, rows [][]string) error {
	var b bytes.Buffer
	if err := Encode(&b, header, rows); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, b.Bytes(), 0o644)
}
