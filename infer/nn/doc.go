// Package nn runs the trained VAE-GAN (package arch describes it) in pure Go,
// without gorgonia, so that the same code serves the exporter natively and the
// browser demo under WebAssembly.
//
// The layers are the few the networks need: stride-2 convolutions (im2col and
// a matrix multiply from package gemm), stride-2 transposed convolutions
// (matrix multiply and col2im), linear layers, and ELU, tanh and sigmoid.
// Inference-mode batch norm is folded into the preceding convolution when the
// weights are loaded.
//
// Generator and Encoder are built once from an arch.Config and a map of named
// tensors (arch.Param names and shapes, as a checkpoint holds them). They own
// every buffer they need, so decoding a face allocates nothing. A browser's
// frame loop can spread one face over several frames with Generator.Begin and
// Generator.Step, each step a small slice of the work:
//
//	g.Begin(z)
//	for time.Since(frameStart) < budget && !g.Step() {
//	}
//	// once Step has returned true, g.Image() holds the face
//
// BenchmarkGenerate measures milliseconds per face for the default and paper
// presets with random weights; run it under Node for browser-like numbers:
//
//	PATH=$PATH:$(go env GOROOT)/lib/wasm GOOS=js GOARCH=wasm go test -bench Generate ./infer/nn/
package nn
