package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"fmriface/face/celeba"
	"fmriface/infer/arch"
	"fmriface/trainer/gorgoniablas"
	"fmriface/trainer/vaegan"
	"fmriface/util/imgrid"
	"fmriface/util/plots"
	"fmriface/util/version"
)

// faceData loads the dataset at the model size and its person split.
type faceData struct {
	ds    *celeba.Dataset
	split celeba.Split
}

func loadFaces(dir string, size int, cacheDir string, limit int, splitSeed int64, splitPath string) (*faceData, error) {
	ds, err := celeba.Load(celeba.Options{Dir: dir, Size: size, Progress: os.Stderr, CacheDir: cacheDir, Limit: limit})
	if err != nil {
		return nil, err
	}
	if n := len(ds.Skipped); n > 0 {
		fmt.Fprintf(os.Stderr, "skipped %d unreadable images:\n", n)
		for i, s := range ds.Skipped {
			if i == 10 {
				fmt.Fprintf(os.Stderr, "  … and %d more\n", n-10)
				break
			}
			fmt.Fprintf(os.Stderr, "  %s: %v\n", s.File, s.Err)
		}
	}
	var split celeba.Split
	if _, err := os.Stat(splitPath); err == nil {
		if split, err = celeba.ReadSplitJSON(splitPath, ds.Faces); err != nil {
			return nil, err
		}
	} else {
		split = celeba.SplitByPerson(ds.Faces, splitSeed, celeba.DefaultValFrac, celeba.DefaultTestFrac)
		if err := split.WriteJSON(splitPath, ds.Faces); err != nil {
			return nil, err
		}
	}
	return &faceData{ds: ds, split: split}, nil
}

// gather copies the pixels of the given faces into one array.
func (d *faceData) gather(idx []int) []float32 {
	per := 3 * d.ds.Size * d.ds.Size
	out := make([]float32, 0, len(idx)*per)
	for _, i := range idx {
		out = append(out, d.ds.Image(i)...)
	}
	return out
}

func facesTrain(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("faces train", flag.ExitOnError)
	faces := fs.String("faces", "../shared/faces/celeba", "CelebA-style dataset folder")
	preset := fs.String("preset", "default", "architecture: default, paper or tiny")
	out := fs.String("out", "runs/default", "run folder: checkpoint, model, samples, loss curves")
	cache := fs.String("cache", "out/cache", "folder for decoded-image caches (\"\" for none)")
	batch := fs.Int("batch", 64, "images per step")
	epochs := fs.Float64("epochs", 14, "passes over the training split")
	lr := fs.Float64("lr", 2e-4, "Adam learning rate")
	beta1 := fs.Float64("beta1", 0.5, "Adam β1")
	lrD := fs.Float64("lr-d", 1e-4, "discriminator learning rate")
	seed := fs.Uint64("seed", 1, "seed for initialisation, data order, flips and noise")
	splitSeed := fs.Int64("split-seed", 1, "seed of the train/val/test split by person")
	wkl := fs.Float64("w-kl", 1, "weight of the KL term")
	wfeat := fs.Float64("w-feat", 0.5, "weight of the discriminator-feature reconstruction")
	wpix := fs.Float64("w-pix", 1, "weight of the pixel reconstruction (large values trade sharpness for blur: 20 gave a sharpness ratio of 0.26, below PCA's 0.55)")
	wgan := fs.Float64("w-gan", 30, "weight of the generator's GAN term")
	priorGAN := fs.Bool("prior-gan", false, "also train the generator adversarially on samples from the prior (Larsen's third term)")
	wcenter := fs.Float64("w-center", 64, "weight of ‖batch mean of μ‖², which keeps the latent centred where the prior is")
	wdecor := fs.Float64("w-decor", 0.1, "weight of the squared correlations between latent dimensions over a batch (DIP-VAE-style), which spreads the latent's variance over its dimensions")
	realLabel := fs.Float64("real-label", 0.9, "discriminator target for real images (one-sided label smoothing; 1 = none)")
	dFloor := fs.Float64("d-floor", 0.1, "skip the discriminator's update while its mean loss on real images (above the smoothed label's entropy) and on generated images are both below this (0 = never skip)")
	every := fs.Duration("checkpoint-every", 5*time.Minute, "time between checkpoints (also saved on SIGINT)")
	sampleEvery := fs.Int("sample-every", 100, "steps between sample grids")
	limit := fs.Int("limit", 0, "use only the first N faces (0 = all), for smoke runs")
	resume := fs.Bool("resume", false, "continue the training saved in -out")
	fs.Parse(args)

	blasName := gorgoniablas.UseForTraining()
	code := version.String()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	cfgArch, err := arch.Preset(*preset)
	if err != nil {
		return err
	}
	var tr *vaegan.Trainer
	var cfg vaegan.Config
	size := cfgArch.ImageSize
	if *resume {
		_, st, err := vaegan.LoadModel(vaegan.CheckpointPath(*out))
		if err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		cfg = st.Config
		size = cfg.Arch.ImageSize
	}
	splitPath := filepath.Join(*out, "split.json")
	data, err := loadFaces(*faces, size, *cache, *limit, *splitSeed, splitPath)
	if err != nil {
		return err
	}
	train := data.gather(data.split.Train)
	fmt.Fprintf(os.Stderr, "faces: %d loaded; split by person: %d train, %d val, %d test\n",
		len(data.ds.Faces), len(data.split.Train), len(data.split.Val), len(data.split.Test))
	if *resume {
		if tr, err = vaegan.Resume(*out, train, code, blasName); err != nil {
			return err
		}
		if flagSet(fs, "epochs") {
			tr.SetEpochs(*epochs)
		}
		fmt.Fprintf(os.Stderr, "resuming at step %d of %d\n", tr.State.Step, tr.State.Total)
	} else {
		cfg = vaegan.Config{Arch: cfgArch, Batch: *batch, Epochs: *epochs, LR: *lr, LRD: *lrD, Beta1: *beta1,
			Loss: vaegan.LossWeights{KL: *wkl, Feat: *wfeat, Pix: *wpix, GAN: *wgan, Center: *wcenter, Decor: *wdecor, NoPriorGAN: !*priorGAN, RealLabel: *realLabel, DFloor: *dFloor}, Seed: *seed, Flip: true,
			TrainImages: len(data.split.Train), CheckpointEvery: vaegan.Duration{Duration: *every},
			SampleEvery: *sampleEvery, Faces: *faces, SplitFile: splitPath, CodeVersion: code, BLAS: blasName}
		if tr, err = vaegan.New(cfg, train, *out); err != nil {
			return err
		}
	}
	defer tr.Close()
	fmt.Fprintf(os.Stderr, "preset %s: encoder %.1fM, generator %.1fM, discriminator %.1fM parameters; BLAS %s; code %s\n",
		cfg.Arch.Name, float64(cfg.Arch.Count("enc"))/1e6, float64(cfg.Arch.Count("gen"))/1e6,
		float64(cfg.Arch.Count("disc"))/1e6, blasName, code)

	valIdx := data.split.Val
	if len(valIdx) > 32 {
		valIdx = valIdx[:32]
	}
	val := data.gather(valIdx)
	hooks := vaegan.Hooks{
		Sample: func(step int, in *vaegan.Infer) error { return writeSamples(*out, step, cfg, in, val, len(valIdx)) },
		Saved:  func(st *vaegan.State) error { return writeLossCurves(*out, st) },
	}
	return tr.Run(ctx, os.Stderr, hooks)
}

// writeSamples draws 64 faces from fixed prior samples and, in a separate file,
// validation faces over their reconstructions (that grid shows originals, so it
// stays in the untracked run folder).
func writeSamples(dir string, step int, cfg vaegan.Config, in *vaegan.Infer, val []float32, nval int) error {
	s, l := cfg.Arch.ImageSize, cfg.Arch.Latent
	r := rand.New(rand.NewPCG(cfg.Seed, 0xface))
	z := make([]float32, 64*l)
	for i := range z {
		z[i] = float32(r.NormFloat64())
	}
	gen, err := in.Generate(z, 64)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("prior samples, step %d", step)
	if err := imgrid.WritePNG(filepath.Join(dir, "samples.png"), imgrid.Grid(split(gen, 64), 3, s, s, 8, imgrid.Options{Scale: 2, Title: title})); err != nil {
		return err
	}
	mu, err := in.Encode(val, nval)
	if err != nil {
		return err
	}
	rec, err := in.Generate(mu, nval)
	if err != nil {
		return err
	}
	tiles := append(split(val, nval)[:min(16, nval)], split(rec, nval)[:min(16, nval)]...)
	return imgrid.WritePNG(filepath.Join(dir, "reconstructions.png"),
		imgrid.Grid(tiles, 3, s, s, min(16, nval), imgrid.Options{Scale: 2, Title: fmt.Sprintf("validation faces / reconstructions, step %d", step), RowLabels: []string{"original", "VAE-GAN"}}))
}

// flagSet reports whether the named flag was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// split cuts a flat array into n equal images.
func split(flat []float32, n int) [][]float32 {
	per := len(flat) / n
	out := make([][]float32, n)
	for i := range out {
		out[i] = flat[i*per : (i+1)*per]
	}
	return out
}

func writeLossCurves(dir string, st *vaegan.State) error {
	if len(st.History) < 2 {
		return nil
	}
	var kl, feat, pix, gg, d plots.Series
	kl.Name, feat.Name, pix.Name, gg.Name, d.Name = "KL", "feature L2 / 100", "pixel L2", "GAN (G)", "GAN (D)"
	for _, p := range st.History {
		x := float64(p.Step)
		kl.X, kl.Y = append(kl.X, x), append(kl.Y, p.KL)
		feat.X, feat.Y = append(feat.X, x), append(feat.Y, p.Feat/100)
		pix.X, pix.Y = append(pix.X, x), append(pix.Y, p.Pix)
		gg.X, gg.Y = append(gg.X, x), append(gg.Y, p.GANG)
		d.X, d.Y = append(d.X, x), append(d.Y, p.D)
	}
	if err := plots.Lines(filepath.Join(dir, "losses.png"), "VAE-GAN training losses (per image)", "step", "loss", []plots.Series{kl, feat, pix}); err != nil {
		return err
	}
	return plots.Lines(filepath.Join(dir, "gan_losses.png"), "adversarial losses", "step", "loss", []plots.Series{gg, d})
}
