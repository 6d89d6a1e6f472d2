//go:build purego

package fastblas

// Use keeps gonum's pure-Go BLAS and returns its name.
func Use() string { return "gonum (pure Go)" }
