package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"fmriface/face/features"
	"fmriface/trainer/featnet"
	"fmriface/trainer/gorgoniablas"
	"fmriface/trainer/vaegan"
	"fmriface/util/version"
)

const featuresUsage = "usage: trainer faces features {train|eval} [flags]"

// facesFeatures runs `trainer faces features train|eval`: the face-feature
// network of the virtual brain v2 (package trainer/featnet).
func facesFeatures(ctx context.Context, args []string) error {
	if len(args) < 1 {
		return errors.New(featuresUsage)
	}
	switch args[0] {
	case "train":
		return featuresTrain(ctx, args[1:])
	case "eval":
		return featuresEval(ctx, args[1:])
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], featuresUsage)
}

func featuresTrain(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("faces features train", flag.ExitOnError)
	faces := fs.String("faces", "../shared/faces/celeba", "CelebA-style dataset folder")
	out := fs.String("out", "runs/features", "run folder: checkpoint.npz, model.npz")
	splitPath := fs.String("split", "models/default/split.json", "the face model's person split (only its training part is used)")
	cache := fs.String("cache", "out/cache", "folder for decoded-image caches (\"\" for none)")
	batch := fs.Int("batch", 64, "images per step")
	epochs := fs.Float64("epochs", 12, "passes over the training images")
	lr := fs.Float64("lr", 2e-3, "peak Adam learning rate (linear warm-up, then cosine decay to 0)")
	warmup := fs.Int("warmup", 200, "warm-up steps")
	beta1 := fs.Float64("beta1", 0.9, "Adam β1")
	wd := fs.Float64("wd", 0.05, "decoupled weight decay of conv and linear weights (AdamW)")
	wid := fs.Float64("w-id", 1, "weight of the identity cross-entropy (the 40 attribute cross-entropies are summed with weight 1)")
	minID := fs.Int("min-id-images", 4, "training-split images a person needs for an identity class (0 = attributes only)")
	seed := fs.Uint64("seed", 1, "seed for initialisation, data order and flips")
	every := fs.Duration("checkpoint-every", 5*time.Minute, "time between checkpoints (also saved on SIGINT)")
	limit := fs.Int("limit", 0, "use only the first N faces (0 = all), for smoke runs; needs a split made for them")
	resume := fs.Bool("resume", false, "continue the training saved in -out")
	fs.Parse(args)

	blasName := gorgoniablas.UseForTraining()
	code := version.String()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	size := features.Default().ImageSize
	sp := *splitPath
	if *limit > 0 {
		sp = filepath.Join(*out, "split.json") // a split of the first faces only
	}
	data, err := loadFaces(*faces, size, *cache, *limit, 1, sp)
	if err != nil {
		return err
	}
	plan := featnet.MakePlan(data.ds.Faces, data.split.Train, *minID)
	attr, id := plan.Labels(data.ds.Faces, plan.Train)
	d := featnet.Data{X: data.gather(plan.Train), Attr: attr, ID: id}
	fmt.Fprintf(os.Stderr, "faces: %d loaded; training split %d images, of which %d train and %d are held out (one per identity class, %d classes)\n",
		len(data.ds.Faces), len(data.split.Train), len(plan.Train), len(plan.Holdout), len(plan.Persons))
	var tr *featnet.Trainer
	if *resume {
		if tr, err = featnet.Resume(*out, d, code, blasName); err != nil {
			return fmt.Errorf("resume: %w", err)
		}
		if flagSet(fs, "epochs") {
			tr.SetEpochs(*epochs)
		}
		fmt.Fprintf(os.Stderr, "resuming at step %d of %d\n", tr.State.Step, tr.State.Total)
	} else {
		net := features.Default()
		net.Attrs = len(data.ds.AttrNames)
		net.Identities = len(plan.Persons)
		cfg := featnet.Config{Net: net, Batch: *batch, Epochs: *epochs, LR: *lr, Warmup: *warmup, Beta1: *beta1, WD: *wd,
			WID: *wid, Seed: *seed, Flip: true, MinIDImages: *minID, TrainImages: len(plan.Train), HoldoutImages: len(plan.Holdout),
			CheckpointEvery: vaegan.Duration{Duration: *every}, Faces: *faces, SplitFile: sp, AttrNames: data.ds.AttrNames,
			Persons: plan.Persons, CodeVersion: code, BLAS: blasName}
		if tr, err = featnet.New(cfg, d, *out); err != nil {
			return err
		}
	}
	defer tr.Close()
	fmt.Fprintf(os.Stderr, "feature network: %.2fM parameters; %d steps of %d; BLAS %s; code %s\n",
		float64(tr.Cfg.Net.Count())/1e6, tr.State.Total, tr.Cfg.Batch, blasName, code)
	return tr.Run(ctx, os.Stderr)
}
