package sim

import (
	"context"
	"testing"
)

// BenchmarkFeatures measures the feature bank on 64 × 64 faces (the full
// simulation computes it for about 13,000 faces).
func BenchmarkFeatures(b *testing.B) {
	p := testPool(8, 8, 64)
	fe := newFeatureExtractor(64)
	out := make([]float32, NumFeatures)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fe.compute(p.Image(i%8), out)
	}
}

// BenchmarkResponses measures the voxel drives of the default brain, per face.
func BenchmarkResponses(b *testing.B) {
	a, err := makeAnatomy(1, "01", Grid{Dims: [3]int{24, 28, 20}, VoxelMM: 3})
	if err != nil {
		b.Fatal(err)
	}
	t := makeTuning(1, "01", a, 4)
	p := testPool(64, 64, 64)
	ids := make([]int, 64)
	for i := range ids {
		ids[i] = i
	}
	feat, err := imageFeatures(context.Background(), 64, p.Image, ids, nil)
	if err != nil {
		b.Fatal(err)
	}
	attr := poolAttributes(p)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := voxelResponses(context.Background(), feat, attr, 64, 4, t, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Seconds())/float64(b.N*64)*1e6, "µs/face")
}

// BenchmarkSimulateRun measures one 195-volume run of the default brain,
// files included (the full simulation has 404).
func BenchmarkSimulateRun(b *testing.B) {
	design := testDesign(b, []string{"01"}, 1, 195)
	pool := testPool(400, 300, 64)
	cfg := DefaultConfig()
	cfg.Subjects, cfg.Noise = []string{"01"}, []float64{1}
	d, err := ReadDesign(design, "01", 0, 195, 2)
	if err != nil {
		b.Fatal(err)
	}
	asg, err := assignStimuli(1, d, pool)
	if err != nil {
		b.Fatal(err)
	}
	ids, _ := asg.stimulusRows()
	feat, err := imageFeatures(context.Background(), 64, pool.Image, ids, nil)
	if err != nil {
		b.Fatal(err)
	}
	featRow := map[int]int{}
	for r, id := range ids {
		featRow[id] = r
	}
	s := &subject{label: "01", noise: 1, design: d, asg: asg}
	if err := s.build(context.Background(), cfg, &stimulusFeatures{feat: feat, featRow: featRow, attrZ: poolAttributes(pool), nAttr: len(pool.AttrNames)}, nil); err != nil {
		b.Fatal(err)
	}
	out := b.TempDir()
	hrf := newHRFTable()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.simulateRun(cfg, out, hrf, d.Runs[0], false); err != nil {
			b.Fatal(err)
		}
	}
}
