package arch

import "testing"

func TestPresetsValid(t *testing.T) {
	for name, c := range Presets() {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		seen := map[string]bool{}
		for _, p := range c.Params() {
			if seen[p.Name] {
				t.Errorf("%s: duplicate param %s", name, p.Name)
			}
			seen[p.Name] = true
		}
	}
}

func TestPadsHalveAndDouble(t *testing.T) {
	for _, k := range []int{2, 3, 4, 5} {
		p := ConvPad(k)
		if got := (64+2*p-k)/2 + 1; got != 32 {
			t.Errorf("conv k=%d: 64 → %d", k, got)
		}
		p, op := DeconvPad(k)
		if got := (32-1)*2 - 2*p + k + op; got != 64 || op < 0 || op > 1 {
			t.Errorf("deconv k=%d: 32 → %d (op %d)", k, got, op)
		}
	}
}

func TestPaperSizes(t *testing.T) {
	c, err := Preset("paper")
	if err != nil {
		t.Fatal(err)
	}
	// Paper: encoder ends at 4×4×768, generator starts at 4×4×1024.
	if c.EncSize() != 4 || c.GenSize() != 4 {
		t.Fatalf("enc %d gen %d", c.EncSize(), c.GenSize())
	}
	if _, err := Preset("nope"); err == nil {
		t.Fatal("unknown preset accepted")
	}
}
