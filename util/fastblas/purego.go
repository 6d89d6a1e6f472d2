//go:build purego

package fastblas

// Use keeps gonum's pure-Go BLAS and returns its name.
func Use() string { return "gonum (pure Go)" }

// UseForTraining is Use: gonum's BLAS has no worker threads of its own.
func UseForTraining() string { return Use() }
