package vaegan

import (
	"context"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"fmriface/infer/arch"
)

func tinyConfig(t *testing.T, n int) Config {
	t.Helper()
	a, err := arch.Preset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	return Config{Arch: a, Batch: 8, Epochs: 2, LR: 1e-3, Beta1: 0.5, Seed: 7, Flip: true,
		Loss: LossWeights{KL: 1, Feat: 0.5, Pix: 50, GAN: 1}, TrainImages: n,
		CheckpointEvery: Duration{time.Hour}}
}

// TestResumeIsExact trains 2 epochs straight, and 1 epoch + checkpoint + resume
// for the second: the weights must be bit-identical.
func TestResumeIsExact(t *testing.T) {
	const n = 32
	data := smoothImages(rand.New(rand.NewPCG(9, 9)), n, 16)
	cfg := tinyConfig(t, n)

	dirA := filepath.Join(t.TempDir(), "a")
	a, err := New(cfg, data, dirA)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Run(context.Background(), io.Discard, Hooks{}); err != nil {
		t.Fatal(err)
	}

	dirB := filepath.Join(t.TempDir(), "b")
	b, err := New(cfg, data, dirB)
	if err != nil {
		t.Fatal(err)
	}
	b.SetEpochs(1)
	if err := b.Run(context.Background(), io.Discard, Hooks{}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	c, err := Resume(dirB, data, "test", "test")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.State.Step != a.State.Total/2 {
		t.Fatalf("resumed at step %d, want %d", c.State.Step, a.State.Total/2)
	}
	c.SetEpochs(2)
	if err := c.Run(context.Background(), io.Discard, Hooks{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range a.W.Params {
		wa, wc := a.W.Data[p.Name], c.W.Data[p.Name]
		for i := range wa {
			if wa[i] != wc[i] {
				t.Fatalf("%s[%d]: uninterrupted %v, resumed %v", p.Name, i, wa[i], wc[i])
			}
		}
	}
	if len(c.State.History) != len(a.State.History) {
		t.Errorf("history has %d points after resume, %d straight", len(c.State.History), len(a.State.History))
	}
}

// TestInterruptSaves cancels a run and checks that the checkpoint holds the step reached.
func TestInterruptSaves(t *testing.T) {
	const n = 32
	data := smoothImages(rand.New(rand.NewPCG(9, 9)), n, 16)
	cfg := tinyConfig(t, n)
	cfg.Epochs = 1000
	dir := t.TempDir()
	tr, err := New(cfg, data, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	hooks := Hooks{Sample: func(step int, in *Infer) error {
		steps = step
		if step >= 6 {
			cancel()
		}
		return nil
	}}
	tr.Cfg.SampleEvery = 3
	if err := tr.Run(ctx, io.Discard, hooks); err == nil {
		t.Fatal("interrupted run returned no error")
	}
	r, err := Resume(dir, data, "test", "test")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.State.Step != steps || r.State.Step == 0 {
		t.Fatalf("checkpoint at step %d, interrupted after %d", r.State.Step, steps)
	}
}

func TestResumeRejectsOtherData(t *testing.T) {
	data := smoothImages(rand.New(rand.NewPCG(9, 9)), 32, 16)
	cfg := tinyConfig(t, 32)
	cfg.Epochs = 0.25
	dir := t.TempDir()
	tr, err := New(cfg, data, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(context.Background(), io.Discard, Hooks{}); err != nil {
		t.Fatal(err)
	}
	tr.Close()
	if _, err := Resume(dir, data[:16*3*16*16], "t", "t"); err == nil {
		t.Fatal("resume accepted a different data set")
	}
}
