package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fmriface/bundle"
	"fmriface/bundle/quant"
	"fmriface/contract/handoff"
	"fmriface/contract/sitedata"
	"fmriface/infer/arch"
	"fmriface/infer/fold"
	"fmriface/infer/nn"
	"fmriface/util/ckpt"
)

func osMkdir(dir string) error { return os.MkdirAll(dir, 0o755) }

func tinyFixture(t testing.TB) fixture {
	cfg, _ := arch.Preset("tiny")
	return newFixture(t, cfg, 2, 0)
}

func readIndex(t *testing.T, dir string) sitedata.Index {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ix sitedata.Index
	if err := json.Unmarshal(b, &ix); err != nil {
		t.Fatal(err)
	}
	return ix
}

func TestExportFixture(t *testing.T) {
	f := tinyFixture(t)
	var out bytes.Buffer
	if err := run(f.args(), &out, io.Discard); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Log("\n" + out.String())
	ix := readIndex(t, f.out)
	if ix.Format != "fmriface-site/1" || !ix.Simulated || ix.Notice == "" || len(ix.Subjects) != 2 {
		t.Fatalf("index: %+v", ix)
	}
	if ix.GeneratedBy.Date != "2025-01-02T03:04:05Z" {
		t.Errorf("index date %q, want the model's", ix.GeneratedBy.Date)
	}
	// Every listed file exists with the listed size and hash, and its name
	// carries its hash.
	listed := []sitedata.FileRef{ix.Generator}
	if ix.PCA == nil {
		t.Fatal("index lists no PCA bundle")
	}
	listed = append(listed, *ix.PCA)
	for _, s := range ix.Subjects {
		if s.Regions == nil || s.PCA == nil || s.PCA.Regions == nil {
			t.Fatalf("%s lacks its regions file or its PCA files", s.ID)
		}
		listed = append(listed, s.FileRef, *s.Regions, s.PCA.FileRef, *s.PCA.Regions)
	}
	for _, e := range listed {
		data, err := os.ReadFile(filepath.Join(f.out, e.File))
		if err != nil {
			t.Fatal(err)
		}
		of := outFile{Data: data}
		if int64(len(data)) != e.Bytes || of.SHA256() != e.SHA256 || !strings.Contains(e.File, "."+e.SHA256[:8]+".") {
			t.Errorf("%s: index says %d bytes %s, file has %d bytes %s", e.File, e.Bytes, e.SHA256, len(data), of.SHA256())
		}
	}
	checkExportReport(t, filepath.Join(f.out, "export-report.json"))
	checkGeneratorBundle(t, f, filepath.Join(f.out, ix.Generator.File))
	checkSubjectBundles(t, filepath.Join(f.out, ix.Subjects[0].File), filepath.Join(f.out, ix.Subjects[0].Regions.File))
}

// checkExportReport checks that the export report at path has the
// required fields and that they agree with the bars.
func checkExportReport(t *testing.T, path string) {
	t.Helper()
	var rep map[string]any
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"psnr_db", "latent_corr_min", "pairwise_changed_pairs", "bytes_total", "tensors", "vaegan", "pca", "bytes_parts"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("export-report.json has no %s", k)
		}
	}
	if rep["psnr_db"].(float64) < 40 || rep["latent_corr_min"].(float64) < 0.999 || rep["pairwise_changed_pairs"].(float64) > 1 {
		t.Errorf("bars: %v %v %v", rep["psnr_db"], rep["latent_corr_min"], rep["pairwise_changed_pairs"])
	}
	// Each space's bars and bytes, beside each other.
	var spaceBytes float64
	for _, space := range []string{"vaegan", "pca"} {
		sp, _ := rep[space].(map[string]any)
		for _, k := range []string{"psnr_db", "latent_corr_min", "pairwise_changed_pairs", "bytes_total", "dominant"} {
			if _, ok := sp[k]; !ok {
				t.Errorf("export-report.json: %s has no %s", space, k)
			}
		}
		if sp["psnr_db"].(float64) < 40 || sp["latent_corr_min"].(float64) < 0.999 || sp["pairwise_changed_pairs"].(float64) > 1 {
			t.Errorf("%s bars: %v %v %v", space, sp["psnr_db"], sp["latent_corr_min"], sp["pairwise_changed_pairs"])
		}
		spaceBytes += sp["bytes_total"].(float64)
	}
	if spaceBytes != rep["bytes_total"].(float64) {
		t.Errorf("the spaces' bytes add up to %v, the site's to %v", spaceBytes, rep["bytes_total"])
	}
	parts := rep["bytes_parts"].(map[string]any)
	for _, k := range []string{"first_face", "regions", "pca_comparison", "pca_regions"} {
		if v, _ := parts[k].(float64); v <= 0 {
			t.Errorf("bytes_parts.%s = %v", k, parts[k])
		}
	}
}

// checkGeneratorBundle checks the generator bundle at path independently
// of the exporter: batch norm folded, and run through nn it matches the
// float model on sub-01's test latents.
func checkGeneratorBundle(t *testing.T, f fixture, path string) {
	t.Helper()
	gb, err := bundle.Open(path, bundle.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range gb.Names() {
		if strings.Contains(name, ".bn.") {
			t.Errorf("generator bundle holds %s: batch norm not folded", name)
		}
	}
	archJSON, err := gb.MetaString("arch")
	if err != nil {
		t.Fatal(err)
	}
	var cfg arch.Config
	if err := json.Unmarshal([]byte(archJSON), &cfg); err != nil {
		t.Fatal(err)
	}
	folded := map[string][]float32{}
	for _, p := range fold.GeneratorParams(cfg) {
		if folded[p.Name], err = gb.Float32(p.Name); err != nil {
			t.Fatal(err)
		}
	}
	np, err := fold.NNParams(cfg, folded)
	if err != nil {
		t.Fatal(err)
	}
	got, err := nn.NewGenerator(cfg, np)
	if err != nil {
		t.Fatal(err)
	}
	m, err := loadModel(f.model)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := nn.NewGenerator(cfg, m.Params)
	s, err := handoff.Read(handoff.Path(f.fmri, "sub-01"))
	if err != nil {
		t.Fatal(err)
	}
	a, c := make([]float32, 3*cfg.ImageSize*cfg.ImageSize), make([]float32, 3*cfg.ImageSize*cfg.ImageSize)
	var se float64
	for i := 0; i < s.NTest(); i++ {
		z := s.TestLatents[i*cfg.Latent : (i+1)*cfg.Latent]
		want.Generate(z, a)
		got.Generate(z, c)
		for k := range a {
			se += float64((a[k] - c[k]) * (a[k] - c[k]))
		}
	}
	if p := psnr(se / float64(s.NTest()*len(a))); p < 40 {
		t.Errorf("independent check: PSNR %.2f dB < 40", p)
	}
}

// checkSubjectBundles checks that sub-01's subject bundle and regions file
// say what the contract says, the region decoders in the regions file
// only.
func checkSubjectBundles(t *testing.T, subject, regions string) {
	t.Helper()
	sb, err := bundle.Open(subject, bundle.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := sb.MetaString("subject"); id != "sub-01" {
		t.Errorf("subject meta %q", id)
	}
	if sim, _ := sb.MetaBool("simulated"); !sim {
		t.Error("subject bundle not marked simulated")
	}
	for _, name := range []string{"voxels.ijk", "voxels.roi", "grid.shape", "decoder.all", "roi.occipital", "roi.temporal", "latent.mean",
		"test.patterns", "test.subset_trials", "test.latents", "test.male", "imagery.pattern", "imagery.latents"} {
		if _, err := sb.Tensor(name); err != nil {
			t.Errorf("subject bundle: %v", err)
		}
	}
	// The other regions' decoders and the fewer-trial patterns are in the
	// regions file, and only there.
	rb, err := bundle.Open(regions, bundle.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if kind, _ := rb.MetaString(bundle.KeyKind); kind != "subject-regions" {
		t.Errorf("regions file kind %q", kind)
	}
	if id, _ := rb.MetaString("subject"); id != "sub-01" {
		t.Errorf("regions file subject %q", id)
	}
	for _, name := range []string{"decoder.occipital", "decoder.temporal", "decoder.frontoparietal", "test.subsets"} {
		if _, err := rb.Tensor(name); err != nil {
			t.Errorf("regions file: %v", err)
		}
		if _, err := sb.Tensor(name); err == nil {
			t.Errorf("subject bundle also holds %s", name)
		}
	}
	if got := rb.Names(); len(got) != 4 {
		t.Errorf("regions file holds %v, want the three region decoders and test.subsets", got)
	}
	if info, _ := sb.Tensor("voxels.ijk"); info.DType != bundle.I16 {
		t.Errorf("voxels.ijk stored as %v", info.DType)
	}
}

// contractDecode is the subject file's contract, written out here apart
// from the exporter's code: ẑ = y[roi]·D + latent.mean for each of the
// patterns (rows of V values).
func contractDecode(D []float32, idx []int32, mean, patterns []float32, V int) [][]float64 {
	L := len(mean)
	var out [][]float64
	for y := range slices.Chunk(patterns, V) {
		z := make([]float64, L)
		for j := range z {
			z[j] = float64(mean[j])
			for k, v := range idx {
				z[j] += float64(y[v]) * float64(D[k*L+j])
			}
		}
		out = append(out, z)
	}
	return out
}

// The exporter decodes the way the analysis does, ẑ = y·D + latent.mean
// (the uncentred latents): its float pipeline gives those latents for every
// ROI and pattern set, the index's pairwise_float is their pairwise
// accuracy, and decoding the written bundle with its own decoder.all and
// latent.mean gives the same accuracy. The fixture's mean is large enough
// that a pipeline without it fails the first check.
func TestDecodesWithLatentMean(t *testing.T) {
	f := tinyFixture(t)
	// No flipped pair allowed, so the bundle's accuracy must equal the float one.
	if err := run(f.args("--pairwise", "0"), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	ix := readIndex(t, f.out)
	for _, ref := range ix.Subjects {
		t.Run(ref.ID, func(t *testing.T) {
			s, err := handoff.Read(handoff.Path(f.fmri, ref.ID))
			if err != nil {
				t.Fatal(err)
			}
			e, err := newSubjectEval(s)
			if err != nil {
				t.Fatal(err)
			}
			V, L := s.NVoxels(), s.Latent
			sets := map[string][]float32{"test.patterns": s.TestPatterns, "test.subsets": s.TestSubsets, "imagery.pattern": s.ImageryPattern}
			for _, r := range s.ROIs {
				for name, y := range sets {
					want := contractDecode(r.Decoder, r.Voxels, s.LatentMean, y, V)
					for i, z := range e.dec[r.Name][name] {
						for j := range z {
							if d := math.Abs(z[j] - want[i][j]); d > 1e-9*(1+math.Abs(want[i][j])) {
								t.Fatalf("ROI %s %s[%d][%d]: exporter decodes %v, y·D + latent.mean is %v", r.Name, name, i, j, z[j], want[i][j])
							}
						}
					}
				}
			}
			all, _ := s.ROI("all")
			truth := rows64(s.TestLatents, L)
			want := accuracy(t, contractDecode(all.Decoder, all.Voxels, s.LatentMean, s.TestPatterns, V), truth)
			if ref.PairwiseFloat != want {
				t.Errorf("index pairwise_float %v, y·D + latent.mean gives %v", ref.PairwiseFloat, want)
			}

			b, err := bundle.Open(filepath.Join(f.out, ref.File), bundle.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if info, err := b.Tensor("latent.mean"); err != nil || !slices.Equal(info.Shape, []int{L}) || (info.DType != bundle.F32 && info.DType != bundle.F16) {
				t.Fatalf("latent.mean in the bundle: %+v, %v; want (%d) stored as f32 or f16", info, err, L)
			}
			get := func(name string) []float32 {
				v, err := b.Float32(name)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			idx, err := b.Int32("roi.all")
			if err != nil {
				t.Fatal(err)
			}
			got := accuracy(t, contractDecode(get("decoder.all"), idx, get("latent.mean"), get("test.patterns"), V), rows64(get("test.latents"), L))
			if got != want {
				t.Errorf("pairwise from the written bundle %v, from the float pipeline %v", got, want)
			}
		})
	}
}

func accuracy(t *testing.T, decoded, truth [][]float64) float64 {
	t.Helper()
	_, p, err := pairwise(decoded, truth)
	if err != nil {
		t.Fatal(err)
	}
	return p.Accuracy
}

func TestDeterministic(t *testing.T) {
	f := tinyFixture(t)
	snapshot := func() map[string][]byte {
		if err := run(f.args(), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		m := map[string][]byte{}
		ents, _ := os.ReadDir(f.out)
		for _, e := range ents {
			m[e.Name()], _ = os.ReadFile(filepath.Join(f.out, e.Name()))
		}
		return m
	}
	a := snapshot()
	b := snapshot()
	if len(a) != len(b) || len(a) != 12 {
		t.Fatalf("first run wrote %d files, second %d (want 12: index, report, generator, 2 subjects with their regions files, the PCA and its 2 subjects with theirs)", len(a), len(b))
	}
	for name, data := range a {
		if !bytes.Equal(data, b[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	// A changed input gives new names, and the old bundles are removed.
	s, _ := handoff.Read(handoff.Path(f.fmri, "sub-02"))
	s.TestPatterns[0] += 1
	if err := handoff.Write(handoff.Path(f.fmri, "sub-02"), s); err != nil {
		t.Fatal(err)
	}
	c := snapshot()
	if len(c) != 12 {
		t.Fatalf("after a change, %d files in the output (stale bundles left?)", len(c))
	}
	ix := readIndex(t, f.out)
	if _, same := a[ix.Subjects[1].File]; same {
		t.Error("changed subject kept its file name")
	}
	if _, same := a[ix.Subjects[0].File]; !same {
		t.Error("unchanged subject changed its file name")
	}
}

// exportReport runs the exporter on f with the extra flags and returns its
// per-tensor report.
func exportReport(t *testing.T, f fixture, extra ...string) []choice {
	t.Helper()
	if err := run(f.args(extra...), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Tensors []choice `json:"tensors"`
	}
	b, err := os.ReadFile(filepath.Join(f.out, "export-report.json"))
	if err == nil {
		err = json.Unmarshal(b, &rep)
	}
	if err != nil {
		t.Fatal(err)
	}
	return rep.Tensors
}

// The choice is by measured error: a generator whose faces are extremely
// sensitive (bars at a very high PSNR) must use wider encodings than the
// default bars, and a tensor whose own bound q3 meets is stored as q3.
func TestQuantizationChoice(t *testing.T) {
	f := tinyFixture(t)
	kinds := func(extra ...string) map[string]string {
		k := map[string]string{}
		for _, c := range exportReport(t, f, extra...) {
			k[c.Bundle+"/"+c.Name] = c.Kind
			if c.Kind != "f32" && c.Effect > c.Bound && c.Escalate == 0 {
				t.Errorf("%s/%s: effect %g above its bound %g", c.Bundle, c.Name, c.Effect, c.Bound)
			}
			// A tensor on a uniform grid (scale floors) is chosen by its
			// step, not by the ladder.
			if c.Kind != "q3" && len(c.Rejected) == 0 && c.FloorMax == 0 {
				t.Errorf("%s/%s stored as %s with no cheaper encoding rejected", c.Bundle, c.Name, c.Kind)
			}
		}
		return k
	}
	loose := kinds("--psnr", "20", "--corr", "0.9")
	strict := kinds("--psnr", "90", "--corr", "0.9999999")
	rank := kindRank
	wider := 0
	for name, k := range loose {
		if rank[strict[name]] < rank[k] {
			t.Errorf("%s: strict bars chose %s, loose bars %s", name, strict[name], k)
		}
		if rank[strict[name]] > rank[k] {
			wider++
		}
	}
	if wider == 0 {
		t.Error("strict bars changed no encoding")
	}
	if loose["generator/gen.fc.w"] != "q3" {
		t.Errorf("gen.fc.w under loose bars: %s, want q3", loose["generator/gen.fc.w"])
	}
	if kindRank[strict["generator/gen.fc.w"]] <= kindRank["q4"] {
		t.Errorf("gen.fc.w under 90 dB: %s", strict["generator/gen.fc.w"])
	}
}

// kindRank orders the encodings as the exporter's ladder tries them.
var kindRank = map[string]int{"q3": 0, "q4": 1, "q8": 2, "f16": 3, "f32": 4}

func TestBarsMissed(t *testing.T) {
	f := tinyFixture(t)
	// 200 dB cannot be reached even in float32 (folding rounds): the
	// exporter must fail, say why, and not write an index.
	err := run(f.args("--psnr", "200"), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PSNR") {
		t.Fatalf("error %v, want a PSNR failure", err)
	}
	if _, err := os.Stat(filepath.Join(f.out, "index.json")); !os.IsNotExist(err) {
		t.Fatal("index.json written although a bar failed")
	}
}

func TestBadInputs(t *testing.T) {
	f := tinyFixture(t)
	m, err := ckpt.Load(f.model)
	if err != nil {
		t.Fatal(err)
	}
	save := func(t *testing.T, edit func(ts map[string]ckpt.Tensor)) string {
		ts := map[string]ckpt.Tensor{}
		for k, v := range m.Tensors {
			ts[k] = v
		}
		edit(ts)
		var list []ckpt.Tensor
		for _, n := range m.Order {
			if tt, ok := ts[n]; ok {
				list = append(list, tt)
			}
		}
		p := filepath.Join(t.TempDir(), "model.npz")
		if err := ckpt.Save(p, m.Meta, list, ckpt.Float16); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name  string
		args  func(t *testing.T) []string
		wants []string
	}{
		{"missing tensor", func(t *testing.T) []string {
			p := save(t, func(ts map[string]ckpt.Tensor) { delete(ts, "gen.deconv1.bn.mean") })
			return f.args("--model", p)
		}, []string{"model.npz", "missing tensor gen.deconv1.bn.mean"}},
		{"wrong shape", func(t *testing.T) []string {
			p := save(t, func(ts map[string]ckpt.Tensor) {
				w := ts["gen.deconv2.w"]
				w.Shape = []int{w.Shape[1], w.Shape[0], w.Shape[2], w.Shape[3]}
				ts["gen.deconv2.w"] = w
			})
			return f.args("--model", p)
		}, []string{"model.npz", "tensor gen.deconv2.w has shape [3 4 3 3], want [4 3 3 3]"}},
		{"missing axes", func(t *testing.T) []string {
			return f.args("--axes", filepath.Join(f.dir, "nope.npz"))
		}, []string{"nope.npz", "trainer faces eval"}},
		{"no subjects", func(t *testing.T) []string {
			return f.args("--fmri", t.TempDir())
		}, []string{"no sub-*/decoders.npz"}},
		{"subject array", func(t *testing.T) []string {
			dir := t.TempDir()
			s, _ := handoff.Read(handoff.Path(f.fmri, "sub-01"))
			p := handoff.Path(dir, "sub-01")
			if err := handoff.Write(p, s); err != nil {
				t.Fatal(err)
			}
			sf, _ := ckpt.Load(p)
			var list []ckpt.Tensor
			for _, n := range sf.Order {
				if n != "imagery.pattern" {
					list = append(list, sf.Tensors[n])
				}
			}
			ckpt.Save(p, sf.Meta, list, ckpt.Float32)
			return f.args("--fmri", dir)
		}, []string{"sub-01/decoders.npz", "missing array imagery.pattern"}},
		{"latent mismatch", func(t *testing.T) []string {
			dir := t.TempDir()
			s, _ := handoff.Synthetic(handoff.SyntheticOptions{ID: "sub-01", Latent: 8})
			handoff.Write(handoff.Path(dir, "sub-01"), s)
			return f.args("--fmri", dir)
		}, []string{"latent size 8", "has 16"}},
		{"not a model", func(t *testing.T) []string {
			p := filepath.Join(t.TempDir(), "model.npz")
			os.WriteFile(p, []byte("hello"), 0o644)
			return f.args("--model", p)
		}, []string{"model.npz"}},
		{"bad flag", func(t *testing.T) []string { return f.args("--corr", "2") }, []string{"--corr 2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := run(c.args(t), io.Discard, io.Discard)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

var _ = quant.F32

// A stricter pairwise bar makes the exporter widen encodings until no pair
// flips (the noisy fixture flips one at the default bar of 1).
func TestPairwiseBarEscalates(t *testing.T) {
	f := tinyFixture(t)
	flips := func(extra ...string) (int, int) {
		if err := run(f.args(extra...), io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		var rep report
		b, _ := os.ReadFile(filepath.Join(f.out, "export-report.json"))
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		escalated := 0
		for _, c := range rep.Tensors {
			escalated += c.Escalate
		}
		return rep.PairwiseChangedPairs, escalated
	}
	loose, _ := flips()
	strict, esc := flips("--pairwise", "0")
	t.Logf("flipped pairs: %d at --pairwise 1, %d at --pairwise 0 (%d escalations)", loose, strict, esc)
	if strict != 0 {
		t.Fatalf("%d pairs flipped under --pairwise 0", strict)
	}
	if loose > 0 && esc == 0 {
		t.Fatal("no tensor was widened although the default bar let pairs flip")
	}
}

// The decoders' calibrated rounding (gptq, the default) is recorded in the
// report and shrinks their measured effect against plain rounding in the
// same encoding; --gptq=false turns it off.
func TestDecoderRounding(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	// Many more voxels than patterns, as in the real subjects (the tiny
	// fixture's few voxels leave the rounding no room).
	f := newFixture(t, cfg, 1, 900)
	report := func(extra ...string) map[string]choice {
		m := map[string]choice{}
		for _, c := range exportReport(t, f, extra...) {
			m[c.Bundle+"/"+c.Name] = c
		}
		return m
	}
	calibrated := report("--corr", "0.99")
	plain := report("--corr", "0.99", "--gptq=false")
	better := 0
	for name, c := range calibrated {
		isDecoder := strings.Contains(name, "/decoder.")
		quantized := c.Kind == "q3" || c.Kind == "q4" || c.Kind == "q8"
		if got, want := c.Rounding == "gptq", isDecoder && quantized; got != want {
			t.Errorf("%s (%s): rounding %q", name, c.Kind, c.Rounding)
		}
		if p := plain[name]; p.Rounding != "" {
			t.Errorf("%s: rounding %q with --gptq=false", name, p.Rounding)
		} else if isDecoder && quantized && (p.Kind == c.Kind && c.Effect < p.Effect/2 || kindRank[c.Kind] < kindRank[p.Kind]) {
			better++ // half the error in the same encoding, or a smaller encoding than plain rounding needs
		}
		if isDecoder {
			t.Logf("%s: %s %.3g calibrated, %s %.3g plain", name, c.Kind, c.Effect, plain[name].Kind, plain[name].Effect)
		}
	}
	if better == 0 {
		t.Error("the calibrated rounding improved no decoder")
	}
}

// Decoders of more voxels than --gptq-max-voxels are rounded plainly, with
// a note saying why, and the export still meets its bars; smaller ones keep
// the calibrated rounding.
func TestGPTQVoxelCap(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	f := newFixture(t, cfg, 1, 900)
	for _, tc := range []struct {
		name   string
		cap    string
		capped func(rows int) bool
	}{
		{"cap between the ROIs and all", "600", func(rows int) bool { return rows > 600 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			for _, c := range exportReport(t, f, "--corr", "0.99", "--gptq-max-voxels", tc.cap) {
				if !strings.Contains(c.Name, "decoder.") {
					continue
				}
				quantized := c.Kind == "q3" || c.Kind == "q4" || c.Kind == "q8"
				if tc.capped(c.Shape[0]) {
					n++
					if c.Rounding != "" || !strings.Contains(c.Note, "plain rounding") {
						t.Errorf("%s/%s (%d voxels): rounding %q, note %q; want plain rounding with a note", c.Bundle, c.Name, c.Shape[0], c.Rounding, c.Note)
					}
				} else if quantized && (c.Rounding != "gptq" || c.Note != "") {
					t.Errorf("%s/%s (%d voxels): rounding %q, note %q; want gptq", c.Bundle, c.Name, c.Shape[0], c.Rounding, c.Note)
				}
			}
			if n == 0 {
				t.Error("no decoder was over the cap")
			}
		})
	}
}
