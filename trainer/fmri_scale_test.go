package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClockSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1:46.15", 106.15, true},
		{"1:02:03", 3723, true},
		{"0:00.50", 0.5, true},
		{"abc", 0, false},
		{"1:2:3:4", 0, false},
	} {
		got, err := clockSeconds(tc.in)
		if (err == nil) != tc.ok || tc.ok && (got < tc.want-1e-9 || got > tc.want+1e-9) {
			t.Errorf("clockSeconds(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// A GNU time -v report, the step's log and its load samples become one
// step's measurement; a failed or foreign report is an error naming the file.
func TestReadScaleStep(t *testing.T) {
	const timeV = `	Command being timed: "trainer fmri simulate"
	User time (seconds): 28.10
	System time (seconds): 8.48
	Percent of CPU this job got: 34%
	Elapsed (wall clock) time (h:mm:ss or m:ss): 1:46.15
	Maximum resident set size (kbytes): 2336164
	Exit status: 0
`
	for _, tc := range []struct {
		name, time, load string
		wantErr          string
		check            func(t *testing.T, st scaleStep)
	}{
		{"ok", timeV, "3.5\n4.5\n", "", func(t *testing.T, st scaleStep) {
			if st.Seconds != 106.15 || st.PeakRSSGB != 2.392 || st.CPUSeconds != 36.6 || st.CPUPercent != 34 {
				t.Errorf("got %+v", st)
			}
			if st.LoadAvgMean != 4 || st.LoadAvgMax != 4.5 || st.LoadSamples != 2 || !st.WithinLimits {
				t.Errorf("load %+v", st)
			}
			if st.Command != "trainer fmri simulate --scale real" {
				t.Errorf("command %q", st.Command)
			}
		}},
		{"over the memory limit", strings.Replace(timeV, "2336164", "17000000", 1), "", "", func(t *testing.T, st scaleStep) {
			if st.WithinLimits {
				t.Errorf("%.1f GB counted within the limits", st.PeakRSSGB)
			}
		}},
		{"failed", strings.Replace(timeV, "Exit status: 0", "Exit status: 1", 1), "", "failed", nil},
		{"not GNU time", "hello\n", "", "not a GNU time", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "simulate.time"), []byte(tc.time), 0o644)
			os.WriteFile(filepath.Join(dir, "simulate.log"), []byte("scale.sh: simulate: trainer fmri simulate --scale real\nmore\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "simulate.load"), []byte(tc.load), 0o644)
			st, err := readScaleStep(dir, "simulate")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "simulate.time") {
					t.Errorf("error %v, want one naming simulate.time and %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, st)
		})
	}
}

func TestReadBench(t *testing.T) {
	log := `## native site-data
goos: linux
BenchmarkLoadSiteData-2   	       5	 123456789 ns/op	  12.5 MB/s
BenchmarkDecodeSiteData/single-2         	       5	  20000000 ns/op	         0 heap-B/op
## wasm site-data
BenchmarkDecodeSiteData/single         	       5	  45000000 ns/op
BenchmarkDecodeSiteData/single-pca         	       5	  47000000 ns/op
`
	path := filepath.Join(t.TempDir(), "browser.log")
	os.WriteFile(path, []byte(log), 0o644)
	got, err := readBench(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"native site-data LoadSiteData ms": 123.46, "native site-data DecodeSiteData/single ms": 20, "wasm site-data DecodeSiteData/single ms": 45,
		"wasm site-data DecodeSiteData/single-pca ms": 47}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %v", got)
	}
}
