package site_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fmriface/bundle"
	"fmriface/bundle/quant"
	"fmriface/contract/sitedata"
	"fmriface/infer/arch"
	"fmriface/infer/nn"
	"fmriface/infer/site"
	"fmriface/site/fixture"
)

// fixtureData is a small site data folder written by site/fixture, with its
// index and its generator loaded.
type fixtureData struct {
	dir   string
	ix    *sitedata.Index
	model *site.Model
}

func loadFixture(t testing.TB, o fixture.Options) *fixtureData {
	t.Helper()
	dir := t.TempDir()
	ix, err := fixture.Write(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	gen, err := os.ReadFile(filepath.Join(dir, ix.Generator.File))
	if err != nil {
		t.Fatal(err)
	}
	m, err := site.LoadModel(ix.Generator.File, gen)
	if err != nil {
		t.Fatal(err)
	}
	return &fixtureData{dir: dir, ix: ix, model: m}
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	s := loadFixture(t, fixture.Options{Voxels: 120, Subjects: 1, Seed: 3})
	data, err := os.ReadFile(filepath.Join(s.dir, s.ix.Subjects[0].File))
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(data)
	flipped[len(flipped)/2] ^= 1
	if _, err := site.LoadSubject("sub.fmb", flipped, s.model.Latent()); err == nil || !strings.HasPrefix(err.Error(), "sub.fmb:") {
		t.Errorf("damaged subject: %v", err)
	}
	if _, err := site.LoadSubject("sub.fmb", data, s.model.Latent()+1); err == nil || !strings.Contains(err.Error(), "decoder.all") {
		t.Errorf("wrong latent size: %v", err)
	}
	if _, err := site.LoadModel("gen.fmb", data); err == nil || !strings.Contains(err.Error(), "gen.fmb: meta arch") {
		t.Errorf("subject bundle as a model: %v", err)
	}
	if _, err := site.LoadModel("gen.fmb", data[:100]); err == nil || !strings.HasPrefix(err.Error(), "gen.fmb:") {
		t.Errorf("truncated model: %v", err)
	}
	// The generator's weights are checked once, by nn, which names the tensor.
	gen, err := os.ReadFile(filepath.Join(s.dir, s.ix.Generator.File))
	if err != nil {
		t.Fatal(err)
	}
	nan := rebuildBundle(t, gen, func(name string, shape []int, v []float32) ([]int, []float32) {
		if name == "gen.fc.w" {
			v[5] = float32(math.Inf(-1))
		}
		return shape, v
	})
	if _, err := site.LoadModel("gen.fmb", nan); err == nil || !strings.HasPrefix(err.Error(), "gen.fmb:") || !strings.Contains(err.Error(), "gen.fc.w[5] is -Inf") {
		t.Errorf("non-finite weight: %v", err)
	}
}

// TestVerifiedLoadsSkipOnlyTheChecksums: the Verified loaders (used by the
// page, which has checked each file's SHA-256) accept bytes whose bundle
// checksums no longer match, and still refuse a truncated or mislabelled file.
func TestVerifiedLoadsSkipOnlyTheChecksums(t *testing.T) {
	s := loadFixture(t, fixture.Options{Voxels: 120, Subjects: 1, Seed: 3})
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sub, gen := read(s.ix.Subjects[0].File), read(s.ix.Generator.File)
	if _, err := site.LoadSubjectVerified("sub.fmb", sub, s.model.Latent()); err != nil {
		t.Fatalf("intact subject: %v", err)
	}
	if _, err := site.LoadModelVerified("gen.fmb", gen); err != nil {
		t.Fatalf("intact model: %v", err)
	}
	// A changed trailer byte fails the checksum, not the structure.
	resealed := bytes.Clone(sub)
	resealed[len(resealed)-1] ^= 1
	if _, err := site.LoadSubject("sub.fmb", resealed, s.model.Latent()); err == nil {
		t.Error("LoadSubject accepted a wrong SHA-256 trailer")
	}
	if _, err := site.LoadSubjectVerified("sub.fmb", resealed, s.model.Latent()); err != nil {
		t.Errorf("LoadSubjectVerified checked the trailer: %v", err)
	}
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"truncated subject": {sub[:len(sub)/2], "sub.fmb:"},
		"subject as model":  {sub, "meta arch"},
	} {
		var err error
		if strings.Contains(name, "model") {
			_, err = site.LoadModelVerified("sub.fmb", tc.data)
		} else {
			_, err = site.LoadSubjectVerified("sub.fmb", tc.data, s.model.Latent())
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", name, err, tc.want)
		}
	}
}

// rebuildBundle parses a bundle and writes it again with every metadata key
// and tensor, except that edit may replace (or, returning nil, drop) a float
// tensor.
func rebuildBundle(t *testing.T, data []byte, edit func(name string, shape []int, v []float32) ([]int, []float32)) []byte {
	t.Helper()
	return rebuildBundleWith(t, data, nil, edit)
}

// rebuildBundleWith is rebuildBundle that lets more (if not nil) add to the
// writer, once every tensor is in, before it writes the bundle.
func rebuildBundleWith(t *testing.T, data []byte, more func(*bundle.Writer), edit func(name string, shape []int, v []float32) ([]int, []float32)) []byte {
	t.Helper()
	b, err := bundle.Parse(data, bundle.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	w := bundle.NewWriter()
	for _, k := range b.MetaKeys() {
		v, _ := b.Meta(k)
		w.SetMeta(k, v)
	}
	for _, name := range b.Names() {
		info, _ := b.Tensor(name)
		switch info.DType {
		case bundle.I16:
			v, _ := b.Int16(name)
			w.AddInt16(name, info.Shape, v)
		case bundle.U8:
			v, _ := b.Uint8(name)
			w.AddUint8(name, info.Shape, v)
		case bundle.I32:
			v, _ := b.Int32(name)
			w.AddInt32(name, info.Shape, v)
		default:
			v, err := b.Float32(name)
			if err != nil {
				t.Fatal(err)
			}
			shape := info.Shape
			if shape, v = edit(name, shape, v); v != nil {
				w.AddFloat32(name, shape, v, quant.F32)
			}
		}
	}
	if more != nil {
		more(w)
	}
	out, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// latent.mean is part of the contract: a subject bundle without it (or with
// a broken one) is refused with an error naming the file and the tensor, and
// a good one gives every region the same mean.
func TestLoadSubjectLatentMean(t *testing.T) {
	s := loadFixture(t, fixture.Options{Voxels: 120, Subjects: 1, Seed: 3})
	data, err := os.ReadFile(filepath.Join(s.dir, s.ix.Subjects[0].File))
	if err != nil {
		t.Fatal(err)
	}
	l := s.model.Latent()
	for _, tc := range []struct {
		name string
		edit func(shape []int, v []float32) ([]int, []float32)
		want string // "" loads
	}{
		{"unchanged", func(shape []int, v []float32) ([]int, []float32) { return shape, v }, ""},
		{"missing", func([]int, []float32) ([]int, []float32) { return nil, nil }, "sub.fmb: tensor latent.mean: "},
		{"shape", func(_ []int, v []float32) ([]int, []float32) { return []int{1, l}, v }, fmt.Sprintf("sub.fmb: tensor latent.mean: shape [1 %d], want 1 dims", l)},
		{"nan", func(shape []int, v []float32) ([]int, []float32) {
			v[2] = float32(math.NaN())
			return shape, v
		}, "sub.fmb: tensor latent.mean: element 2 is NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := rebuildBundle(t, data, func(name string, shape []int, v []float32) ([]int, []float32) {
				if name == "latent.mean" {
					return tc.edit(shape, v)
				}
				return shape, v
			})
			sub, err := site.LoadSubject("sub.fmb", bad, l)
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want an error containing %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(sub.Mean) != l || slices.Equal(sub.Mean, make([]float32, l)) {
				t.Fatalf("mean %v: want %d values, not all zero (the fixture's mean is not)", sub.Mean, l)
			}
			for k := range sitedata.NumROIs {
				if !slices.Equal(sub.ROIs[k].Mean, sub.Mean) {
					t.Errorf("region %s has mean %v, the subject %v", sub.ROIs[k].Name, sub.ROIs[k].Mean, sub.Mean)
				}
			}
		})
	}
}

// TestFoldedGenerator checks the folded-batch-norm shim: a generator bundle
// written in the site layout (bias on every layer) must decode exactly like
// nn's generator built from the unfolded weights it came from.
func TestFoldedGenerator(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	rng := rand.New(rand.NewPCG(7, 7))
	params := map[string][]float32{}
	for _, p := range cfg.Params() {
		v := make([]float32, p.Size())
		for i := range v {
			switch {
			case strings.HasSuffix(p.Name, ".bn.var"):
				v[i] = 0.5 + rng.Float32()
			case strings.HasSuffix(p.Name, ".bn.gamma"):
				v[i] = 0.5 + rng.Float32()
			default:
				v[i] = float32(0.3 * rng.NormFloat64())
			}
		}
		params[p.Name] = v
	}
	ref, err := nn.NewGenerator(cfg, params)
	if err != nil {
		t.Fatal(err)
	}
	w := bundle.NewWriter()
	js, _ := json.Marshal(cfg)
	w.SetMeta("arch", string(js))
	w.AddFloat32("gen.fc.w", []int{cfg.Latent, len(params["gen.fc.b"])}, params["gen.fc.w"], quant.F32)
	w.AddFloat32("gen.fc.b", []int{len(params["gen.fc.b"])}, params["gen.fc.b"], quant.F32)
	pad, outPad := arch.DeconvPad(cfg.GenKernel)
	for i, cin := range cfg.GenChannels {
		name := "gen.deconv" + string(rune('1'+i))
		cout := 3
		if i+1 < len(cfg.GenChannels) {
			cout = cfg.GenChannels[i+1]
		}
		l := nn.Deconv2D{Cin: cin, Cout: cout, K: cfg.GenKernel, Stride: 2, Pad: pad, OutPad: outPad,
			W: append([]float32(nil), params[name+".w"]...)}
		if i+1 < len(cfg.GenChannels) {
			l.FoldScaleShift(nn.BNScaleShift(params[name+".bn.gamma"], params[name+".bn.beta"],
				params[name+".bn.mean"], params[name+".bn.var"], arch.BNEpsilon))
		} else {
			l.B = params[name+".b"]
		}
		w.AddFloat32(name+".w", []int{cin, cout, cfg.GenKernel, cfg.GenKernel}, l.W, quant.F32)
		w.AddFloat32(name+".b", []int{cout}, l.B, quant.F32)
	}
	w.AddFloat32("axis.male", []int{cfg.Latent}, make([]float32, cfg.Latent), quant.F32)
	w.AddFloat32("axis.smile", []int{cfg.Latent}, make([]float32, cfg.Latent), quant.F32)
	data, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	m, err := site.LoadModel("folded.fmb", data)
	if err != nil {
		t.Fatal(err)
	}
	z := make([]float32, cfg.Latent)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	n := 3 * cfg.ImageSize * cfg.ImageSize
	want, got := make([]float32, n), make([]float32, n)
	if err := ref.Generate(z, want); err != nil {
		t.Fatal(err)
	}
	if err := m.Gen.Generate(z, got); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if d := math.Abs(float64(want[i] - got[i])); d > 1e-5 {
			t.Fatalf("pixel %d: folded %v, unfolded %v", i, got[i], want[i])
		}
	}
}

// A subject bundle is refused, with an error naming the file and the tensor,
// when its float tensors do not fit together; the region decoders come all in
// the bundle or all in the regions file.
func TestLoadSubjectRefuses(t *testing.T) {
	s := loadFixture(t, fixture.Options{Voxels: 120, Subjects: 1, Seed: 3, OneFile: true})
	data, err := os.ReadFile(filepath.Join(s.dir, s.ix.Subjects[0].File))
	if err != nil {
		t.Fatal(err)
	}
	l := s.model.Latent()
	drop := func(which string) func(string, []int, []float32) ([]int, []float32) {
		return func(name string, shape []int, v []float32) ([]int, []float32) {
			if name == which {
				return nil, nil
			}
			return shape, v
		}
	}
	for _, tc := range []struct {
		name string
		edit func(string, []int, []float32) ([]int, []float32)
		want string
	}{
		{"one region decoder missing", drop("decoder.temporal"), "sub.fmb: 2 of the 3 region decoders"},
		{"no decoder.all", drop("decoder.all"), "sub.fmb: tensor decoder.all"},
		{"no imagery pattern", drop("imagery.pattern"), "sub.fmb: tensor imagery.pattern"},
		{"latents of another size", func(name string, shape []int, v []float32) ([]int, []float32) {
			if name == "test.latents" {
				return []int{shape[0], shape[1] - 1}, v[:shape[0]*(shape[1]-1)]
			}
			return shape, v
		}, "sub.fmb: tensor test.latents"},
		{"infinite pattern", func(name string, shape []int, v []float32) ([]int, []float32) {
			if name == "test.patterns" {
				v[7] = float32(math.Inf(1))
			}
			return shape, v
		}, "sub.fmb: tensor test.patterns: element 7 is +Inf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := site.LoadSubject("sub.fmb", rebuildBundle(t, data, tc.edit), l)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	sub, err := site.LoadSubject("sub.fmb", data, l)
	if err != nil {
		t.Fatal(err)
	}
	if sub.RegionsPending() {
		t.Error("a one-file subject waits for a regions file")
	}
	if err := sub.AddRegions("r.fmb", data); err == nil || !strings.HasPrefix(err.Error(), "r.fmb: subject sub-01 already has its region decoders") {
		t.Errorf("regions added to a one-file subject: %v", err)
	}
}

// The fewer-trial patterns come in the regions file, as the exporter ships
// them (the first view shows all trials): the subject knows its subsets
// from test.subset_trials and has their patterns once AddRegions has read
// them; a regions file without them (or with them where the subject bundle
// has them already) is refused, naming the file and the tensor. A one-file
// subject has them at once.
func TestSubsetsInRegionsFile(t *testing.T) {
	s := loadFixture(t, fixture.Options{Voxels: 120, Subjects: 1, Seed: 5})
	ref := s.ix.Subjects[0]
	core := readFile(t, s.dir, ref.File)
	regions := readFile(t, s.dir, ref.Regions.File)
	load := func() *site.Subject {
		sub, err := site.LoadSubject(ref.File, core, s.model.Latent())
		if err != nil {
			t.Fatal(err)
		}
		return sub
	}
	sub := load()
	if !sub.SubsetsPending() || sub.R() == 0 || sub.Subsets != nil {
		t.Fatalf("core bundle: subsets pending %v, R %d, %d values", sub.SubsetsPending(), sub.R(), len(sub.Subsets))
	}
	noSubsets := rebuildBundle(t, regions, func(name string, shape []int, v []float32) ([]int, []float32) {
		if name == "test.subsets" {
			return nil, nil
		}
		return shape, v
	})
	wrongShape := rebuildBundle(t, regions, func(name string, shape []int, v []float32) ([]int, []float32) {
		if name == "test.subsets" {
			return []int{shape[0] - 1, shape[1], shape[2]}, v[:(shape[0]-1)*shape[1]*shape[2]]
		}
		return shape, v
	})
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"none.fmb", noSubsets, "none.fmb: tensor test.subsets: missing"},
		{"short.fmb", wrongShape, "short.fmb: tensor test.subsets: shape"},
	} {
		err := sub.AddRegions(c.name, c.data)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error starting %q", c.name, err, c.want)
		}
		if !sub.SubsetsPending() || !sub.RegionsPending() {
			t.Fatalf("%s: a refused regions file changed the subject", c.name)
		}
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Pattern of a pending subset did not panic")
			}
		}()
		sub.Pattern(0, 0)
	}()
	if err := sub.AddRegions(ref.Regions.File, regions); err != nil {
		t.Fatal(err)
	}
	if sub.SubsetsPending() || len(sub.Subsets) != sub.R()*sub.N*sub.V {
		t.Fatalf("after the regions file: pending %v, %d values", sub.SubsetsPending(), len(sub.Subsets))
	}
	// The same patterns as a one-file subject's.
	one := loadFixture(t, fixture.Options{Voxels: 120, Subjects: 1, Seed: 5, OneFile: true})
	whole, err := site.LoadSubject(one.ix.Subjects[0].File, readFile(t, one.dir, one.ix.Subjects[0].File), one.model.Latent())
	if err != nil {
		t.Fatal(err)
	}
	if whole.SubsetsPending() || !slices.Equal(whole.Subsets, sub.Subsets) {
		t.Error("the regions file's subsets differ from the one-file subject's")
	}
	// A subject bundle that has its subsets takes none from a regions file.
	both := addTensor(t, core, "test.subsets", whole.Subsets, []int{whole.R(), whole.N, whole.V})
	sub2, err := site.LoadSubject("both.fmb", both, s.model.Latent())
	if err != nil {
		t.Fatal(err)
	}
	if sub2.SubsetsPending() {
		t.Fatal("a subject bundle with its subsets says they are pending")
	}
	if err := sub2.AddRegions("r.fmb", regions); err == nil || !strings.Contains(err.Error(), "r.fmb: tensor test.subsets: the subject bundle has them already") {
		t.Errorf("subsets in both files: %v", err)
	}
}

// addTensor returns bundle data with one more float32 tensor (the float
// tensors rewritten as float32, as rebuildBundle does).
func addTensor(t *testing.T, data []byte, name string, v []float32, shape []int) []byte {
	t.Helper()
	return rebuildBundleWith(t, data, func(w *bundle.Writer) {
		if err := w.AddFloat32(name, shape, v, quant.F32); err != nil {
			t.Fatal(err)
		}
	}, func(_ string, sh []int, x []float32) ([]int, []float32) { return sh, x })
}
