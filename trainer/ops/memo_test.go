package ops

import "testing"

// TestMemoShare plays the orders in which a layer's ops call share and checks
// when the second caller gets the first one's buffer and when it computes.
func TestMemoShare(t *testing.T) {
	a, b := make([]float32, 4), make([]float32, 4)
	type call struct {
		party    int
		src      []float32
		wantHit  bool
		describe string
	}
	for _, tc := range []struct {
		name  string
		calls []call
	}{
		{"forward then gradient", []call{{0, a, false, "forward computes"}, {1, a, true, "gradient takes it"}}},
		{"taken once", []call{{0, a, false, ""}, {1, a, true, ""}, {1, a, false, "nothing left"}}},
		{"two steps", []call{{0, a, false, ""}, {1, a, true, ""}, {0, a, false, "next step computes again"}, {1, a, true, ""}}},
		{"own buffer is not shared", []call{{0, a, false, ""}, {0, a, false, "same party computes"}}},
		{"other tensor", []call{{0, a, false, ""}, {1, b, false, "different source"}}},
		{"shorter view", []call{{0, a, false, ""}, {1, a[:2], false, "different length"}}},
		{"stale after the taker ran", []call{{1, a, false, "only the gradient runs"}, {0, a, true, "dx runs"},
			{0, a, false, "step without the gradient: dx computes"}, {0, a, false, "its own buffer again"}}},
		{"one party alone", []call{{1, a, false, ""}, {1, a, false, "never its own buffer, even from the same memory"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMemo()
			for i, c := range tc.calls {
				computed := false
				got := m.share(c.party, c.src, func() []float32 { computed = true; return make([]float32, 1) })
				if got == nil || computed == c.wantHit {
					t.Fatalf("call %d (%s): computed %v, want hit %v", i, c.describe, computed, c.wantHit)
				}
			}
		})
	}
	var nilMemo *memo
	if got := nilMemo.share(0, a, func() []float32 { return []float32{7} }); len(got) != 1 || got[0] != 7 {
		t.Fatalf("nil memo: %v, want the computed buffer", got)
	}
}
