package tsv

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseMatrix(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		cols    int
		want    [][]float64
		wantErr string
	}{
		{"moest layout", "-0.004  0.0039  \n-0.0043 0.0029  \n", 2, [][]float64{{-0.004, 0.0039}, {-0.0043, 0.0029}}, ""},
		{"tabs, CRLF, blank lines, no final newline", "1\t2e-3\r\n\n  3\t4", 0, [][]float64{{1, 2e-3}, {3, 4}}, ""},
		{"ragged", "1 2\n3\n", 0, nil, "line 2 has 1 fields, want 2"},
		{"wrong width", "1 2 3\n", 6, nil, "line 1 has 3 fields, want 6"},
		{"not a number", "1 x\n", 2, nil, `line 1, field 2: "x" is not a finite number`},
		{"n/a", "1 n/a\n", 2, nil, `field 2: "n/a"`},
		{"nan", "NaN 1\n", 2, nil, `field 1: "NaN"`},
		{"empty", "\n \n", 0, nil, "no rows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseMatrix([]byte(c.in), "m.txt", c.cols)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "m.txt") {
					t.Fatalf("error %v, want one naming m.txt and %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestReadMatrixFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rp.txt")
	if err := os.WriteFile(p, []byte("0.1 0.2 0.3 0.4 0.5 0.6\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ReadMatrix(p, 6)
	if err != nil || len(m) != 1 || m[0][5] != 0.6 {
		t.Fatalf("got %v, %v", m, err)
	}
	if _, err := ReadMatrix(filepath.Join(t.TempDir(), "missing.txt"), 6); err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Fatalf("missing file: %v", err)
	}
}
