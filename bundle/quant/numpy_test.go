package quant

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// TestFloat16MatchesNumpy converts edge cases and random float32 bit patterns
// with numpy's float32→float16 cast (round to nearest even) and requires the
// same bits, when a python3 with numpy is available.
func TestFloat16MatchesNumpy(t *testing.T) {
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no subprocesses under WebAssembly")
	}
	var py string
	for _, c := range []string{os.Getenv("FMRIFACE_PYTHON"), "python3", "/usr/bin/python3"} {
		if p, err := exec.LookPath(c); c != "" && err == nil && exec.Command(p, "-c", "import numpy").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		t.Skip("no python3 with numpy (set FMRIFACE_PYTHON)")
	}
	bits := []uint32{0, 0x80000000, 0x3f800000, 0x477fe000, 0x477fefff, 0x477ff000, 0x7f800000, 0xff800000,
		0x33000000, 0x33000001, 0x33800000, 0x387fc000, 0x387fe000, 0x38800000, 0x00000001, 0x7f7fffff}
	r := rand.New(rand.NewPCG(5, 5))
	for range 20000 {
		// Mostly values near half precision's range, where rounding matters.
		e := uint32(100 + r.IntN(60))
		bits = append(bits, r.Uint32()&0x807fffff|e<<23)
	}
	in, _ := json.Marshal(bits)
	code := `import json, sys, numpy as np
b = np.array(json.load(sys.stdin), np.uint32)
json.dump(b.view(np.float32).astype(np.float16).view(np.uint16).tolist(), sys.stdout)`
	cmd := exec.Command(py, "-c", code)
	stdin, _ := cmd.StdinPipe()
	go func() { stdin.Write(in); stdin.Close() }()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("numpy: %v", err)
	}
	var want []uint16
	if err := json.Unmarshal(out, &want); err != nil || len(want) != len(bits) {
		t.Fatalf("numpy output: %v (%d values for %d)", err, len(want), len(bits))
	}
	for i, b := range bits {
		f := math.Float32frombits(b)
		if got := Float32ToFloat16(f); got != want[i] {
			t.Fatalf("Float32ToFloat16(%g, bits %#08x) = %#04x, numpy %#04x", f, b, got, want[i])
		}
	}
}
