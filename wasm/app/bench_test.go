package app_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"fmriface/bundle/quant"
	"fmriface/contract/sitedata"
	"fmriface/infer/site"
	"fmriface/site/fixture"
	"fmriface/wasm/app"
)

// benchVoxels is the size of the pattern decoded in the benchmarks: the
// order of a real subject's selected voxels in this project's simulations.
const benchVoxels = 5000

// benchModel loads a float32 fixture generator of the preset's size and makes
// an "all" region of benchVoxels voxels with a random decoder; the returned
// generator continues the same random stream, for the patterns.
func benchModel(b *testing.B, preset string) (*site.Model, site.ROI, *rand.Rand) {
	b.Helper()
	data, err := fixture.Generator(preset, 1, quant.F32)
	if err != nil {
		b.Fatal(err)
	}
	m, err := site.LoadModel(preset, data)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	roi := site.ROI{Name: "all", Index: make([]int32, benchVoxels), Decoder: make([]float32, benchVoxels*m.Latent())}
	for i := range roi.Index {
		roi.Index[i] = int32(i)
	}
	for i := range roi.Decoder {
		roi.Decoder[i] = float32(rng.NormFloat64()) / float32(benchVoxels)
	}
	return m, roi, rng
}

// BenchmarkDecodeFace decodes one face (ẑ = y·D over benchVoxels voxels, then
// the generator) with random weights at each preset's size. It also reports
// the heap growth over the run (heap-B/op must stay 0: memory is flat over
// any number of decodes).
func BenchmarkDecodeFace(b *testing.B) {
	for _, preset := range []string{"tiny", "default", "paper"} {
		b.Run(preset, func(b *testing.B) {
			m, roi, rng := benchModel(b, preset)
			l := m.Latent()
			pattern := make([]float32, benchVoxels)
			for i := range pattern {
				pattern[i] = float32(rng.NormFloat64())
			}
			dec := app.NewDecoder(m, benchVoxels)
			z := make([]float32, l)
			img := make([]byte, 4*m.ImageSize()*m.ImageSize())
			if err := dec.DecodeFace(&roi, pattern, z, img); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			cpu0, cpuOK := cpuTime()
			b.ResetTimer()
			for range b.N {
				if err := dec.DecodeFace(&roi, pattern, z, img); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if cpu1, ok := cpuTime(); ok && cpuOK {
				b.ReportMetric(float64(cpu1-cpu0)/1e6/float64(b.N), "cpu-ms/face")
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapAlloc)-float64(before.HeapAlloc), "heap-B")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N), "mallocs/op")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/face")
		})
	}
}

// BenchmarkDecodeBatch decodes the 20 test faces of a view the way the app
// does: one batch product Ẑ = Y·D for the 20 patterns (benchVoxels voxels),
// then 20 generator passes. ms/face is the time per face.
func BenchmarkDecodeBatch(b *testing.B) {
	const n = 20
	for _, preset := range []string{"default"} {
		b.Run(preset, func(b *testing.B) {
			m, roi, rng := benchModel(b, preset)
			l := m.Latent()
			patterns := make([]float32, n*benchVoxels)
			for i := range patterns {
				patterns[i] = float32(rng.NormFloat64())
			}
			pattern := func(i int) []float32 { return patterns[i*benchVoxels : (i+1)*benchVoxels] }
			dec := app.NewDecoder(m, benchVoxels)
			zs := make([]float32, n*l)
			img := make([]byte, 4*m.ImageSize()*m.ImageSize())
			run := func() {
				if err := dec.Latents(&roi, n, pattern, zs); err != nil {
					b.Fatal(err)
				}
				for i := range n {
					if err := dec.Image(zs[i*l:(i+1)*l], img); err != nil {
						b.Fatal(err)
					}
				}
			}
			run()
			cpu0, cpuOK := cpuTime()
			b.ResetTimer()
			for range b.N {
				run()
			}
			b.StopTimer()
			if cpu1, ok := cpuTime(); ok && cpuOK {
				b.ReportMetric(float64(cpu1-cpu0)/1e6/float64(b.N*n), "cpu-ms/face")
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*n), "ms/face")
		})
	}
}

// TestMemoryFlat decodes 1,000 faces of the tiny model and checks that
// nothing is allocated along the way.
func TestMemoryFlat(t *testing.T) {
	s := loadSite(t, fixture.Options{Voxels: 300, Subjects: 1, Seed: 8})
	sub := s.subs[0]
	dec := app.NewDecoder(s.model, sub.V)
	z := make([]float32, sub.L)
	img := make([]byte, 4*s.model.ImageSize()*s.model.ImageSize())
	decode := func(i int) {
		if err := dec.DecodeFace(&sub.ROIs[i%sitedata.NumROIs], sub.Pattern(-1, i%sub.N), z, img); err != nil {
			t.Fatal(err)
		}
	}
	for i := range sitedata.NumROIs {
		decode(i) // warm up
	}
	// AllocsPerRun averages over the runs, so a stray allocation by the
	// runtime itself does not count; one allocation per decode does.
	i := 0
	if n := testing.AllocsPerRun(1000, func() { decode(i); i++ }); n > 0 {
		t.Errorf("decoding allocates %.0f times per face", n)
	}
}

// BenchmarkLatent is the decoder's share of BenchmarkDecodeFace/default:
// ẑ = y·D for benchVoxels voxels and 1024 latent dimensions.
func BenchmarkLatent(b *testing.B) {
	data, err := fixture.Generator("tiny", 1, quant.F32)
	if err != nil {
		b.Fatal(err)
	}
	m, err := site.LoadModel("tiny", data)
	if err != nil {
		b.Fatal(err)
	}
	const l = 1024
	m.Cfg.Latent = l // the decoder only reads the latent size
	rng := rand.New(rand.NewPCG(1, 2))
	roi := site.ROI{Name: "all", Index: make([]int32, benchVoxels), Decoder: make([]float32, benchVoxels*l)}
	pattern := make([]float32, benchVoxels)
	for i := range roi.Index {
		roi.Index[i] = int32(i)
		pattern[i] = float32(rng.NormFloat64())
	}
	for i := range roi.Decoder {
		roi.Decoder[i] = float32(rng.NormFloat64())
	}
	dec := app.NewDecoder(m, benchVoxels)
	z := make([]float32, l)
	b.ResetTimer()
	for range b.N {
		if err := dec.Latent(&roi, pattern, z); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/latent")
}

// siteData returns a reader of the exporter's real output in
// $FMRIFACE_SITE_DATA (e.g. out/site-data), and skips the benchmark when
// that is unset.
func siteData(b *testing.B) func(name string) []byte {
	b.Helper()
	dir := os.Getenv("FMRIFACE_SITE_DATA")
	if dir == "" {
		b.Skip("set FMRIFACE_SITE_DATA to the exporter's output folder")
	}
	return func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
}

// BenchmarkLoadSiteData is the app's load of exported data: parse and check
// index.json, then parse the generator bundle and the first subject's bundle
// as the page does (the Verified loaders: structure checked, checksums left
// to the page's SHA-256), dequantize the generator and the subject's "all"
// decoder, then build the app (what the page does before its first frame). It reads
// the exporter's real output from $FMRIFACE_SITE_DATA (e.g. out/site-data)
// and is skipped when that is unset.
func BenchmarkLoadSiteData(b *testing.B) {
	read := siteData(b)
	ixData := read("index.json")
	ix, err := sitedata.ParseIndex(ixData)
	if err != nil {
		b.Fatal(err)
	}
	gen, sub := read(ix.Generator.File), read(ix.Subjects[0].File)
	b.SetBytes(int64(len(gen) + len(sub)))
	b.ResetTimer()
	for range b.N {
		if _, err := sitedata.ParseIndex(ixData); err != nil {
			b.Fatal(err)
		}
		m, err := site.LoadModelVerified(ix.Generator.File, gen)
		if err != nil {
			b.Fatal(err)
		}
		s, err := site.LoadSubjectVerified(ix.Subjects[0].File, sub, m.Latent())
		if err != nil {
			b.Fatal(err)
		}
		for !s.ROIs[0].Materialize(1 << 30) { // as the page does before the first face
		}
		if _, err := app.NewApp(ix, m, []*site.Subject{s}, nil, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeSiteData decodes the exported site data as the page's
// benchmark does (`node e2e/run.mjs --bench`), so that the same work is
// measured under Node: the first subject's test patterns through its
// all-voxel decoder and the shipped generator, after the idle frames'
// dequantization. "single" decodes one face at a time, "batch" a view's
// faces with one decoder product. Both report allocations and heap growth
// over the run, which must stay 0. Where the site has the PCA comparison,
// "single-pca" and "batch-pca" do the same through the first subject's PCA
// decoder and the PCA's faces. It reads $FMRIFACE_SITE_DATA (e.g.
// out/site-data) and is skipped when that is unset.
func BenchmarkDecodeSiteData(b *testing.B) {
	read := siteData(b)
	ix, err := sitedata.ParseIndex(read("index.json"))
	if err != nil {
		b.Fatal(err)
	}
	m, err := site.LoadModelVerified(ix.Generator.File, read(ix.Generator.File))
	if err != nil {
		b.Fatal(err)
	}
	s, err := site.LoadSubjectVerified(ix.Subjects[0].File, read(ix.Subjects[0].File), m.Latent())
	if err != nil {
		b.Fatal(err)
	}
	for !s.ROIs[0].Materialize(1 << 30) {
	}
	for !m.Gen.MaterializeFC(1 << 30) {
	}
	cases := decodeCases("", app.NewDecoder(m, s.V), s)
	if ix.PCA != nil && ix.Subjects[0].PCA != nil {
		p, err := site.LoadPCAVerified(ix.PCA.File, read(ix.PCA.File))
		if err != nil {
			b.Fatal(err)
		}
		ps, err := site.LoadPCASubjectVerified(ix.Subjects[0].PCA.File, read(ix.Subjects[0].PCA.File), p.K)
		if err != nil {
			b.Fatal(err)
		}
		for !ps.ROIs[0].Materialize(1 << 30) {
		}
		cases = append(cases, decodeCases("-pca", app.NewPCADecoder(p, ps.V), ps)...)
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if err := c.run(0); err != nil { // sizes every buffer
				b.Fatal(err)
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for i := range b.N {
				if err := c.run(i); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapAlloc)-float64(before.HeapAlloc), "heap-B")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N), "mallocs/op")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*c.faces), "ms/face")
		})
	}
}

// decodeCase is one way of decoding faces, timed by BenchmarkDecodeSiteData.
type decodeCase struct {
	name  string
	faces int // per iteration
	run   func(i int) error
}

// decodeCases decodes s's test patterns through s's all-voxel decoder and
// dec's images: one face at a time ("single"+suffix) and a view's faces as
// one batch of latents, then each image, or for PCA the images as one batch
// too, as the app draws them ("batch"+suffix).
func decodeCases(suffix string, dec *app.Decoder, s *site.Subject) []decodeCase {
	roi := &s.ROIs[0]
	side := dec.ImageSize()
	img := make([]byte, 4*side*side)
	zs := make([]float32, s.N*s.L)
	pattern := func(i int) []float32 { return s.Pattern(-1, i) }
	out := func(int) []byte { return img } // made once: a closure per batch would allocate
	return []decodeCase{
		{"single" + suffix, 1, func(i int) error { return dec.DecodeFace(roi, pattern(i%s.N), zs[:s.L], img) }},
		{"batch" + suffix, s.N, func(int) error {
			if err := dec.Latents(roi, s.N, pattern, zs); err != nil {
				return err
			}
			if dec.Model() == nil { // PCA: the view's faces as one batch, as the app draws them
				return dec.Images(s.N, zs, out)
			}
			for j := range s.N {
				if err := dec.Image(zs[j*s.L:(j+1)*s.L], img); err != nil {
					return err
				}
			}
			return nil
		}},
	}
}
