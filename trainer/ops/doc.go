// Package ops adds the layers the VAE-GAN needs and gorgonia lacks: a strided
// transposed convolution (the generator's upsampling layer) and the ELU
// activation. Each is a gorgonia Op with a symbolic derivative, so gorgonia.Grad
// differentiates graphs that use them; the tests check every gradient against
// finite differences.
//
// The matrix multiplies go through gorgonia.WhichBLAS(), so the ops follow the
// BLAS the trainer picked (OpenBLAS through gonum/netlib, or pure Go).
package ops
