// Package corr is the project's one implementation of Pearson correlation:
// of two vectors, of every row of one set against every row of another, the
// row standardisation behind a BLAS-backed correlation matrix, and the
// paper's pairwise count read off a correlation matrix.
//
// Every function takes float32 or float64 values (type parameter Float) and
// accumulates in float64, with the same arithmetic for both: a float32 input
// gives bit for bit what its exact float64 conversion gives. The arithmetic
// is the one the exporter's checks and the fMRI evaluation were first
// written with (two passes: means, then centred cross products, then
// sab / √(saa·sbb)); results are not clamped to [−1, 1].
//
// A correlation is undefined when the vectors differ in length, are empty,
// or either is constant; Pearson and Matrix give NaN there, PearsonOr and
// MatrixInto the value the caller names (the browser app shows 0). NaN or
// infinite inputs give NaN. Nothing here allocates except Matrix and
// nothing imports more than the standard library, so the browser app uses
// it as is.
package corr
