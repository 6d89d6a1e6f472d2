package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"fmriface/face/celeba"
	"fmriface/neuro/sim"
	"fmriface/trainer/gorgoniablas"
	"fmriface/trainer/vaegan"
	"fmriface/util/ckpt"
	"fmriface/util/progress"
	"fmriface/util/version"
)

// LabFormat marks the lab data file (trainer fmri lab → exporter).
const LabFormat = "fmriface-lab"

// fmriLab writes the data of the app's Lab panel (issue 22; package
// neuro/lab): the simulator's drive of every subject's voxels for a fixed
// set of faces, kept as K stimulus features × per-voxel loadings (a truncated
// SVD over the faces of all subjects' drives), and the faces' true latents.
func fmriLab(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("fmri lab", flag.ExitOnError)
	faces := fs.String("faces", "../shared/faces/celeba", "face images (CelebA-style folder)")
	design := fs.String("design", "../shared/ds001761-design", "the ds001761 design the subjects follow")
	model := fs.String("model", "models/default/model.npz", "face model (its encoder gives the VAE-GAN latents)")
	splitPath := fs.String("split", "models/default/split.json", "the face model's person split")
	cache := fs.String("cache", "out/cache", "folder for the image, PCA and face-feature caches")
	out := fs.String("out", "out/fmri/lab.npz", "the lab data file to write")
	train := fs.Int("train", 8000, "training faces (the first subject's, in the order of its stimulus files)")
	k := fs.Int("k", 128, "stimulus features kept (the truncated SVD's rank)")
	seed := fs.Int64("seed", 1, "simulation seed (the site data's subjects: 1)")
	brain := fs.String("brain", sim.DefaultBrain, "brain model, as trainer fmri simulate's --brain (its default too)")
	featureModel := fs.String("feature-model", sim.DefaultBrainV2().FeatureModel, "brain v2: the face-feature network")
	noise := fs.String("noise", "", "noise scale per subject (default: the simulator's calibrated ones for --brain)")
	spaces := fs.String("spaces", "vaegan,pca", "latent spaces: vaegan and/or pca")
	pcaK := fs.Int("pca-k", 1024, "PCA components (as trainer fmri fit)")
	pcaSeed := fs.Uint64("pca-seed", 1, "PCA seed (trainer fmri fit's --seed)")
	svdSeed := fs.Uint64("svd-seed", 1, "seed of the randomized SVD")
	reuse := fs.String("latents-from", "", "take the latents from an earlier lab.npz of the same faces (another brain: the faces and their latents do not depend on it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	start := time.Now()
	blasName := gorgoniablas.Use()
	cfg := sim.DefaultConfig()
	cfg.Seed = *seed
	cfg.Noise = sim.DefaultNoiseFor(*brain)
	if *noise != "" {
		nz, err := parseFloats(*noise)
		if err != nil {
			return fmt.Errorf("--noise: %w", err)
		}
		cfg.Noise = nz
	}
	switch *brain {
	case sim.BrainV2:
		cfg.Brain, cfg.V2 = sim.BrainV2, sim.DefaultBrainV2()
		cfg.V2.FeatureModel = *featureModel
	case sim.BrainV1:
	default:
		return fmt.Errorf("--brain %q: want %s or %s", *brain, sim.BrainV1, sim.BrainV2)
	}
	ds, err := celeba.Load(celeba.Options{Dir: *faces, Size: 64, CacheDir: *cache, Progress: os.Stderr})
	if err != nil {
		return err
	}
	split, err := celeba.ReadSplitJSON(*splitPath, ds.Faces)
	if err != nil {
		return err
	}
	pool, err := sim.PoolFromCelebA(ds, split)
	if err != nil {
		return err
	}
	lb, err := sim.LabDrives(ctx, cfg, pool, *train, sim.Options{DesignRoot: *design, Progress: os.Stderr, FeatureCache: *cache})
	if err != nil {
		return err
	}
	n := len(lb.Faces)
	fmt.Fprintf(os.Stderr, "lab: drives of %d subjects for %d faces (%d training)\n", len(lb.Subjects), n, lb.Train)
	feat, loads, kept, err := labFactor(lb, *k, *svdSeed)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "lab: %d features keep %.1f %% of the drive's variance\n", *k, 100*kept)

	d := 3 * 64 * 64
	px := make([]float32, 0, n*d)
	for _, i := range lb.Faces {
		px = append(px, ds.Image(i)...)
	}
	tensors := []ckpt.Tensor{{Name: "features", Shape: []int{n, *k}, Data: feat}}
	names := make([]string, len(lb.Faces))
	for i, f := range lb.Faces {
		names[i] = pool.Faces[f].Name
	}
	var earlier *ckpt.File
	if *reuse != "" {
		if earlier, err = sameFaces(*reuse, names); err != nil {
			return err
		}
	}
	for _, sp := range strings.Split(*spaces, ",") {
		var z []float32
		if earlier != nil {
			t, ok := earlier.Tensors["latents."+sp]
			if !ok {
				return fmt.Errorf("--latents-from %s: no %s latents", *reuse, sp)
			}
			tensors = append(tensors, ckpt.Tensor{Name: "latents." + sp, Shape: t.Shape, Data: t.Data})
			continue
		}
		switch sp {
		case "vaegan":
			w, _, err := vaegan.LoadModel(*model)
			if err != nil {
				return err
			}
			in, err := vaegan.NewInfer(w, 100)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "lab: encoding %d faces with the VAE-GAN\n", n)
			z, err = in.Encode(px, n)
			in.Close()
			if err != nil {
				return err
			}
		case "pca":
			trainPx := make([]float32, 0, len(split.Train)*d)
			for _, i := range split.Train {
				trainPx = append(trainPx, ds.Image(i)...)
			}
			m, err := fitPCA(*cache, trainPx, len(split.Train), d, *pcaK, *pcaSeed)
			if err != nil {
				return err
			}
			z = m.EncodeAll(px, n)
		default:
			return fmt.Errorf("--spaces: unknown latent space %q (want vaegan or pca)", sp)
		}
		tensors = append(tensors, ckpt.Tensor{Name: "latents." + sp, Shape: []int{n, len(z) / n}, Data: z})
	}
	subjects := make([]map[string]any, len(lb.Subjects))
	for i, s := range lb.Subjects {
		V := len(s.ROI)
		roi := make([]float32, V)
		for v, r := range s.ROI {
			roi[v] = float32(r)
		}
		tensors = append(tensors,
			ckpt.Tensor{Name: "roi.sub-" + s.Label, Shape: []int{V}, Data: roi},
			ckpt.Tensor{Name: "load.sub-" + s.Label, Shape: []int{*k, V}, Data: loads[i]})
		subjects[i] = map[string]any{"name": "sub-" + s.Label, "noise": s.Noise, "voxels": V}
	}
	meta := map[string]any{"format": LabFormat, "train": lb.Train, "test": n - lb.Train, "k": *k,
		"drive_kept": kept, "subjects": subjects, "faces": names, "sim": cfg, "version": version.String(),
		"command": "trainer fmri lab " + strings.Join(args, " "), "blas": blasName}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	if err := ckpt.Save(*out, meta, tensors, ckpt.Float32); err != nil {
		return err
	}
	fmt.Printf("fmri lab: %d faces, %d features, %d subjects in %.0f s → %s\n", n, *k, len(lb.Subjects), time.Since(start).Seconds(), *out)
	return nil
}

// labFactor factors the subjects' drives D_s (faces × voxels, standardised
// columns) side by side as D ≈ F·B: F (faces × k) the top k left singular
// vectors scaled to unit variance per column, B_s = FᵀD_s / n, by a
// randomized SVD (Halko et al. 2011: 16 extra columns, one power
// iteration). Each subject's loadings are then multiplied by its voxels'
// modulation (percent per standard deviation of the drive). kept is the
// share of ‖D‖² that F·B keeps.
func labFactor(lb *sim.LabBrain, k int, seed uint64) (feat []float32, loads [][]float32, kept float64, err error) {
	n := len(lb.Faces)
	if k < 1 || k >= n {
		return nil, nil, 0, fmt.Errorf("--k %d: want 1 to %d", k, n-1)
	}
	l := k + 16
	rng := rand.New(rand.NewPCG(seed, 0x6c616273766431))
	var total float64
	dense := make([]*mat.Dense, len(lb.Subjects))
	for i, s := range lb.Subjects {
		V := len(s.ROI)
		x := make([]float64, n*V)
		for j, v := range s.Drive {
			x[j] = float64(v)
			total += float64(v) * float64(v)
		}
		dense[i] = mat.NewDense(n, V, x)
	}
	bar := progress.New(os.Stderr, "lab SVD", 4*len(dense))
	// Y = D Ω, then one power iteration Y = D Dᵀ Q.
	Y := mat.NewDense(n, l, nil)
	for _, D := range dense {
		_, V := D.Dims()
		om := mat.NewDense(V, l, nil)
		for r := 0; r < V; r++ {
			for c := 0; c < l; c++ {
				om.Set(r, c, rng.NormFloat64())
			}
		}
		var t mat.Dense
		t.Mul(D, om)
		Y.Add(Y, &t)
		bar.Add(1)
	}
	Q := orthonormal(Y)
	Y2 := mat.NewDense(n, l, nil)
	for _, D := range dense {
		var t, u mat.Dense
		t.Mul(D.T(), Q)
		u.Mul(D, &t)
		Y2.Add(Y2, &u)
		bar.Add(2)
	}
	Q = orthonormal(Y2)
	// B = Qᵀ D; the top k eigenvectors of B Bᵀ rotate Q into U.
	BBt := mat.NewSymDense(l, nil)
	bs := make([]*mat.Dense, len(dense))
	for i, D := range dense {
		var b mat.Dense
		b.Mul(Q.T(), D)
		bs[i] = &b
		var g mat.SymDense
		g.SymOuterK(1, &b)
		BBt.AddSym(BBt, &g)
		bar.Add(1)
	}
	bar.Done()
	var eig mat.EigenSym
	if !eig.Factorize(BBt, true) {
		return nil, nil, 0, fmt.Errorf("lab: the drives' SVD did not converge")
	}
	vals := eig.Values(nil) // ascending
	var ev mat.Dense
	eig.VectorsTo(&ev)
	R := mat.NewDense(l, k, nil) // the top k eigenvectors, largest first
	for c := 0; c < k; c++ {
		src := l - 1 - c
		kept += vals[src]
		for r := 0; r < l; r++ {
			R.Set(r, c, ev.At(r, src))
		}
	}
	kept /= total
	var U mat.Dense
	U.Mul(Q, R)
	s := math.Sqrt(float64(n))
	feat = make([]float32, n*k)
	for r := 0; r < n; r++ {
		for c := 0; c < k; c++ {
			feat[r*k+c] = float32(U.At(r, c) * s)
		}
	}
	// B_s = Fᵀ D_s / n = Uᵀ D_s / √n = Rᵀ (Qᵀ D_s) / √n.
	for i, b := range bs {
		var ld mat.Dense
		ld.Mul(R.T(), b)
		_, V := ld.Dims()
		mod := lb.Subjects[i].Modulation
		out := make([]float32, k*V)
		for r := 0; r < k; r++ {
			for v := 0; v < V; v++ {
				out[r*V+v] = float32(ld.At(r, v) / s * mod[v])
			}
		}
		loads = append(loads, out)
	}
	return feat, loads, kept, nil
}

// orthonormal returns an orthonormal basis of Y's columns by CholeskyQR,
// twice (Y = Q R with R from the Cholesky factor of YᵀY; the second pass
// restores the orthogonality the first loses to rounding), without the
// full n × n Q of a Householder QR.
func orthonormal(Y *mat.Dense) *mat.Dense {
	q := mat.DenseCopyOf(Y)
	for pass := 0; pass < 2; pass++ {
		_, c := q.Dims()
		g := mat.NewSymDense(c, nil)
		g.SymOuterK(1, q.T())
		var ch mat.Cholesky
		if !ch.Factorize(g) {
			// Rank-deficient columns: a tiny ridge keeps the factor defined.
			for i := 0; i < c; i++ {
				g.SetSym(i, i, g.At(i, i)*(1+1e-10)+1e-300)
			}
			ch.Factorize(g)
		}
		var u mat.TriDense
		ch.UTo(&u)
		var next mat.Dense
		// Q = Y U⁻¹: solve Uᵀ Qᵀ = Yᵀ.
		var ut mat.Dense
		ut.CloneFrom(u.T())
		if err := next.Solve(&ut, q.T()); err != nil {
			return q
		}
		q = mat.DenseCopyOf(next.T())
	}
	return q
}

// sameFaces loads an earlier lab file and checks that it holds the same
// faces, in the same order.
func sameFaces(path string, names []string) (*ckpt.File, error) {
	f, err := ckpt.Load(path)
	if err != nil {
		return nil, fmt.Errorf("--latents-from: %w", err)
	}
	var meta struct {
		Format string   `json:"format"`
		Faces  []string `json:"faces"`
	}
	if err := f.DecodeMeta(&meta); err != nil || meta.Format != LabFormat {
		return nil, fmt.Errorf("--latents-from %s: not a lab file (%v)", path, err)
	}
	if len(meta.Faces) != len(names) {
		return nil, fmt.Errorf("--latents-from %s: %d faces, this run has %d", path, len(meta.Faces), len(names))
	}
	for i := range names {
		if meta.Faces[i] != names[i] {
			return nil, fmt.Errorf("--latents-from %s: face %d is %s, this run's is %s", path, i, meta.Faces[i], names[i])
		}
	}
	return f, nil
}
