package lab

import (
	"context"
	"strings"
	"testing"

	"fmriface/bundle"
	"fmriface/bundle/quant"
)

func TestBundleRoundTrip(t *testing.T) {
	d := smallData(t, 300)
	enc := Encodings{Features: quant.F32, Latents: quant.F32, Loads: quant.F32}
	base, err := EncodeBase(d, enc, bundle.Provenance{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	pca, err := EncodePCA(d, enc, bundle.Provenance{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeBase("lab.fmb", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Latents[SpacePCA]; ok {
		t.Fatal("the base file holds the PCA latents")
	}
	if err := got.AddPCA("lab-pca.fmb", pca); err != nil {
		t.Fatal(err)
	}
	cfg := baseConfig()
	for _, space := range []string{SpaceVAEGAN, SpacePCA} {
		cfg.Space = space
		a, err := Run(context.Background(), d, cfg, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Run(context.Background(), got, cfg, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Digest() != b.Digest() {
			t.Errorf("%s: the float32 round trip changed the run", space)
		}
	}
	// The default encodings shrink the file and keep the run close.
	small, err := EncodeBase(d, DefaultEncodings(), bundle.Provenance{})
	if err != nil {
		t.Fatal(err)
	}
	if len(small)*3 > len(base) {
		t.Errorf("default encodings: %d bytes, float32: %d", len(small), len(base))
	}
	q, err := DecodeBase("lab.fmb", small)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Space = SpaceVAEGAN
	a, _ := Run(context.Background(), d, cfg, nil, nil)
	b, err := Run(context.Background(), q, cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := a.Pairwise.Accuracy - b.Pairwise.Accuracy; diff > 0.05 || diff < -0.05 {
		t.Errorf("pairwise %.3f from float32 data, %.3f from the quantized", a.Pairwise.Accuracy, b.Pairwise.Accuracy)
	}
}

func TestBundleErrors(t *testing.T) {
	d := smallData(t, 300)
	base, err := EncodeBase(d, DefaultEncodings(), bundle.Provenance{})
	if err != nil {
		t.Fatal(err)
	}
	pca, err := EncodePCA(d, DefaultEncodings(), bundle.Provenance{})
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), base...)
	bad[len(bad)/2] ^= 1
	for _, tc := range []struct {
		name, want string
		data       []byte
	}{
		{"damaged", "lab.fmb", bad},
		{"truncated", "lab.fmb", base[:100]},
		{"pca file as base", "kind", pca},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeBase("lab.fmb", tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
	other := smallData(t, 200)
	if err := other.AddPCA("lab-pca.fmb", pca); err == nil || !strings.Contains(err.Error(), "faces") {
		t.Errorf("PCA file of another face set: %v", err)
	}
}
