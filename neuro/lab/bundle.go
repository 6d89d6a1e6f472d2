package lab

import (
	"encoding/json"
	"fmt"

	"fmriface/bundle"
	"fmriface/bundle/quant"
	"fmriface/contract/sitedata"
)

// Bundle kinds of the lab's two site files: the base file (features,
// subjects, the VAE-GAN latents) is downloaded when the panel first opens;
// the PCA latents when the PCA space is first chosen.
const (
	KindBase = sitedata.LabKind
	KindPCA  = sitedata.LabPCAKind
)

// Encodings is how Encode stores each part.
type Encodings struct {
	Features, Latents, Loads quant.Kind
}

// DefaultEncodings is what the exporter uses: 3 bits a value (blocks of 32
// values with one scale each) for the features, the latents and the
// loadings, which keeps the base file of 8,020 faces and four subjects of
// 4,400 voxels under 5 MiB (4-bit features and loadings came to 5.47 MB);
// the exporter calibrates on the quantized data and records the accuracy
// of the float data beside it.
func DefaultEncodings() Encodings {
	return Encodings{Features: quant.Q3, Latents: quant.Q3, Loads: quant.Q3}
}

// subjectMeta is a subject's entry in the base file's metadata.
type subjectMeta struct {
	Name   string  `json:"name"`
	Noise  float64 `json:"noise"`
	Voxels int     `json:"voxels"`
}

// EncodeBase writes the base file: everything but the PCA latents.
func EncodeBase(d *Data, enc Encodings, prov bundle.Provenance) ([]byte, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	z, ok := d.Latents[SpaceVAEGAN]
	if !ok {
		return nil, fmt.Errorf("lab: the base file needs the VAE-GAN latents")
	}
	n := d.Train + d.Test
	w := bundle.NewWriter()
	w.SetMeta(bundle.KeyKind, KindBase)
	w.SetMeta("lab.train", int64(d.Train))
	w.SetMeta("lab.test", int64(d.Test))
	w.SetMeta("lab.k", int64(d.K))
	w.SetMeta("lab.p", int64(d.P))
	w.SetMeta("lab.noise_unit", d.NoiseUnit)
	w.SetMeta("lab.test_reps", int64(d.TestReps))
	w.SetMeta("lab.drive_kept", d.DriveKept)
	var subs []subjectMeta
	for i := range d.Subjects {
		s := &d.Subjects[i]
		subs = append(subs, subjectMeta{Name: s.Name, Noise: s.Noise, Voxels: s.Voxels()})
		w.AddUint8("roi."+s.Name, []int{s.Voxels()}, s.ROI)
		w.AddFloat32("load."+s.Name, []int{d.K, s.Voxels()}, s.Load, enc.Loads)
	}
	js, err := json.Marshal(subs)
	if err != nil {
		return nil, err
	}
	w.SetMeta("lab.subjects", json.RawMessage(js))
	w.AddFloat32("features", []int{n, d.K}, d.Features, enc.Features)
	w.AddFloat32("latents."+SpaceVAEGAN, []int{n, d.P}, z, enc.Latents)
	if err := w.SetProvenance(prov); err != nil {
		return nil, err
	}
	return w.Bytes()
}

// EncodePCA writes the PCA file: the PCA latents of the same faces.
func EncodePCA(d *Data, enc Encodings, prov bundle.Provenance) ([]byte, error) {
	z, ok := d.Latents[SpacePCA]
	if !ok {
		return nil, fmt.Errorf("lab: no PCA latents to write")
	}
	n := d.Train + d.Test
	w := bundle.NewWriter()
	w.SetMeta(bundle.KeyKind, KindPCA)
	w.SetMeta("lab.faces", int64(n))
	w.AddFloat32("latents."+SpacePCA, []int{n, d.P}, z, enc.Latents)
	if err := w.SetProvenance(prov); err != nil {
		return nil, err
	}
	return w.Bytes()
}

// DecodeBase reads a base file (name names it in errors).
func DecodeBase(name string, data []byte) (*Data, error) {
	b, err := bundle.Parse(data, bundle.Limits{})
	if err != nil {
		return nil, fmt.Errorf("lab data %s: %w", name, err)
	}
	if k, _ := b.MetaString(bundle.KeyKind); k != KindBase {
		return nil, fmt.Errorf("lab data %s: kind %q, want %q", name, k, KindBase)
	}
	d := &Data{Latents: map[string][]float32{}}
	ints := map[string]*int{"lab.train": &d.Train, "lab.test": &d.Test, "lab.k": &d.K, "lab.p": &d.P, "lab.test_reps": &d.TestReps}
	for key, dst := range ints {
		v, err := b.MetaInt64(key)
		if err != nil {
			return nil, fmt.Errorf("lab data %s: %s: %w", name, key, err)
		}
		if v < 0 || v > 1<<24 {
			return nil, fmt.Errorf("lab data %s: %s = %d is out of range", name, key, v)
		}
		*dst = int(v)
	}
	if d.NoiseUnit, err = b.MetaFloat64("lab.noise_unit"); err != nil {
		return nil, fmt.Errorf("lab data %s: %w", name, err)
	}
	if d.DriveKept, err = b.MetaFloat64("lab.drive_kept"); err != nil {
		return nil, fmt.Errorf("lab data %s: %w", name, err)
	}
	var subs []subjectMeta
	if err := b.MetaJSON("lab.subjects", &subs); err != nil {
		return nil, fmt.Errorf("lab data %s: subjects: %w", name, err)
	}
	if d.Features, err = b.Float32("features"); err != nil {
		return nil, fmt.Errorf("lab data %s: %w", name, err)
	}
	z, err := b.Float32("latents." + SpaceVAEGAN)
	if err != nil {
		return nil, fmt.Errorf("lab data %s: %w", name, err)
	}
	d.Latents[SpaceVAEGAN] = z
	for _, sm := range subs {
		s := Subject{Name: sm.Name, Noise: sm.Noise}
		if s.Load, err = b.Float32("load." + sm.Name); err != nil {
			return nil, fmt.Errorf("lab data %s: %w", name, err)
		}
		if s.ROI, err = b.Raw("roi." + sm.Name); err != nil {
			return nil, fmt.Errorf("lab data %s: %w", name, err)
		}
		d.Subjects = append(d.Subjects, s)
	}
	if err := d.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}

// AddPCA reads a PCA file into d.
func (d *Data) AddPCA(name string, data []byte) error {
	b, err := bundle.Parse(data, bundle.Limits{})
	if err != nil {
		return fmt.Errorf("lab data %s: %w", name, err)
	}
	if k, _ := b.MetaString(bundle.KeyKind); k != KindPCA {
		return fmt.Errorf("lab data %s: kind %q, want %q", name, k, KindPCA)
	}
	z, err := b.Float32("latents." + SpacePCA)
	if err != nil {
		return fmt.Errorf("lab data %s: %w", name, err)
	}
	if len(z) != (d.Train+d.Test)*d.P {
		return fmt.Errorf("lab data %s: %d PCA latent values, want %d faces × %d", name, len(z), d.Train+d.Test, d.P)
	}
	if i := firstNonFinite(z); i >= 0 {
		return fmt.Errorf("lab data %s: PCA latent %d is not finite", name, i)
	}
	d.Latents[SpacePCA] = z
	return nil
}
