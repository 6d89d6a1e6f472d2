package app

import (
	"math"

	"fmriface/infer/site"
)

// maxMosaicPixels bounds the mosaic image (16 MiB of RGBA).
const maxMosaicPixels = 1 << 22

// Mosaic is a subject's voxels drawn as a grid of axial slices (one tile per
// grid plane k that holds voxels), each voxel a Cell×Cell square coloured by
// its response, with the edges of each region outlined in its colour.
type Mosaic struct {
	W, H int
	RGBA []byte // W×H×4
	Cell int
	Cols int // tiles per row

	s       *site.Subject
	origin  []int32 // per voxel: pixel index of its square's top-left corner
	edges   []uint8 // per voxel: bit 0..3 set where the left/right/top/bottom edge borders another region or no voxel
	Version int     // incremented on every Paint
}

// Colours of the regions' outlines, by label (1 occipital, 2 temporal,
// 3 frontoparietal), chosen to stay apart from the red/blue of the responses.
func roiColor(label uint8) [3]byte {
	switch label {
	case 1:
		return [3]byte{255, 212, 0}
	case 2:
		return [3]byte{0, 208, 132}
	default:
		return [3]byte{176, 124, 255}
	}
}

// ROIColor is the outline colour of region k (1…3); "all" (0) is white.
func ROIColor(k int) [3]byte {
	if k == 0 {
		return [3]byte{255, 255, 255}
	}
	return roiColor(uint8(k))
}

// NewMosaic lays out the slices of s's voxels (their bounding box only).
func NewMosaic(s *site.Subject) *Mosaic {
	lo := [3]int{math.MaxInt, math.MaxInt, math.MaxInt}
	hi := [3]int{-1, -1, -1}
	for v := 0; v < s.V; v++ {
		for a := range 3 {
			c := int(s.IJK[3*v+a])
			lo[a] = min(lo[a], c)
			hi[a] = max(hi[a], c)
		}
	}
	bx, by, bz := hi[0]-lo[0]+1, hi[1]-lo[1]+1, hi[2]-lo[2]+1
	cols := max(1, int(math.Ceil(math.Sqrt(float64(bz)*float64(by)/float64(bx)))))
	cols = min(cols, bz)
	rows := (bz + cols - 1) / cols
	const gap = 1 // cells between tiles
	cell := 4
	for cell > 1 && cols*(bx+gap)*cell*rows*(by+gap)*cell > maxMosaicPixels {
		cell--
	}
	m := &Mosaic{Cell: cell, Cols: cols, s: s}
	m.W = cols * (bx + gap) * cell
	m.H = rows * (by + gap) * cell
	if m.W*m.H > maxMosaicPixels {
		// A grid too large to draw even at one pixel a voxel: keep the
		// geometry but draw nothing.
		m.W, m.H = 1, 1
		m.RGBA = make([]byte, 4)
		return m
	}
	m.RGBA = make([]byte, 4*m.W*m.H)
	// Voxel lookup over the bounding box, for the outlines.
	box := make([]int32, bx*by*bz)
	for i := range box {
		box[i] = -1
	}
	at := func(i, j, k int) int32 {
		if i < 0 || j < 0 || i >= bx || j >= by {
			return -1
		}
		return box[(k*by+j)*bx+i]
	}
	m.origin = make([]int32, s.V)
	m.edges = make([]uint8, s.V)
	for v := 0; v < s.V; v++ {
		i, j, k := int(s.IJK[3*v])-lo[0], int(s.IJK[3*v+1])-lo[1], int(s.IJK[3*v+2])-lo[2]
		box[(k*by+j)*bx+i] = int32(v)
		tx, ty := k%cols, k/cols
		// j grows upwards in the picture.
		x := (tx*(bx+gap) + i) * cell
		y := (ty*(by+gap) + (by - 1 - j)) * cell
		m.origin[v] = int32(y*m.W + x)
	}
	for v := 0; v < s.V; v++ {
		i, j, k := int(s.IJK[3*v])-lo[0], int(s.IJK[3*v+1])-lo[1], int(s.IJK[3*v+2])-lo[2]
		var e uint8
		for bit, n := range [4]int32{at(i-1, j, k), at(i+1, j, k), at(i, j+1, k), at(i, j-1, k)} {
			if n < 0 || s.Label[n] != s.Label[v] {
				e |= 1 << bit
			}
		}
		m.edges[v] = e
	}
	return m
}

// Paint colours every voxel by pattern (length V): red for positive, blue for
// negative responses, scaled by the largest magnitude in the region shown;
// voxels outside region roi (0 = all) are grey. Region edges are outlined.
func (m *Mosaic) Paint(pattern []float32, roi int) {
	m.Version++
	if m.origin == nil {
		return
	}
	for i := 0; i < len(m.RGBA); i += 4 {
		m.RGBA[i], m.RGBA[i+1], m.RGBA[i+2], m.RGBA[i+3] = 16, 16, 20, 255
	}
	var scale float64
	for v, x := range pattern {
		if roi == 0 || int(m.s.Label[v]) == roi {
			scale = max(scale, math.Abs(float64(x)))
		}
	}
	if scale == 0 {
		scale = 1
	}
	c := m.Cell
	for v, x := range pattern {
		var col [3]byte
		if roi != 0 && int(m.s.Label[v]) != roi {
			col = [3]byte{58, 58, 62}
		} else {
			a := math.Min(1, math.Abs(float64(x))/scale)
			// Dark at zero, saturated at the largest response.
			lv := byte(30 + 225*a)
			dv := byte(30 + 60*a)
			if x >= 0 {
				col = [3]byte{lv, dv, 30}
			} else {
				col = [3]byte{30, dv, lv}
			}
		}
		o := int(m.origin[v])
		edge := roiColor(m.s.Label[v])
		e := m.edges[v]
		for dy := range c {
			for dx := range c {
				p := 4 * (o + dy*m.W + dx)
				px := col
				if c > 1 && ((e&1 != 0 && dx == 0) || (e&2 != 0 && dx == c-1) || (e&4 != 0 && dy == 0) || (e&8 != 0 && dy == c-1)) {
					px = edge
				}
				m.RGBA[p], m.RGBA[p+1], m.RGBA[p+2] = px[0], px[1], px[2]
			}
		}
	}
}
