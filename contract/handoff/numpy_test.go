package handoff

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The snippet of docs/fmri-outputs.md must work: numpy reads a subject file
// and decodes the test patterns (y·D + latent.mean) to what the Go decoder
// gives.
func TestNumpyReadsSubject(t *testing.T) {
	py := ""
	for _, c := range []string{os.Getenv("FMRIFACE_PYTHON"), "python3", "/usr/bin/python3"} {
		if c != "" && exec.Command(c, "-c", "import numpy").Run() == nil {
			py = c
			break
		}
	}
	if py == "" {
		t.Skip("no python3 with numpy (set FMRIFACE_PYTHON)")
	}
	s := fixture(t, "sub-01", 3)
	p := Path(t.TempDir(), s.ID)
	if err := Write(p, s); err != nil {
		t.Fatal(err)
	}
	script := `
import json, sys, numpy as np
z = np.load(sys.argv[1])
meta = json.loads(z["__meta__"].tobytes())
D = z["decoder.all"]
zhat = z["test.patterns"] @ D + z["latent.mean"]
ijk = z["voxels.ijk"].astype(np.int16)
assert meta["format"] == "fmriface-fmri-subject/1" and meta["subject"] == "sub-01"
assert D.shape == (meta["n_voxels"], meta["latent"]) and ijk.shape == (meta["n_voxels"], 3)
assert z["latent.mean"].shape == (meta["latent"],)
occ = z["roi.occipital"].astype(int)
assert (z["voxels.roi"][occ] == 1).all()
print("%.9g %.9g" % (zhat[0, 0], zhat[-1, -1]))
`
	out, err := exec.Command(py, "-c", script, p).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	all, _ := s.ROI("all")
	V, L := s.NVoxels(), s.Latent
	dot := func(i, j int) float64 {
		z := float64(s.LatentMean[j])
		for v := 0; v < V; v++ {
			z += float64(s.TestPatterns[i*V+v]) * float64(all.Decoder[v*L+j])
		}
		return z
	}
	fields := strings.Fields(string(out))
	if len(fields) != 2 {
		t.Fatalf("numpy printed %q", out)
	}
	for k, want := range []float64{dot(0, 0), dot(s.NTest()-1, L-1)} {
		var got float64
		if _, err := fmt.Sscan(fields[k], &got); err != nil {
			t.Fatal(err)
		}
		if d := got - want; d > 1e-3*(1+math.Abs(want)) || -d > 1e-3*(1+math.Abs(want)) {
			t.Errorf("numpy decoded %v, Go %v", got, want)
		}
	}
}
