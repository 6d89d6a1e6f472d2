package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"fmriface/bundle"
	"fmriface/contract/sitedata"
	"fmriface/infer/arch"
	"fmriface/infer/fold"
	"fmriface/infer/nn"
)

// The default-size benchmarks use the default architecture with RANDOM
// weights and synthetic subjects (not the trained model): their sizes are
// the shipped sizes, their fidelity numbers only show that the machinery
// works at that scale. benchVoxels is the smallest voxel count whose three
// ROIs each exceed the 1024 latents (the decoder needs V_roi > L).
const benchVoxels = 3300

var (
	defaultOnce sync.Once
	defaultFix  fixture
	defaultErr  error
	defaultOut  bytes.Buffer
	defaultDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if defaultDir != "" {
		os.RemoveAll(defaultDir)
	}
	os.Exit(code)
}

// defaultExport exports the default-size fixture once per process.
func defaultExport(b *testing.B) fixture {
	defaultOnce.Do(func() {
		cfg, _ := arch.Preset("default")
		// Shared by several benchmarks, so not b.TempDir (removed when
		// the first one ends); TestMain removes it.
		dir, err := os.MkdirTemp("", "exporter-bench-")
		if err != nil {
			defaultErr = err
			return
		}
		defaultDir = dir
		defaultFix = newFixtureIn(b, dir, cfg, 4, benchVoxels)
		defaultErr = run(defaultFix.args(), &defaultOut, io.Discard)
	})
	if defaultErr != nil {
		b.Fatal(defaultErr)
	}
	return defaultFix
}

// BenchmarkExportDefault exports the default architecture (random weights)
// with four synthetic subjects of benchVoxels voxels, and reports the sizes
// and fidelity.
func BenchmarkExportDefault(b *testing.B) {
	f := defaultExport(b)
	fmt.Print(defaultOut.String()) // the table: b.Log truncates it
	var rep report
	data, err := os.ReadFile(filepath.Join(f.out, "export-report.json"))
	if err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if i > 0 {
			if err := run(f.args(), io.Discard, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(rep.BytesTotal), "bytes_total")
	b.ReportMetric(float64(rep.BytesGenerator), "bytes_generator")
	b.ReportMetric(rep.PSNRdB, "psnr_dB")
	b.ReportMetric(rep.LatentCorrMin, "corr_min")
}

// BenchmarkLoadGenerator measures what the browser does on start-up with
// the default generator bundle: Parse (all checksums) and dequantize every
// tensor; BenchmarkBuildGenerator adds fold.NNParams and nn.NewGenerator.
func BenchmarkLoadGenerator(b *testing.B) {
	data, cfg := generatorBundleBytes(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := loadGeneratorTensors(data, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildGenerator(b *testing.B) {
	data, cfg := generatorBundleBytes(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		folded, err := loadGeneratorTensors(data, cfg)
		if err != nil {
			b.Fatal(err)
		}
		p, err := fold.NNParams(cfg, folded)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := nn.NewGenerator(cfg, p); err != nil {
			b.Fatal(err)
		}
	}
}

func generatorBundleBytes(b *testing.B) ([]byte, arch.Config) {
	f := defaultExport(b)
	var ix sitedata.Index
	raw, err := os.ReadFile(filepath.Join(f.out, "index.json"))
	if err != nil {
		b.Fatal(err)
	}
	if err := json.Unmarshal(raw, &ix); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(f.out, ix.Generator.File))
	if err != nil {
		b.Fatal(err)
	}
	return data, f.cfg
}

func loadGeneratorTensors(data []byte, cfg arch.Config) (map[string][]float32, error) {
	bd, err := bundle.Parse(data, bundle.Limits{})
	if err != nil {
		return nil, err
	}
	out := map[string][]float32{}
	for _, p := range fold.GeneratorParams(cfg) {
		v, err := bd.Float32(p.Name)
		if err != nil {
			return nil, err
		}
		out[p.Name] = v
	}
	return out, nil
}
