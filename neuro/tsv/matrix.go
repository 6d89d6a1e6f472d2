package tsv

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// ReadMatrix reads a headerless numeric text matrix whose fields are
// separated by runs of spaces or tabs, the layout of head-motion estimates
// written by realignment tools (FSL MCFLIRT's .par, SPM's rp_*.txt, PyMVPA's
// bold_moest.txt): one row per volume, one column per parameter. Blank lines
// are skipped; leading and trailing spaces are ignored. Every row must have
// the same number of fields, and cols of them when cols > 0. Values must be
// finite decimal numbers (no n/a). Errors name the file, the line and the
// field.
func ReadMatrix(path string, cols int) ([][]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("read %s: larger than %d bytes", path, MaxBytes)
	}
	return ParseMatrix(data, path, cols)
}

// ParseMatrix is ReadMatrix on bytes held in memory; name is used in errors.
func ParseMatrix(data []byte, name string, cols int) ([][]float64, error) {
	var out [][]float64
	width := cols
	for i, line := range bytes.Split(data, []byte("\n")) {
		fields := strings.Fields(string(line))
		if len(fields) == 0 {
			continue
		}
		if width <= 0 {
			width = len(fields)
		}
		if len(fields) != width {
			return nil, fmt.Errorf("read %s: line %d has %d fields, want %d", name, i+1, len(fields), width)
		}
		row := make([]float64, width)
		for j, s := range fields {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("read %s: line %d, field %d: %q is not a finite number", name, i+1, j+1, s)
			}
			row[j] = v
		}
		out = append(out, row)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read %s: no rows of numbers", name)
	}
	return out, nil
}
