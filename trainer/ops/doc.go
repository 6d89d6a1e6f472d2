// Package ops adds the layers the VAE-GAN needs and gorgonia lacks or does
// slowly: a strided convolution and transposed convolution (the generator's
// upsampling layer), the ELU activation, and a fused batch norm. Each is a gorgonia Op with a symbolic derivative, so gorgonia.Grad
// differentiates graphs that use them; the tests check every gradient against
// finite differences.
//
// The matrix multiplies go through gorgonia.WhichBLAS(), so the ops follow the
// BLAS the trainer picked (OpenBLAS through gonum/netlib, or pure Go).
package ops
