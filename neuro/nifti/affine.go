package nifti

import (
	"errors"
	"math"
)

// Affine returns the 4×4 matrix that maps voxel indices (i, j, k, 1) to world
// coordinates: the sform when sform_code > 0, else the qform when
// qform_code > 0, else diag(pixdim[1..3]) (NIfTI-1 "method 1").
func (h *Header) Affine() [4][4]float64 {
	switch {
	case h.SformCode > 0:
		return h.SformAffine()
	case h.QformCode > 0:
		return h.QformAffine()
	}
	var m [4][4]float64
	for i := 0; i < 3; i++ {
		m[i][i] = float64(h.PixDim[i+1])
	}
	m[3][3] = 1
	return m
}

// SformAffine returns the matrix of srow_x, srow_y, srow_z, whatever sform_code says.
func (h *Header) SformAffine() [4][4]float64 {
	var m [4][4]float64
	for r := 0; r < 3; r++ {
		for c := 0; c < 4; c++ {
			m[r][c] = float64(h.SRow[r][c])
		}
	}
	m[3][3] = 1
	return m
}

// QformAffine returns the matrix built from the quaternion, the offsets and
// pixdim (nifti_quatern_to_mat44 of nifti1_io.c), whatever qform_code says.
func (h *Header) QformAffine() [4][4]float64 {
	b, c, d := float64(h.QuaternB), float64(h.QuaternC), float64(h.QuaternD)
	a := 1 - (b*b + c*c + d*d)
	if a < 1e-7 { // (b, c, d) is a unit vector: a 180° rotation
		s := 1 / math.Sqrt(b*b+c*c+d*d)
		b, c, d, a = b*s, c*s, d*s, 0
	} else {
		a = math.Sqrt(a)
	}
	xd, yd, zd := float64(h.PixDim[1]), float64(h.PixDim[2]), float64(h.PixDim[3])
	if xd <= 0 {
		xd = 1
	}
	if yd <= 0 {
		yd = 1
	}
	if zd <= 0 {
		zd = 1
	}
	if h.PixDim[0] < 0 { // qfac: left-handed voxel grid
		zd = -zd
	}
	return [4][4]float64{
		{(a*a + b*b - c*c - d*d) * xd, 2 * (b*c - a*d) * yd, 2 * (b*d + a*c) * zd, float64(h.QOffsetX)},
		{2 * (b*c + a*d) * xd, (a*a + c*c - b*b - d*d) * yd, 2 * (c*d - a*b) * zd, float64(h.QOffsetY)},
		{2 * (b*d - a*c) * xd, 2 * (c*d + a*b) * yd, (a*a + d*d - c*c - b*b) * zd, float64(h.QOffsetZ)},
		{0, 0, 0, 1},
	}
}

// SetSform stores the top three rows of m as the sform with the given code
// (XformScanner, XformAligned, ...).
func (h *Header) SetSform(m [4][4]float64, code int16) {
	for r := 0; r < 3; r++ {
		for c := 0; c < 4; c++ {
			h.SRow[r][c] = float32(m[r][c])
		}
	}
	h.SformCode = code
}

// SetQform stores m as the qform with the given code: the quaternion of its
// rotation, its offsets, its column lengths as pixdim[1..3] and its handedness
// as qfac (nifti_mat44_to_quatern of nifti1_io.c). Shears cannot be expressed
// by a qform: the rotation is the nearest orthogonal matrix. It fails for a
// matrix with a zero column or a non-finite entry.
func (h *Header) SetQform(m [4][4]float64, code int16) error {
	var r [3][3]float64
	var size [3]float64
	for c := 0; c < 3; c++ {
		for i := 0; i < 3; i++ {
			if math.IsNaN(m[i][c]) || math.IsInf(m[i][c], 0) {
				return errors.New("qform: matrix has a non-finite entry")
			}
			size[c] += m[i][c] * m[i][c]
		}
		size[c] = math.Sqrt(size[c])
		if size[c] == 0 {
			return errors.New("qform: matrix has a zero column")
		}
		for i := 0; i < 3; i++ {
			r[i][c] = m[i][c] / size[c]
		}
	}
	r, ok := polar(r)
	if !ok {
		return errors.New("qform: matrix is singular")
	}
	qfac := float32(1)
	if det3(r) < 0 {
		qfac = -1
		for i := 0; i < 3; i++ {
			r[i][2] = -r[i][2]
		}
	}
	var a, b, c, d float64
	if t := r[0][0] + r[1][1] + r[2][2] + 1; t > 0.5 {
		a = 0.5 * math.Sqrt(t)
		b = 0.25 * (r[2][1] - r[1][2]) / a
		c = 0.25 * (r[0][2] - r[2][0]) / a
		d = 0.25 * (r[1][0] - r[0][1]) / a
	} else {
		xd := 1 + r[0][0] - (r[1][1] + r[2][2])
		yd := 1 + r[1][1] - (r[0][0] + r[2][2])
		zd := 1 + r[2][2] - (r[0][0] + r[1][1])
		switch {
		case xd > 1:
			b = 0.5 * math.Sqrt(xd)
			c = 0.25 * (r[0][1] + r[1][0]) / b
			d = 0.25 * (r[0][2] + r[2][0]) / b
			a = 0.25 * (r[2][1] - r[1][2]) / b
		case yd > 1:
			c = 0.5 * math.Sqrt(yd)
			b = 0.25 * (r[0][1] + r[1][0]) / c
			d = 0.25 * (r[1][2] + r[2][1]) / c
			a = 0.25 * (r[0][2] - r[2][0]) / c
		default:
			d = 0.5 * math.Sqrt(zd)
			b = 0.25 * (r[0][2] + r[2][0]) / d
			c = 0.25 * (r[1][2] + r[2][1]) / d
			a = 0.25 * (r[1][0] - r[0][1]) / d
		}
		if a < 0 {
			b, c, d = -b, -c, -d
		}
	}
	h.QuaternB, h.QuaternC, h.QuaternD = float32(b), float32(c), float32(d)
	h.QOffsetX, h.QOffsetY, h.QOffsetZ = float32(m[0][3]), float32(m[1][3]), float32(m[2][3])
	h.PixDim[0] = qfac
	for i := 0; i < 3; i++ {
		h.PixDim[i+1] = float32(size[i])
	}
	h.QformCode = code
	return nil
}

func det3(m [3][3]float64) float64 {
	return m[0][0]*(m[1][1]*m[2][2]-m[1][2]*m[2][1]) -
		m[0][1]*(m[1][0]*m[2][2]-m[1][2]*m[2][0]) +
		m[0][2]*(m[1][0]*m[2][1]-m[1][1]*m[2][0])
}

// polar returns the orthogonal factor of m by the Newton iteration
// X ← (X + X⁻ᵀ)/2, which converges quadratically for a non-singular m.
func polar(m [3][3]float64) ([3][3]float64, bool) {
	x := m
	for it := 0; it < 100; it++ {
		det := det3(x)
		if det == 0 || math.IsNaN(det) || math.IsInf(det, 0) {
			return x, false
		}
		// The inverse transpose is the cofactor matrix over the determinant.
		var next [3][3]float64
		var diff float64
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				i1, i2 := (i+1)%3, (i+2)%3
				j1, j2 := (j+1)%3, (j+2)%3
				cof := x[i1][j1]*x[i2][j2] - x[i1][j2]*x[i2][j1]
				next[i][j] = 0.5 * (x[i][j] + cof/det)
				diff += math.Abs(next[i][j] - x[i][j])
			}
		}
		x = next
		if diff < 1e-14 {
			return x, true
		}
	}
	return x, true
}
