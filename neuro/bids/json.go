package bids

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"fmriface/util/atomicfile"
)

// maxJSONBytes bounds a sidecar or description (real ones are a few kB).
const maxJSONBytes = 16 << 20

// readObject reads a JSON object, bounded in size.
func readObject(path string) (map[string]json.RawMessage, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxJSONBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxJSONBytes {
		return nil, fmt.Errorf("read %s: larger than %d bytes", path, maxJSONBytes)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("read %s: not a JSON object: %w", path, err)
	}
	if m == nil {
		return nil, fmt.Errorf("read %s: not a JSON object (null)", path)
	}
	return m, nil
}

// field decodes one key of an object into v when present.
func field(m map[string]json.RawMessage, key string, v any) (bool, error) {
	raw, ok := m[key]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("field %s: %w", key, err)
	}
	return true, nil
}

// writeObject writes known fields merged over extra, keys sorted, atomically.
func writeObject(path string, known any, extra map[string]any) error {
	b, err := json.Marshal(known)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	for k, v := range extra {
		if _, dup := m[k]; dup {
			return fmt.Errorf("write %s: extra field %q repeats a known field", path, k)
		}
		m[k] = v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "    ")
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, buf.Bytes(), 0o644)
}

// extras decodes every key not in known.
func extras(m map[string]json.RawMessage, known ...string) (map[string]any, error) {
	out := map[string]any{}
outer:
	for k, raw := range m {
		for _, kn := range known {
			if k == kn {
				continue outer
			}
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, fmt.Errorf("field %s: %w", k, err)
		}
		out[k] = v
	}
	return out, nil
}

// Description is dataset_description.json.
type Description struct {
	Name        string        `json:"Name"`
	BIDSVersion string        `json:"BIDSVersion"`
	DatasetType string        `json:"DatasetType,omitempty"` // "raw" or "derivative"
	License     string        `json:"License,omitempty"`
	Authors     []string      `json:"Authors,omitempty"`
	GeneratedBy []GeneratedBy `json:"GeneratedBy,omitempty"`
	// Extra holds every other field (read) or adds fields (write), for
	// instance a simulator's configuration and seed.
	Extra map[string]any `json:"-"`
}

// GeneratedBy names a pipeline that produced a dataset.
type GeneratedBy struct {
	Name        string `json:"Name"`
	Version     string `json:"Version,omitempty"`
	Description string `json:"Description,omitempty"`
	CodeURL     string `json:"CodeURL,omitempty"`
}

var descriptionKeys = []string{"Name", "BIDSVersion", "DatasetType", "License", "Authors", "GeneratedBy"}

// ReadDescription reads a dataset_description.json; Name and BIDSVersion are
// required.
func ReadDescription(path string) (Description, error) {
	var d Description
	m, err := readObject(path)
	if err != nil {
		return d, err
	}
	for _, f := range []struct {
		key string
		v   any
	}{{"Name", &d.Name}, {"BIDSVersion", &d.BIDSVersion}, {"DatasetType", &d.DatasetType},
		{"License", &d.License}, {"Authors", &d.Authors}, {"GeneratedBy", &d.GeneratedBy}} {
		if _, err := field(m, f.key, f.v); err != nil {
			return d, fmt.Errorf("read %s: %w", path, err)
		}
	}
	if d.Name == "" || d.BIDSVersion == "" {
		return d, fmt.Errorf("read %s: Name and BIDSVersion are required (Name %q, BIDSVersion %q)", path, d.Name, d.BIDSVersion)
	}
	if d.Extra, err = extras(m, descriptionKeys...); err != nil {
		return d, fmt.Errorf("read %s: %w", path, err)
	}
	return d, nil
}

// WriteDescription writes <root>/dataset_description.json atomically, creating
// root if needed.
func WriteDescription(root string, d Description) error {
	path := filepath.Join(root, "dataset_description.json")
	if d.Name == "" || d.BIDSVersion == "" {
		return fmt.Errorf("write %s: Name and BIDSVersion are required", path)
	}
	return writeObject(path, d, d.Extra)
}

// Sidecar is a BOLD run's JSON sidecar (the fields this project uses; the rest
// are kept in Extra).
type Sidecar struct {
	RepetitionTime float64        `json:"RepetitionTime"`        // seconds
	SliceTiming    []float64      `json:"SliceTiming,omitempty"` // seconds after volume onset, one per slice
	TaskName       string         `json:"TaskName,omitempty"`
	EchoTime       float64        `json:"EchoTime,omitempty"`
	FlipAngle      float64        `json:"FlipAngle,omitempty"`
	Extra          map[string]any `json:"-"`
}

var sidecarKeys = []string{"RepetitionTime", "SliceTiming", "TaskName", "EchoTime", "FlipAngle"}

// ReadSidecar reads one JSON sidecar. RepetitionTime, when present, must be a
// positive number, and SliceTiming values must lie in [0, RepetitionTime).
// (A run's fields may be spread over inherited sidecars: Dataset.Runs merges
// them.)
func ReadSidecar(path string) (Sidecar, error) {
	m, err := readObject(path)
	if err != nil {
		return Sidecar{}, err
	}
	s, err := sidecarFrom(m)
	if err != nil {
		return s, fmt.Errorf("read %s: %w", path, err)
	}
	return s, nil
}

func sidecarFrom(m map[string]json.RawMessage) (Sidecar, error) {
	var s Sidecar
	for _, f := range []struct {
		key string
		v   any
	}{{"RepetitionTime", &s.RepetitionTime}, {"SliceTiming", &s.SliceTiming}, {"TaskName", &s.TaskName},
		{"EchoTime", &s.EchoTime}, {"FlipAngle", &s.FlipAngle}} {
		if _, err := field(m, f.key, f.v); err != nil {
			return s, err
		}
	}
	if _, ok := m["RepetitionTime"]; ok && !(s.RepetitionTime > 0 && !math.IsInf(s.RepetitionTime, 0)) {
		return s, fmt.Errorf("RepetitionTime is %v, want a positive number of seconds", s.RepetitionTime)
	}
	for i, t := range s.SliceTiming {
		if !(t >= 0) || (s.RepetitionTime > 0 && t >= s.RepetitionTime) {
			return s, fmt.Errorf("SliceTiming[%d] is %v, want a time in [0, RepetitionTime %v)", i, t, s.RepetitionTime)
		}
	}
	var err error
	s.Extra, err = extras(m, sidecarKeys...)
	return s, err
}

// WriteSidecar writes a sidecar atomically; RepetitionTime is required.
func WriteSidecar(path string, s Sidecar) error {
	if !(s.RepetitionTime > 0) {
		return fmt.Errorf("write %s: RepetitionTime %v, want a positive number of seconds", path, s.RepetitionTime)
	}
	return writeObject(path, s, s.Extra)
}
