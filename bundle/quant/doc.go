// Package quant encodes float32 tensors into the compact payload layouts that
// bundle files store, and decodes them back: IEEE half precision (F16), int8
// with one float32 scale per row (Q8), signed 4-bit blocks of 32 values
// with a float16 or float32 scale per block (Q4, Q4F32), and signed 3-bit
// blocks of 32 with a float16 scale (Q3).
//
// Every encoding views a tensor of shape [d0, d1, …, dn] as a matrix of
// rows = d0 and cols = d1·…·dn (a tensor of rank 0 or 1 is a single row), so
// for a weight stored output-channel first the row is the output channel. The
// byte layouts are specified in docs/bundle-format.md; all multi-byte values
// are little-endian.
//
// Decoding never allocates (Decode writes into a caller's slice) and checks
// the payload length first, so it is safe on untrusted bytes. Error measures
// the damage an encoding did, Measure reports size and error together, and
// Choose picks, per tensor, the smallest encoding whose error stays within a
// bar.
package quant
