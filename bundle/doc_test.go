package bundle

import (
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"fmriface/bundle/quant"
)

// docExample builds the worked example of docs/bundle-format.md.
func docExample(t *testing.T) []byte {
	w := NewWriter()
	w.SetMeta("kind", "demo")
	w.SetMeta("seed", int64(7))
	w.AddUint8("roi", []int{3}, []uint8{1, 2, 3})
	w.AddFloat32("w", []int{2, 3}, []float32{0.5, -1, 0.25, 3.5, 0, -0.5}, quant.Q4)
	b, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDocExample keeps the spec's hex dump true: it must be exactly what the
// writer produces today, and it must decode to the values the text states.
func TestDocExample(t *testing.T) {
	data := docExample(t)
	dump := hex.Dump(data)
	doc, err := os.ReadFile("../docs/bundle-format.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), dump) {
		t.Errorf("docs/bundle-format.md lacks the current hex dump of the example; it is now:\n%s", dump)
	}
	b, err := Parse(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	w, _ := b.Float32("w")
	want := []float32{0.5, -1, 0.25, 3.5, 0, -0.5} // exact: scales 0.125 and 0.5
	for i := range want {
		if w[i] != want[i] {
			t.Fatalf("example w = %v, want %v", w, want)
		}
	}
}
