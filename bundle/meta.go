package bundle

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Well-known metadata keys. Provenance fills the first six; the exporter
// decides the rest of its vocabulary and documents it.
const (
	KeyCommand      = "provenance.command"       // []string: the argv that made the bundle
	KeyConfig       = "provenance.config"        // JSON: the configuration in effect
	KeySeed         = "provenance.seed"          // int64: the random seed
	KeyCodeVersion  = "provenance.code_version"  // string: e.g. a VCS revision
	KeyTrainingData = "provenance.training_data" // string: what the model was fitted on
	KeySubject      = "subject"                  // string: the subject, for per-subject bundles
	KeyVoxelCount   = "voxel_count"              // int64: voxels in the subject's patterns
	KeyKind         = "kind"                     // string: what the bundle holds, e.g. "generator"
)

// Provenance says what made a bundle. Zero fields are not stored.
type Provenance struct {
	Command      []string        // the command line, argv[0] first
	Config       json.RawMessage // the configuration, one JSON value
	Seed         int64           // the random seed (stored even when 0)
	CodeVersion  string          // the code's version, e.g. a git revision
	TrainingData string          // the data the model or decoder was fitted on
	Subject      string          // the subject, for a per-subject bundle
	VoxelCount   int64           // the subject's voxel count
}

// SetProvenance stores p under the Key* names.
func (w *Writer) SetProvenance(p Provenance) error {
	w.SetMeta(KeySeed, p.Seed)
	if p.Command != nil {
		w.SetMeta(KeyCommand, p.Command)
	}
	if p.Config != nil {
		w.SetMeta(KeyConfig, p.Config)
	}
	if p.CodeVersion != "" {
		w.SetMeta(KeyCodeVersion, p.CodeVersion)
	}
	if p.TrainingData != "" {
		w.SetMeta(KeyTrainingData, p.TrainingData)
	}
	if p.Subject != "" {
		w.SetMeta(KeySubject, p.Subject)
	}
	if p.VoxelCount != 0 {
		w.SetMeta(KeyVoxelCount, p.VoxelCount)
	}
	return w.err
}

// Provenance reads back what SetProvenance stored. Absent keys leave zero
// fields; a key of the wrong type is an error.
func (b *Bundle) Provenance() (Provenance, error) {
	var p Provenance
	var err error
	get := func(key string, dst any) {
		if err != nil {
			return
		}
		v, ok := b.Meta(key)
		if !ok {
			return
		}
		switch d := dst.(type) {
		case *[]string:
			*d, ok = v.([]string)
		case *json.RawMessage:
			*d, ok = v.(json.RawMessage)
		case *int64:
			*d, ok = v.(int64)
		case *string:
			*d, ok = v.(string)
		}
		if !ok {
			err = fmt.Errorf("bundle: metadata %q is %s, not %s", key, typeName(v), typeName(dst))
		}
	}
	get(KeyCommand, &p.Command)
	get(KeyConfig, &p.Config)
	get(KeySeed, &p.Seed)
	get(KeyCodeVersion, &p.CodeVersion)
	get(KeyTrainingData, &p.TrainingData)
	get(KeySubject, &p.Subject)
	get(KeyVoxelCount, &p.VoxelCount)
	return p, err
}

// normalizeMeta maps an accepted Go value to its stored type and canonical
// Go value, copying slices so that later changes by the caller do not leak in.
func normalizeMeta(v any, lim Limits) (metaType, any, error) {
	checkStr := func(s string) error {
		if len(s) > lim.MaxStringLen {
			return fmt.Errorf("string of %d bytes exceeds %d", len(s), lim.MaxStringLen)
		}
		if !utf8.ValidString(s) {
			return fmt.Errorf("string %q is not valid UTF-8", s)
		}
		return nil
	}
	checkLen := func(n int) error {
		if n > lim.MaxArrayLen {
			return fmt.Errorf("array of %d elements exceeds %d", n, lim.MaxArrayLen)
		}
		return nil
	}
	switch x := v.(type) {
	case string:
		return metaString, x, checkStr(x)
	case bool:
		return metaBool, x, nil
	case int:
		return metaInt64, int64(x), nil
	case int32:
		return metaInt64, int64(x), nil
	case int64:
		return metaInt64, x, nil
	case uint32:
		return metaInt64, int64(x), nil
	case float32:
		return metaFloat64, float64(x), nil
	case float64:
		return metaFloat64, x, nil
	case json.RawMessage:
		if len(x) > lim.MaxStringLen {
			return 0, nil, fmt.Errorf("JSON of %d bytes exceeds %d", len(x), lim.MaxStringLen)
		}
		if !json.Valid(x) {
			return 0, nil, fmt.Errorf("invalid JSON %.40q", x)
		}
		return metaJSON, append(json.RawMessage(nil), x...), nil
	case []string:
		if err := checkLen(len(x)); err != nil {
			return 0, nil, err
		}
		for _, s := range x {
			if err := checkStr(s); err != nil {
				return 0, nil, err
			}
		}
		return metaStrings, append([]string{}, x...), nil
	case []int64:
		return metaInt64s, append([]int64{}, x...), checkLen(len(x))
	case []int:
		out := make([]int64, len(x))
		for i, e := range x {
			out[i] = int64(e)
		}
		return metaInt64s, out, checkLen(len(x))
	case []float64:
		return metaFloat64s, append([]float64{}, x...), checkLen(len(x))
	case []float32:
		out := make([]float64, len(x))
		for i, e := range x {
			out[i] = float64(e)
		}
		return metaFloat64s, out, checkLen(len(x))
	}
	return 0, nil, fmt.Errorf("unsupported type %T (want string, bool, int64, float64, json.RawMessage or a slice of string, int64 or float64)", v)
}

// typeName names the Go type of a metadata value (or of a pointer to one) in
// messages.
func typeName(v any) string {
	switch v.(type) {
	case string, *string:
		return "string"
	case int64, *int64:
		return "int64"
	case float64, *float64:
		return "float64"
	case bool, *bool:
		return "bool"
	case []string, *[]string:
		return "[]string"
	case []int64, *[]int64:
		return "[]int64"
	case []float64, *[]float64:
		return "[]float64"
	case json.RawMessage, *json.RawMessage:
		return "JSON"
	}
	return fmt.Sprintf("%T", v)
}

// checkName applies the rules shared by metadata keys and tensor names.
func checkName(s string, lim Limits) error {
	switch {
	case s == "":
		return fmt.Errorf("empty name")
	case len(s) > lim.MaxNameLen:
		return fmt.Errorf("name of %d bytes exceeds %d", len(s), lim.MaxNameLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("name %q is not valid UTF-8", s)
	}
	return nil
}
