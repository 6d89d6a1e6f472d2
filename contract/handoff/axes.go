package handoff

import (
	"encoding/json"
	"fmt"
	"os"

	"fmriface/util/ckpt"
)

// AxesFormat names the axes file layout.
const AxesFormat = "fmriface-axes/1"

// MaxAxesBytes bounds the size of an axes file that ReadAxes accepts.
const MaxAxesBytes = 64 << 20

// AxesFileName is the axes file's name in the model folder
// (models/default/axes.npz), written by the face evaluation.
const AxesFileName = "axes.npz"

// Axes are the face model's attribute directions in latent space: the mean
// latent (encoder μ) of male minus female training faces, and of smiling
// minus non-smiling ones. The site uses them for the sliders and the gender
// read-out.
type Axes struct {
	Male, Smile []float32 // (L) each
	Meta        AxesMeta
}

// AxesMeta is the axes file's __meta__ record.
type AxesMeta struct {
	Format      string         `json:"format"`
	Latent      int            `json:"latent"`
	Model       string         `json:"model,omitempty"`        // the model file the latents came from
	Faces       string         `json:"faces,omitempty"`        // the image folder
	Counts      map[string]int `json:"counts,omitempty"`       // faces per group: male, female, smiling, not_smiling
	CodeVersion string         `json:"code_version,omitempty"` // version.String()
}

// WriteAxes validates a and writes it to path atomically; it sets a.Meta's
// format and latent size.
func WriteAxes(path string, a *Axes) error {
	a.Meta.Format = AxesFormat
	a.Meta.Latent = len(a.Male)
	if err := a.Validate(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return ckpt.Save(path, a.Meta, []ckpt.Tensor{
		{Name: "axis.male", Shape: []int{len(a.Male)}, Data: a.Male},
		{Name: "axis.smile", Shape: []int{len(a.Smile)}, Data: a.Smile},
	}, ckpt.Float32)
}

// ReadAxes reads and validates an axes file.
func ReadAxes(path string) (*Axes, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxAxesBytes {
		return nil, fmt.Errorf("%s: %d bytes is too large for an axes file", path, st.Size())
	}
	f, err := ckpt.Load(path)
	if err != nil {
		return nil, err
	}
	a := &Axes{}
	if err := json.Unmarshal(f.Meta, &a.Meta); err != nil {
		return nil, fmt.Errorf("%s: __meta__: %w", path, err)
	}
	if a.Meta.Format != AxesFormat {
		return nil, fmt.Errorf("%s: __meta__ format is %q, want %q", path, a.Meta.Format, AxesFormat)
	}
	for _, x := range []struct {
		name string
		dst  *[]float32
	}{{"axis.male", &a.Male}, {"axis.smile", &a.Smile}} {
		t, ok := f.Tensors[x.name]
		if !ok {
			return nil, fmt.Errorf("%s: missing array %s", path, x.name)
		}
		if len(t.Shape) != 1 || t.Shape[0] != a.Meta.Latent || len(t.Data) != a.Meta.Latent {
			return nil, fmt.Errorf("%s: array %s has shape %v, want (%d)", path, x.name, t.Shape, a.Meta.Latent)
		}
		*x.dst = t.Data
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// Validate checks that both axes have the same positive length and finite
// values; WriteAxes and ReadAxes call it.
func (a *Axes) Validate() error {
	if len(a.Male) == 0 || len(a.Smile) != len(a.Male) {
		return fmt.Errorf("axes have %d (male) and %d (smile) values, want the same positive latent size", len(a.Male), len(a.Smile))
	}
	if err := finite("axis.male", a.Male); err != nil {
		return err
	}
	return finite("axis.smile", a.Smile)
}
