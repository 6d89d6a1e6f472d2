package sim

import (
	"fmt"
	"io"
	"math"
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
	sc := make([]float64, len(s))
	copy(sc, s)
	centreColumns64(sc, rows, q)
	// Normal equations G B = Sᵀ M with G = SᵀS + εI, solved by Cholesky.
	g := make([]float64, q*q)
	for r := 0; r < rows; r++ {
		x := sc[r*q : (r+1)*q]
		for i := 0; i < q; i++ {
			for j := 0; j <= i; j++ {
				g[i*q+j] += x[i] * x[j]
			}
		}
	}
	var tr float64
	for i := 0; i < q; i++ {
		tr += g[i*q+i]
	}
	for i := 0; i < q; i++ {
		g[i*q+i] += 1e-6 * tr / float64(q)
	}
	if err := cholesky64(g, q); err != nil {
		return 0, fmt.Errorf("sim: colour invariance: %w", err)
	}
	var total, explained float64
	col := make([]float64, rows)
	b := make([]float64, q)
	for c := 0; c < cols; c++ {
		var mean float64
		for r := 0; r < rows; r++ {
			col[r] = float64(m[r*cols+c])
			mean += col[r]
		}
		mean /= float64(rows)
		clear(b)
		for r := 0; r < rows; r++ {
			col[r] -= mean
			total += col[r] * col[r]
			for i, x := range sc[r*q : (r+1)*q] {
				b[i] += x * col[r]
			}
		}
		solveCholesky64(g, q, b)
		for r := 0; r < rows; r++ {
			var fit float64
			for i, x := range sc[r*q : (r+1)*q] {
				fit += x * b[i]
			}
			explained += fit * (2*col[r] - fit) // ‖y‖² − ‖y − ŷ‖²
			m[r*cols+c] = float32(col[r] - fit + mean)
		}
	}
	if total == 0 {
		return 0, nil
	}
	return explained / total, nil
}

func centreColumns64(m []float64, rows, cols int) {
	for c := 0; c < cols; c++ {
		var mean float64
		for r := 0; r < rows; r++ {
			mean += m[r*cols+c]
		}
		mean /= float64(rows)
		for r := 0; r < rows; r++ {
			m[r*cols+c] -= mean
		}
	}
}

// cholesky64 factors the symmetric positive definite q × q matrix a (lower
// triangle read and written) in place.
func cholesky64(a []float64, q int) error {
	for j := 0; j < q; j++ {
		s := a[j*q+j]
		for k := 0; k < j; k++ {
			s -= a[j*q+k] * a[j*q+k]
		}
		if !(s > 0) {
			return fmt.Errorf("the colour statistics' Gram matrix is singular (pivot %d: %.3g)", j, s)
		}
		d := math.Sqrt(s)
		a[j*q+j] = d
		for i := j + 1; i < q; i++ {
			t := a[i*q+j]
			for k := 0; k < j; k++ {
				t -= a[i*q+k] * a[j*q+k]
			}
			a[i*q+j] = t / d
		}
	}
	return nil
}

// solveCholesky64 solves (L Lᵀ) x = b in place.
func solveCholesky64(l []float64, q int, b []float64) {
	for i := 0; i < q; i++ {
		s := b[i]
		for k := 0; k < i; k++ {
			s -= l[i*q+k] * b[k]
		}
		b[i] = s / l[i*q+i]
	}
	for i := q - 1; i >= 0; i-- {
		s := b[i]
		for k := i + 1; k < q; k++ {
			s -= l[k*q+i] * b[k]
		}
		b[i] = s / l[i*q+i]
	}
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
