package haxby

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadReport reads the committed reports/haxby/results.json back (the
// exporter's input for the site's realbrain file) and refuses broken copies.
func TestReadReport(t *testing.T) {
	path := filepath.Join("..", "..", "reports", "haxby", "results.json")
	r, err := ReadReport(path)
	if err != nil {
		t.Fatal(err)
	}
	if r.Dataset.Grid != [2]int{40, 20} || len(r.Dataset.Categories) != 8 || len(r.Methods) != 3 || r.License != License {
		t.Errorf("read %v grid, %d categories, %d methods, license %q", r.Dataset.Grid, len(r.Dataset.Categories), len(r.Methods), r.License)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"unknown field", `"title":`, `"titel":`, "unknown field"},
		{"grid", `"grid_xy": [`, `"grid_xy": [0, `, "dataset.grid_xy [0 40]"},
		{"categories", `"categories": [`, `"categories": ["only"], "x": [`, "unknown field"},
		{"syntax", `"title":`, `"title"`, "invalid character"},
		{"folds", `"folds": [`, `"folds": ["extra", `, "13 folds"},
		{"mask", `"mask": [`, `"mask": [0, `, "531 mask voxels, 530 t values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(string(good), tc.from, tc.to, 1)
			if bad == string(good) {
				t.Fatalf("%q not found", tc.from)
			}
			p := filepath.Join(t.TempDir(), "results.json")
			if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := ReadReport(p); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "haxby: ") {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
	if _, err := ReadReport(filepath.Join(t.TempDir(), "none.json")); err == nil {
		t.Error("a missing file was read")
	}
}
