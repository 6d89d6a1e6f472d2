package site_test

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fmriface/bundle"
	"fmriface/bundle/quant"
	"fmriface/contract/sitedata"
	"fmriface/infer/site"
	"fmriface/site/fixture"
)

func readFile(t testing.TB, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pcaReference is mean + Σ z_k·row_k from the bundle's dequantized bands, in
// float64, clipped.
func pcaReference(t *testing.T, data []byte, z []float32) []float64 {
	t.Helper()
	b, err := bundle.Parse(data, bundle.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	mean, _ := b.Float32("mean")
	img := make([]float64, len(mean))
	for i, m := range mean {
		img[i] = float64(m)
	}
	r := 0
	for i := 0; ; i++ {
		rows, err := b.Float32(sitedata.PCABandName(i))
		if err != nil {
			break
		}
		for j := 0; j < len(rows)/len(mean); j++ {
			for p := range img {
				img[p] += float64(z[r]) * float64(rows[j*len(mean)+p])
			}
			r++
		}
	}
	if r != len(z) {
		t.Fatalf("reference read %d rows, want %d", r, len(z))
	}
	for i, v := range img {
		img[i] = min(max(v, 0), 1)
	}
	return img
}

func TestLoadPCA(t *testing.T) {
	for _, q := range []quant.Kind{quant.F32, quant.F16, quant.Q8, quant.Q4, quant.Q3} {
		t.Run(q.String(), func(t *testing.T) {
			s := loadFixture(t, fixture.Options{Voxels: 120, Subjects: 2, Seed: 3, PCA: true, Quant: q})
			data := readFile(t, s.dir, s.ix.PCA.File)
			p, err := site.LoadPCA(s.ix.PCA.File, data)
			if err != nil {
				t.Fatal(err)
			}
			if p.K != s.model.Latent() || p.ImageSize != s.model.ImageSize() || p.D() != 3*p.ImageSize*p.ImageSize {
				t.Fatalf("K %d, S %d, D %d", p.K, p.ImageSize, p.D())
			}
			if rows, kinds := p.Bands(); len(rows) != 2 || rows[1] != 8 || kinds[0] != quant.F32 || kinds[1] != q {
				t.Errorf("bands %v %v", rows, kinds)
			}
			if _, err := site.LoadPCAVerified(s.ix.PCA.File, data); err != nil {
				t.Fatal(err)
			}
			z := make([]float32, p.K)
			for i := range z {
				z[i] = float32(math.Sin(float64(3*i+1))) * 4
			}
			img := make([]float32, p.D())
			p.Image(z, img)
			want := pcaReference(t, data, z)
			lo, hi := 1.0, 0.0
			for i, v := range img {
				if d := math.Abs(float64(v) - want[i]); d > 1e-5 {
					t.Fatalf("pixel %d: %v, want %v", i, v, want[i])
				}
				lo, hi = min(lo, float64(v)), max(hi, float64(v))
			}
			if lo == hi {
				t.Error("a flat image")
			}
			if a := testing.AllocsPerRun(10, func() { p.Image(z, img) }); a != 0 {
				t.Errorf("Image allocates %v times", a)
			}
			checkRows(t, p, data)
		})
	}
}

// checkRows checks PCA.Rows against the bundle's dequantized bands, bit for
// bit, for blocks inside a band and across the boundary between two.
func checkRows(t *testing.T, p *site.PCA, data []byte) {
	t.Helper()
	b, err := bundle.Parse(data, bundle.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var all []float32
	for i := 0; ; i++ {
		rows, err := b.Float32(sitedata.PCABandName(i))
		if err != nil {
			break
		}
		all = append(all, rows...)
	}
	d := p.D()
	for _, r := range [][2]int{{0, p.K}, {3, 11}, {8, p.K}, {p.K - 1, p.K}, {5, 5}} {
		got := make([]float32, (r[1]-r[0])*d)
		p.Rows(r[0], r[1], got)
		for i, v := range got {
			if want := all[r[0]*d+i]; math.Float32bits(v) != math.Float32bits(want) {
				t.Fatalf("Rows(%d, %d) value %d = %v, the band holds %v", r[0], r[1], i, v, want)
			}
		}
	}
	if a := testing.AllocsPerRun(10, func() { p.Rows(3, 11, all[:8*d]) }); a != 0 {
		t.Errorf("Rows allocates %v times", a)
	}
}

// A subject's PCA files load as a Subject in the PCA space, and neither
// loader takes the other's bundles.
func TestLoadPCASubject(t *testing.T) {
	s := loadFixture(t, fixture.Options{Voxels: 120, Subjects: 2, Seed: 3, PCA: true, Quant: quant.Q8})
	p, err := site.LoadPCA(s.ix.PCA.File, readFile(t, s.dir, s.ix.PCA.File))
	if err != nil {
		t.Fatal(err)
	}
	ref := s.ix.Subjects[1]
	core, regions := readFile(t, s.dir, ref.PCA.File), readFile(t, s.dir, ref.PCA.Regions.File)
	sub, err := site.LoadPCASubject(ref.PCA.File, core, p.K)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Space != site.SpacePCA || sub.ID != ref.ID || sub.V != ref.PCA.NVoxels || sub.L != p.K || !sub.RegionsPending() {
		t.Fatalf("PCA subject: space %q, id %s, V %d, L %d", sub.Space, sub.ID, sub.V, sub.L)
	}
	vaeRegions := readFile(t, s.dir, ref.Regions.File)
	if err := sub.AddRegions("r.fmb", vaeRegions); err == nil || !strings.Contains(err.Error(), `want "pca-subject-regions"`) {
		t.Errorf("VAE-GAN regions added to a PCA subject: %v", err)
	}
	if err := sub.AddRegions(ref.PCA.Regions.File, regions); err != nil {
		t.Fatal(err)
	}
	if _, err := site.LoadPCASubjectVerified(ref.PCA.File, core, p.K); err != nil {
		t.Fatal(err)
	}
	if _, err := site.LoadSubject("p.fmb", core, p.K); err == nil || !strings.Contains(err.Error(), "LoadPCASubject") {
		t.Errorf("PCA subject loaded as a VAE-GAN subject: %v", err)
	}
	if _, err := site.LoadPCASubject("s.fmb", readFile(t, s.dir, ref.File), p.K); err == nil || !strings.Contains(err.Error(), `want "pca-subject"`) {
		t.Errorf("VAE-GAN subject loaded as a PCA subject: %v", err)
	}
	vae, err := site.LoadSubject(ref.File, readFile(t, s.dir, ref.File), s.model.Latent())
	if err != nil {
		t.Fatal(err)
	}
	if err := vae.AddRegions("r.fmb", regions); err == nil || !strings.Contains(err.Error(), `want "subject-regions"`) {
		t.Errorf("PCA regions added to a VAE-GAN subject: %v", err)
	}
	// Decoding works as for any subject: ẑ = y·D + mean.
	z := make([]float32, p.K)
	roi := &sub.ROIs[0]
	copy(z, roi.Mean)
	y := sub.Pattern(-1, 0)
	scratch := make([]float32, p.K)
	for r, v := range roi.Index {
		row := roi.Rows(r, r+1, p.K, scratch)
		for j := range z {
			z[j] += y[v] * row[j]
		}
	}
	img := make([]float32, p.D())
	p.Image(z, img)
}

// A PCA bundle whose parts do not fit together is refused, with an error
// naming the file and what is wrong.
func TestLoadPCARefuses(t *testing.T) {
	s := loadFixture(t, fixture.Options{Voxels: 120, Subjects: 1, Seed: 3, PCA: true})
	data := readFile(t, s.dir, s.ix.PCA.File)
	rebuild := func(meta map[string]any, edit func(string, []int, []float32) (string, []int, []float32)) []byte {
		b, err := bundle.Parse(data, bundle.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		w := bundle.NewWriter()
		for _, k := range b.MetaKeys() {
			v, _ := b.Meta(k)
			w.SetMeta(k, v)
		}
		for k, v := range meta {
			w.SetMeta(k, v)
		}
		for _, name := range b.Names() {
			info, _ := b.Tensor(name)
			v, _ := b.Float32(name)
			if name, shape, v := edit(name, info.Shape, v); v != nil {
				w.AddFloat32(name, shape, v, quant.F32)
			}
		}
		out, err := w.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	keep := func(n string, sh []int, v []float32) (string, []int, []float32) { return n, sh, v }
	for _, tc := range []struct {
		name string
		meta map[string]any
		edit func(string, []int, []float32) (string, []int, []float32)
		want string
	}{
		{"kind", map[string]any{"kind": "generator"}, keep, `meta kind = "generator", want "pca"`},
		{"components", map[string]any{"components": int64(17)}, keep, "want the 17 components"},
		{"huge", map[string]any{"components": int64(1 << 40)}, keep, "meta components"},
		{"image size", map[string]any{"image_size": int64(8)}, keep, "tensor mean: shape [3 16 16], want [3 8 8]"},
		{"no mean", nil, func(n string, sh []int, v []float32) (string, []int, []float32) {
			if n == "mean" {
				return n, nil, nil
			}
			return n, sh, v
		}, "tensor mean"},
		{"band gap", nil, func(n string, sh []int, v []float32) (string, []int, []float32) {
			if n == "basis.001" {
				return "basis.002", sh, v
			}
			return n, sh, v
		}, "tensor basis.002: want basis.001"},
		{"band columns", nil, func(n string, sh []int, v []float32) (string, []int, []float32) {
			if n == "basis.001" {
				return n, []int{sh[0] * 2, sh[1] / 2}, v
			}
			return n, sh, v
		}, "tensor basis.001: shape [16 384], want (1…8, 768)"},
		{"missing band", nil, func(n string, sh []int, v []float32) (string, []int, []float32) {
			if n == "basis.001" {
				return n, nil, nil
			}
			return n, sh, v
		}, "8 rows in 1 bands, want the 16 components"},
		{"infinite", nil, func(n string, sh []int, v []float32) (string, []int, []float32) {
			if n == "basis.001" {
				v[9] = float32(math.NaN())
			}
			return n, sh, v
		}, "tensor basis.001: element 9 is not finite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := site.LoadPCA("pca.fmb", rebuild(tc.meta, tc.edit))
			if err == nil || !strings.HasPrefix(err.Error(), "pca.fmb: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// FuzzLoadPCA feeds PCA bundles to LoadPCA (the seed: the fixture's, written
// at start-up): a bundle it accepts must draw finite faces in [0, 1].
func FuzzLoadPCA(f *testing.F) {
	dir := f.TempDir()
	ix, err := fixture.Write(dir, fixture.Options{Subjects: 1, Voxels: 24, Faces: 2, Seed: 3, PCA: true, Quant: quant.Q3})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(readFile(f, dir, ix.PCA.File))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := site.LoadPCA("fuzz.fmb", data)
		if err != nil {
			return
		}
		if p.K*p.D() > 1<<24 {
			return // valid but big: drawing it is not the point here
		}
		z := make([]float32, p.K)
		for i := range z {
			z[i] = float32(i%5) - 2
		}
		img := make([]float32, p.D())
		p.Image(z, img)
		for i, v := range img {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("pixel %d is %v", i, v)
			}
		}
	})
}

// BenchmarkPCAImage draws one face from a paper-size PCA (1,024 components
// of 3·64·64 pixels, q3 as most of the real basis) read in place.
func BenchmarkPCAImage(b *testing.B) {
	dir := b.TempDir()
	ix, err := fixture.Write(dir, fixture.Options{Preset: "default", Subjects: 1, Voxels: 30, Faces: 2, Seed: 1, PCA: true, Quant: quant.Q3})
	if err != nil {
		b.Fatal(err)
	}
	p, err := site.LoadPCA(ix.PCA.File, readFile(b, dir, ix.PCA.File))
	if err != nil {
		b.Fatal(err)
	}
	z, img := make([]float32, p.K), make([]float32, p.D())
	for i := range z {
		z[i] = float32(i%7) - 3
	}
	b.ReportAllocs()
	for b.Loop() {
		p.Image(z, img)
	}
}
