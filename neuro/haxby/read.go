package haxby

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// maxReportBytes bounds results.json (about 70 kB for the one-slice data).
const maxReportBytes = 16 << 20

// ReadReport reads a results.json that WriteReport wrote (the exporter
// builds the site's realbrain file from it) and checks that it holds what
// a reader needs: the dataset's grid and categories, the map, and methods
// whose arrays have the dataset's sizes.
func ReadReport(path string) (*Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("haxby: %w", err)
	}
	if len(b) > maxReportBytes {
		return nil, fmt.Errorf("haxby: %s: %d bytes, more than %d", path, len(b), maxReportBytes)
	}
	var r Report
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("haxby: %s: %w", path, err)
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("haxby: %s: %w", path, err)
	}
	return &r, nil
}

func (r *Report) check() error {
	ds := &r.Dataset
	nx, ny, k := ds.Grid[0], ds.Grid[1], len(ds.Categories)
	switch {
	case nx < 1 || ny < 1:
		return fmt.Errorf("dataset.grid_xy %v", ds.Grid)
	case k < 2:
		return fmt.Errorf("%d categories", k)
	case len(r.Map.Mean) != nx*ny:
		return fmt.Errorf("map.mean_image: %d values for a %d×%d grid", len(r.Map.Mean), nx, ny)
	case len(r.Map.T) != len(r.Map.Mask):
		return fmt.Errorf("map: %d mask voxels, %d t values", len(r.Map.Mask), len(r.Map.T))
	case len(r.Methods) == 0:
		return fmt.Errorf("no methods")
	}
	for _, m := range r.Methods {
		if len(m.Predicted) != len(m.Folds) || len(m.Confusion) != k {
			return fmt.Errorf("method %q: %d rows of predictions for %d folds, %d confusion rows for %d categories",
				m.Name, len(m.Predicted), len(m.Folds), len(m.Confusion), k)
		}
		for i, row := range m.Predicted {
			if len(row) != k {
				return fmt.Errorf("method %q: predicted[%d] has %d categories, want %d", m.Name, i, len(row), k)
			}
		}
		for i, row := range m.Confusion {
			if len(row) != k {
				return fmt.Errorf("method %q: confusion[%d] has %d columns, want %d", m.Name, i, len(row), k)
			}
		}
	}
	return nil
}
