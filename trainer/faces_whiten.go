package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"fmriface/trainer/gorgoniablas"
	"fmriface/trainer/vaegan"
	"fmriface/util/version"
)

// facesWhiten writes a copy of a trained model whose latent is whitened on
// its training faces (vaegan.Whiten): the same images, in a latent with zero
// mean and identity covariance, where the paper's linear read-outs (the
// gender axis, correlations between latents, prior samples) treat every
// direction alike.
func facesWhiten(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("faces whiten", flag.ExitOnError)
	faces := fs.String("faces", "../shared/faces/celeba", "CelebA-style dataset folder")
	model := fs.String("model", "", "trained model.npz (not yet whitened)")
	splitPath := fs.String("split", "", "person split JSON (default: split.json next to the model)")
	out := fs.String("out", "", "whitened model to write (may be the input)")
	cache := fs.String("cache", "out/cache", "folder for the decoded-image cache")
	fs.Parse(args)
	if *model == "" || *out == "" {
		return fmt.Errorf("faces whiten: --model and --out are required")
	}
	gorgoniablas.Use()
	w, mm, err := vaegan.LoadModelMeta(*model)
	if err != nil {
		return err
	}
	if w.Latent != nil {
		return fmt.Errorf("faces whiten: %s is already whitened", *model)
	}
	if *splitPath == "" {
		*splitPath = filepath.Join(filepath.Dir(*model), "split.json")
	}
	if _, err := os.Stat(*splitPath); err != nil {
		return fmt.Errorf("faces whiten: the model's split: %w", err)
	}
	data, err := loadFaces(*faces, w.Cfg.ImageSize, *cache, 0, 1, *splitPath)
	if err != nil {
		return err
	}
	train := data.split.Train
	in, err := vaegan.NewInfer(w, 100)
	if err != nil {
		return err
	}
	defer in.Close()
	fmt.Fprintf(os.Stderr, "encoding %d training faces\n", len(train))
	mu, err := in.EncodeRaw(data.gather(train), len(train))
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ww, meta, err := vaegan.Whiten(w, mu, len(train))
	if err != nil {
		return fmt.Errorf("%s: %w", *model, err)
	}
	meta.Split, meta.CodeVersion = *splitPath, version.String()
	mm.Whiten = &meta
	if err := vaegan.SaveModelMeta(*out, ww, *mm); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s: latent variances %.3g … %.3g whitened on %d faces\n",
		*out, meta.MinVariance, meta.MaxVariance, meta.Images)
	return nil
}
