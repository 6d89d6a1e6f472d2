package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"fmriface/neuro/bids"
)

// testPool makes a synthetic pool of n faces of side size: blobs and
// gratings of random colour, position and orientation; faces alternate
// female/male; the first nTrain are the training part, the rest the test part.
func testPool(n, nTrain, size int) *Pool {
	rng := rand.New(rand.NewPCG(7, 11))
	attrs := []string{"Male", "Smiling", "Eyeglasses", "Young"}
	p := &Pool{Size: size, AttrNames: attrs}
	imgs := make([][]float32, n)
	for i := 0; i < n; i++ {
		f := PoolFace{Name: fmt.Sprintf("%06d.jpg", i+1), Male: i%2 == 1, Attr: make([]int8, len(attrs))}
		for k := range f.Attr {
			f.Attr[k] = -1
			if rng.IntN(2) == 1 {
				f.Attr[k] = 1
			}
		}
		f.Attr[0] = -1
		if f.Male {
			f.Attr[0] = 1
		}
		p.Faces = append(p.Faces, f)
		img := make([]float32, 3*size*size)
		cx, cy := rng.Float64()*float64(size), rng.Float64()*float64(size)
		th := rng.Float64() * math.Pi
		lam := 3 + rng.Float64()*10
		col := [3]float64{rng.Float64(), rng.Float64(), rng.Float64()}
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				d := (float64(x)-cx)*(float64(x)-cx) + (float64(y)-cy)*(float64(y)-cy)
				blob := math.Exp(-d / (2 * 36))
				gr := 0.5 + 0.5*math.Sin(2*math.Pi*(float64(x)*math.Cos(th)+float64(y)*math.Sin(th))/lam)
				for c := 0; c < 3; c++ {
					img[c*size*size+y*size+x] = float32(0.2 + 0.5*blob*col[c] + 0.3*gr*col[(c+1)%3])
				}
			}
		}
		imgs[i] = img
		if i < nTrain {
			p.Train = append(p.Train, i)
		} else {
			p.Test = append(p.Test, i)
		}
	}
	p.Image = func(i int) []float32 { return imgs[i] }
	return p
}

// testDesign writes a small ds001761-like design: per subject, nRuns runs
// of nvols volumes at TR 2 s with training faces (F/M names unique per run),
// 10 female and 10 male test faces recurring, fixation, one-back repeats, and
// an imagery block in the last run.
func testDesign(t testing.TB, subs []string, nRuns, nvols int) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "design")
	if err := bids.WriteDescription(root, bids.Description{Name: "test design", BIDSVersion: "1.8.0"}); err != nil {
		t.Fatal(err)
	}
	for _, sub := range subs {
		for r := 1; r <= nRuns; r++ {
			e := bids.Entities{Subject: sub, Session: fmt.Sprintf("%02d", (r+1)/2), Task: "faces", Run: r}
			var ev []bids.Event
			onset := 6.0
			end := float64(nvols)*2 - 20
			k := 0
			if r == nRuns {
				ev = append(ev, bids.Event{Onset: onset, Duration: 12, TrialType: TrialImg, StimFile: "placeholders/fixation.png"})
				onset += 15
			}
			var last string
			for onset < end {
				var e bids.Event
				switch {
				case k%4 == 3:
					e = bids.Event{TrialType: TrialFix, StimFile: "placeholders/fixation.png"}
				case k%9 == 5 && last != "":
					e = bids.Event{TrialType: TrialTrain, StimFile: last, OneBack: true}
				case k%5 == 1:
					g := "F"
					if k%2 == 0 {
						g = "M"
					}
					e = bids.Event{TrialType: TrialTest, StimFile: fmt.Sprintf("sub%s/run%02d/%s%04d.jpg", sub, r, g, 9000+(k/2+r)%10)}
				default:
					g := "F"
					if k%2 == 0 {
						g = "M"
					}
					e = bids.Event{TrialType: TrialTrain, StimFile: fmt.Sprintf("sub%s/run%02d/%s%04d.jpg", sub, r, g, 100*r+k)}
				}
				if e.TrialType == TrialTrain && !e.OneBack {
					last = e.StimFile
				} else if e.TrialType != TrialTrain {
					last = ""
				}
				e.Onset, e.Duration = onset, 1
				ev = append(ev, e)
				onset += 3
				k++
			}
			if err := bids.WriteEvents(e.File(root, "events", ".tsv"), ev); err != nil {
				t.Fatal(err)
			}
			if err := bids.WriteSidecar(e.File(root, "bold", ".json"), bids.Sidecar{RepetitionTime: 2, TaskName: "faces"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// tinyConfig is a configuration that simulates in about a second.
func tinyConfig(subs ...string) Config {
	c := DefaultConfig()
	c.Subjects = subs
	c.Noise = make([]float64, len(subs))
	for i := range c.Noise {
		c.Noise[i] = 1
	}
	c.Grid = [3]int{12, 14, 10}
	c.NVols = 80
	c.NoFigure = true
	return c
}
