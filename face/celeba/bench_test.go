package celeba

import "testing"

// BenchmarkLoadAll decodes the whole real folder at 64×64 (no cache).
func BenchmarkLoadAll(b *testing.B) {
	dir := realDir(b)
	for b.Loop() {
		d, err := Load(Options{Dir: dir, Size: 64})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(d.Faces)), "faces")
		b.ReportMetric(float64(len(d.Skipped)), "skipped")
	}
}

// BenchmarkLoadAllCached loads the whole real folder at 64×64 from a warm
// pixel cache (the cache is built once, outside the timing).
func BenchmarkLoadAllCached(b *testing.B) {
	dir := realDir(b)
	opts := Options{Dir: dir, Size: 64, CacheDir: b.TempDir()}
	if _, err := Load(opts); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		d, err := Load(opts)
		if err != nil {
			b.Fatal(err)
		}
		if !d.FromCache {
			b.Fatal("cache not used")
		}
	}
}
