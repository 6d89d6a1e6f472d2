// Command trainer trains and evaluates the models of fmriface: the VAE-GAN face
// space and the fMRI brain-to-latent decoders of VanRullen & Reddy (2019).
//
// Usage:
//
//	go run ./trainer faces train [flags]   train the VAE-GAN (checkpoints, resume, sample grids)
//	go run ./trainer faces whiten [flags]  whiten a trained model's latent on its training faces
//	go run ./trainer faces eval [flags]    evaluate a model against a PCA baseline (JSON + PNG grids)
//	go run ./trainer faces features {train|eval} [flags]
//	                                       the face-feature network of the virtual brain v2 (attributes + identity)
//	go run ./trainer fmri ...              simulate, fit, evaluate and report the fMRI decoding
//	go run ./trainer real haxby [flags]    decode object categories from real fMRI (Haxby et al. 2001)
//
// Run a subcommand with -h for its flags. Heavy linear algebra uses OpenBLAS
// (Debian package libopenblas-dev) unless built with -tags purego.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(os.Stderr, "trainer: interrupted; progress was saved")
			os.Exit(130)
		}
		fmt.Fprintln(os.Stderr, "trainer:", err)
		os.Exit(1)
	}
}

const usage = `usage: trainer faces {train|whiten|eval} [flags]
       trainer faces features {train|eval} [flags]
       trainer fmri {simulate|fit|eval|report} [flags]
       trainer real haxby [flags]`

func run(ctx context.Context, args []string) error {
	if len(args) < 2 {
		return errors.New(usage)
	}
	cmds := map[string]map[string]func(context.Context, []string) error{
		"faces": {"train": facesTrain, "whiten": facesWhiten, "eval": facesEval, "features": facesFeatures},
		"fmri":  fmriCommands(),
		"real":  realCommands(),
	}
	group, ok := cmds[args[0]]
	if !ok {
		return fmt.Errorf("unknown command %q\n%s", args[0], usage)
	}
	f, ok := group[args[1]]
	if !ok {
		return fmt.Errorf("unknown command %q %q\n%s", args[0], args[1], usage)
	}
	return f(ctx, args[2:])
}
