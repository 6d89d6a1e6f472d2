package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"fmriface/infer/arch"
	"fmriface/util/ckpt"
)

// Record formats of the trainer (trainer/vaegan), decoded here without
// importing it (it pulls in gorgonia).
const (
	modelFormat      = "fmriface-vaegan-model/1"
	checkpointFormat = "fmriface-vaegan-checkpoint/1"
)

// trainingRecord is the part of the trainer's State the exporter uses.
type trainingRecord struct {
	Format string `json:"format"`
	Config struct {
		Arch        arch.Config `json:"arch"`
		Seed        uint64      `json:"seed"`
		Faces       string      `json:"faces"`
		SplitFile   string      `json:"split_file"`
		CodeVersion string      `json:"code_version"`
		Epochs      float64     `json:"epochs"`
	} `json:"config"`
	Step     int      `json:"step"`
	Saved    string   `json:"saved"`
	Finished bool     `json:"finished"`
	Code     []string `json:"code_versions"`
}

// model is a loaded face model.
type model struct {
	Path   string
	SHA256 string // of the model file
	Cfg    arch.Config
	Params map[string][]float32
	Train  trainingRecord
}

func loadModel(path string) (*model, error) {
	f, err := ckpt.Load(path)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	var rec struct {
		Format   string         `json:"format"`
		Training trainingRecord `json:"training"`
	}
	if err := json.Unmarshal(f.Meta, &rec); err != nil {
		return nil, fmt.Errorf("model %s: __meta__: %w", path, err)
	}
	m := &model{Path: path}
	switch {
	case rec.Format == modelFormat:
		m.Train = rec.Training
	case rec.Format == checkpointFormat:
		if err := json.Unmarshal(f.Meta, &m.Train); err != nil {
			return nil, fmt.Errorf("model %s: __meta__: %w", path, err)
		}
	default:
		return nil, fmt.Errorf("model %s: __meta__ format is %q, want %q (or a %q checkpoint)", path, rec.Format, modelFormat, checkpointFormat)
	}
	m.Cfg = m.Train.Config.Arch
	if err := m.Cfg.Validate(); err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	m.Params = map[string][]float32{}
	for _, p := range m.Cfg.Params() {
		if p.Net != "gen" {
			continue
		}
		t, ok := f.Tensors[p.Name]
		if !ok {
			return nil, fmt.Errorf("model %s: missing tensor %s (shape %v)", path, p.Name, p.Shape)
		}
		if !equalShape(t.Shape, p.Shape) || len(t.Data) != p.Size() {
			return nil, fmt.Errorf("model %s: tensor %s has shape %v, want %v", path, p.Name, t.Shape, p.Shape)
		}
		m.Params[p.Name] = t.Data
	}
	h := sha256.New()
	fd, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	if _, err := io.Copy(h, fd); err != nil {
		return nil, fmt.Errorf("model %s: %w", path, err)
	}
	m.SHA256 = hex.EncodeToString(h.Sum(nil))
	return m, nil
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
