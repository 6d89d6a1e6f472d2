package sim

import (
	"fmt"
	"io"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// colourGrid is the side of the grid of image regions whose mean colour
// colourStats reads, besides the whole image's.
const colourGrid = 3

// numColourStats is the number of colour statistics of an image: the mean
// R, G and B over the whole image and over each cell of the grid.
const numColourStats = 3 * (1 + colourGrid*colourGrid)

// colourStats returns, for each face ids[r], the mean of each colour
// channel over the whole image and over each cell of a 3 × 3 grid (rows ×
// numColourStats): what overall luminance, hair, skin and background
// colour look like to a model that reads pixels. Read from the stimulus
// pixels alone.
func colourStats(pool *Pool, ids []int) []float64 {
	n := pool.Size
	out := make([]float64, len(ids)*numColourStats)
	for r, id := range ids {
		img := pool.Image(id) // CHW
		row := out[r*numColourStats : (r+1)*numColourStats]
		for c := 0; c < 3; c++ {
			plane := img[c*n*n : (c+1)*n*n]
			var cells [colourGrid * colourGrid]float64
			var all float64
			for y := 0; y < n; y++ {
				cy := y * colourGrid / n
				for x := 0; x < n; x++ {
					v := float64(plane[y*n+x])
					all += v
					cells[cy*colourGrid+x*colourGrid/n] += v
				}
			}
			row[c] = all / float64(n*n)
			for k, s := range cells {
				cw := (n*(k%colourGrid+1))/colourGrid - (n*(k%colourGrid))/colourGrid
				ch := (n*(k/colourGrid+1))/colourGrid - (n*(k/colourGrid))/colourGrid
				row[3+c*colourGrid*colourGrid+k] = s / float64(cw*ch)
			}
		}
	}
	return out
}

// removeColour makes the columns of m (rows × cols) blind to the colour
// statistics s (rows × numColourStats) in the linear sense: each column's
// least-squares fit on the centred statistics (ridge 1e-6 of their mean
// variance, for near-collinear channels) is subtracted. It returns the
// share of m's variance that the statistics explained (R², all columns
// pooled) before the removal.
func removeColour(m []float32, rows, cols int, s []float64) (float64, error) {
	q := numColourStats
	if rows <= q+1 {
		return 0, fmt.Errorf("sim: colour invariance: %d images, want more than %d", rows, q+1)
	}
	sc := mat.NewDense(rows, q, slices.Clone(s))
	centreColumns(sc)
	y := mat.NewDense(rows, cols, nil)
	means := make([]float64, cols)
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			y.Set(r, c, float64(m[r*cols+c]))
		}
	}
	for c := range means {
		means[c] = centreColumn(y, c)
	}
	// Normal equations (SᵀS + εI) B = Sᵀ Y.
	var g mat.SymDense
	g.SymOuterK(1, sc.T())
	eps := 1e-6 * mat.Trace(&g) / float64(q)
	for i := 0; i < q; i++ {
		g.SetSym(i, i, g.At(i, i)+eps)
	}
	var ch mat.Cholesky
	if !ch.Factorize(&g) {
		return 0, fmt.Errorf("sim: colour invariance: the colour statistics' Gram matrix is singular")
	}
	var sty, b, fit mat.Dense
	sty.Mul(sc.T(), y)
	if err := ch.SolveTo(&b, &sty); err != nil {
		return 0, fmt.Errorf("sim: colour invariance: %w", err)
	}
	fit.Mul(sc, &b)
	total := mat.Norm(y, 2)
	y.Sub(y, &fit)
	left := mat.Norm(y, 2)
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			m[r*cols+c] = float32(y.At(r, c) + means[c])
		}
	}
	if total == 0 {
		return 0, nil
	}
	return 1 - left*left/(total*total), nil
}

// centreColumns subtracts each column's mean.
func centreColumns(a *mat.Dense) {
	_, cols := a.Dims()
	for c := 0; c < cols; c++ {
		centreColumn(a, c)
	}
}

// centreColumn subtracts column c's mean and returns it.
func centreColumn(a *mat.Dense, c int) float64 {
	rows, _ := a.Dims()
	col := a.ColView(c)
	mean := mat.Sum(col) / float64(rows)
	for r := 0; r < rows; r++ {
		a.Set(r, c, a.At(r, c)-mean)
	}
	return mean
}

// noteColour reports how much of a level's variance the colour statistics
// explain (the brain v2's log; w may be nil).
func noteColour(w io.Writer, level string, r2 float64, removed bool) {
	if w == nil {
		return
	}
	what := "kept"
	if removed {
		what = "removed"
	}
	fmt.Fprintf(w, "brain v2: the image's colour statistics explain %.1f %% of the %s level's variance (%s)\n", 100*r2, level, what)
}
