// Package fold removes the generator's batch norms for export: each
// inference-mode batch norm, y = gamma·(x−mean)/sqrt(var+eps) + beta, is an
// affine map per channel, so it folds exactly into the transposed convolution
// before it. With scale = gamma/sqrt(var+eps), output channel co of the
// (Cin, Cout, K, K) weight is multiplied by scale[co], and the layer gains the
// bias beta − mean·scale. The shipped generator bundle then has a weight and a
// bias per layer and no ".bn." tensors (docs/site-data.md).
//
// Generator folds a checkpoint's generator (arch.Params names) into that form
// (GeneratorParams lists its names and shapes); NNParams turns folded tensors
// back into a map that nn.NewGenerator accepts, by adding identity batch
// norms, so that the browser app and the exporter's checks run a folded
// bundle with the same inference code. The package has no dependencies
// beyond arch and builds for WebAssembly.
package fold
