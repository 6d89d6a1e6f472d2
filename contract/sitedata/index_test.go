package sitedata_test

import (
	"strings"
	"testing"

	"fmriface/contract/sitedata"
)

var (
	shaA = strings.Repeat("a", 64)
	shaB = strings.Repeat("b", 64)
	shaC = strings.Repeat("c", 64)
	shaD = strings.Repeat("d", 64)
)

const good = `{"format":"fmriface-site/1","simulated":true,
	"generator":{"file":"generator.1.fmb","bytes":10,"sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
	"subjects":[{"id":"sub-01","file":"sub-01.2.fmb","bytes":5,"sha256":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","n_voxels":3}]}`

func TestParseIndex(t *testing.T) {
	if ix, err := sitedata.ParseIndex([]byte(good)); err != nil || ix.Subjects[0].NVoxels != 3 || ix.Notice != "" {
		t.Fatalf("good index: %+v, %v", ix, err)
	}
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"format", "fmriface-site/1", "fmriface-site/2", "format"},
		{"path", "sub-01.2.fmb", "../etc/passwd", "subjects[0]: file name \"../etc/passwd\" must be a plain name"},
		{"hidden", "sub-01.2.fmb", ".htaccess", "plain name"},
		{"query", "sub-01.2.fmb", "a?b.fmb", "plain name"},
		{"long name", "sub-01.2.fmb", strings.Repeat("x", 129), "plain name"},
		{"sha", `"` + shaB, `"` + strings.Repeat("B", 64), "subjects[0]: sub-01.2.fmb: sha256"},
		{"short sha", `"` + shaA, `"` + shaA[:10], "generator: generator.1.fmb: sha256"},
		{"bytes", `"bytes":5`, `"bytes":-5`, "out of range"},
		{"huge", `"bytes":10`, `"bytes":600000000`, "generator: generator.1.fmb: bytes 600000000 out of range"},
		{"no generator file", `"file":"generator.1.fmb",`, ``, "generator: no file name"},
		{"voxels", `"n_voxels":3`, `"n_voxels":0`, "subjects[0]: n_voxels 0"},
		{"id", `"id":"sub-01"`, `"id":""`, "subjects[0]: id"},
		{"duplicate file", "sub-01.2.fmb", "generator.1.fmb", "subjects[0]: file \"generator.1.fmb\" listed twice"},
		{"no subjects", `[{"id":"sub-01","file":"sub-01.2.fmb","bytes":5,"sha256":"` + shaB + `","n_voxels":3}]`, `[]`, "no subjects"},
		{"trailing", `"n_voxels":3}]}`, `"n_voxels":3}]}{}`, "trailing"},
		{"syntax", `"simulated":true`, `"simulated":tru`, "invalid character"},
		{"type", `"n_voxels":3`, `"n_voxels":"3"`, "n_voxels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(good, tc.from, tc.to, 1)
			if bad == good {
				t.Fatalf("replacement %q not found", tc.from)
			}
			_, err := sitedata.ParseIndex([]byte(bad))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "index.json: ") {
				t.Fatalf("got %v, want an index.json error mentioning %q", err, tc.want)
			}
		})
	}
}

// A subject's regions file is checked like any other.
func TestParseIndexRegions(t *testing.T) {
	withRegions := strings.Replace(good, `"n_voxels":3`, `"n_voxels":3,"regions":{"file":"sub-01.regions.3.fmb","bytes":4,"sha256":"`+shaC+`"}`, 1)
	ix, err := sitedata.ParseIndex([]byte(withRegions))
	if err != nil || ix.Subjects[0].Regions == nil || ix.Subjects[0].Regions.Bytes != 4 {
		t.Fatalf("index with a regions file: %v", err)
	}
	if got := ix.Files(); len(got) != 3 || got[2].File != "sub-01.regions.3.fmb" {
		t.Errorf("Files() = %v", got)
	}
	for _, tc := range []struct{ from, to, want string }{
		{"sub-01.regions.3.fmb", "sub-01.2.fmb", "regions: file \"sub-01.2.fmb\" listed twice"},
		{"sub-01.regions.3.fmb", "a/b.fmb", "subjects[0].regions: file name"},
		{`"bytes":4`, `"bytes":0`, "subjects[0].regions: sub-01.regions.3.fmb: bytes 0"},
	} {
		_, err := sitedata.ParseIndex([]byte(strings.Replace(withRegions, tc.from, tc.to, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: got %v, want an error mentioning %q", tc.from, tc.to, err, tc.want)
		}
	}
}

// The real file is optional and checked like any other, with its own bound.
func TestParseIndexReal(t *testing.T) {
	withReal := strings.Replace(good, `"n_voxels":3}]`, `"n_voxels":3}],"real":{"file":"realbrain.4.fmb","bytes":9000,"sha256":"`+shaD+`"}`, 1)
	ix, err := sitedata.ParseIndex([]byte(withReal))
	if err != nil || ix.Real == nil || ix.Real.Bytes != 9000 {
		t.Fatalf("index with a real file: %+v, %v", ix, err)
	}
	if got := ix.Files(); len(got) != 3 || got[2].File != "realbrain.4.fmb" {
		t.Errorf("Files() = %v", got)
	}
	if ix, err := sitedata.ParseIndex([]byte(good)); err != nil || ix.Real != nil {
		t.Errorf("an index without one has no real file: %+v, %v", ix, err)
	}
	for _, tc := range []struct{ from, to, want string }{
		{"realbrain.4.fmb", "sub-01.2.fmb", "real: file \"sub-01.2.fmb\" listed twice"},
		{"realbrain.4.fmb", "../realbrain.fmb", "real: file name"},
		{`"bytes":9000`, `"bytes":0`, "real: realbrain.4.fmb: bytes 0"},
		{`"bytes":9000`, `"bytes":2000000`, "real: realbrain.4.fmb: bytes 2000000, a realbrain bundle has at most"},
		{`"sha256":"` + shaD, `"sha256":"` + shaD[:8], "real: realbrain.4.fmb: sha256"},
		{`"file":"realbrain.4.fmb"`, `"file":""`, "real: no file name"},
	} {
		_, err := sitedata.ParseIndex([]byte(strings.Replace(withReal, tc.from, tc.to, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: got %v, want an error mentioning %q", tc.from, tc.to, err, tc.want)
		}
	}
}

func TestParseIndexBounds(t *testing.T) {
	big := make([]byte, sitedata.MaxIndexSize+1)
	if _, err := sitedata.ParseIndex(big); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("oversized index: %v", err)
	}
	ix := validIndex()
	for i := range sitedata.MaxSubjects + 1 {
		s := ix.Subjects[0]
		s.ID = "sub-" + strings.Repeat("x", i+1)
		s.File = s.ID + ".fmb"
		ix.Subjects = append(ix.Subjects, s)
	}
	if err := ix.Validate(); err == nil || !strings.Contains(err.Error(), "at most 64") {
		t.Errorf("%d subjects: %v", len(ix.Subjects), err)
	}
	ix = validIndex()
	ix.Subjects = append(ix.Subjects, ix.Subjects[0])
	ix.Subjects[1].File = "other.fmb"
	if err := ix.Validate(); err == nil || !strings.Contains(err.Error(), "subjects[1]: duplicate id \"sub-01\"") {
		t.Errorf("duplicate id: %v", err)
	}
}

func validIndex() *sitedata.Index {
	return &sitedata.Index{
		Format:      sitedata.IndexFormat,
		GeneratedBy: sitedata.GeneratedBy{Command: "exporter --out x", CodeVersion: "abc", Date: "2025-01-02T03:04:05Z"},
		Simulated:   true,
		Notice:      "simulated",
		Generator:   sitedata.FileRef{File: "generator.aaaaaaaa.fmb", Bytes: 10, SHA256: shaA},
		Subjects: []sitedata.SubjectRef{{ID: "sub-01", FileRef: sitedata.FileRef{File: "sub-01.bbbbbbbb.fmb", Bytes: 5, SHA256: shaB},
			NVoxels: 3, PairwiseFloat: 0.75, Regions: &sitedata.FileRef{File: "sub-01.regions.cccccccc.fmb", Bytes: 4, SHA256: shaC}}},
	}
}

// TestEncodeBytes pins the bytes of index.json: the exporter's output must not
// change (field order, indentation, "notice" and "fixture" omitted when empty).
func TestEncodeBytes(t *testing.T) {
	const want = `{
  "format": "fmriface-site/1",
  "generated_by": {
    "command": "exporter --out x",
    "code_version": "abc",
    "date": "2025-01-02T03:04:05Z"
  },
  "simulated": true,
  "notice": "simulated",
  "generator": {
    "file": "generator.aaaaaaaa.fmb",
    "bytes": 10,
    "sha256": "` + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" + `"
  },
  "subjects": [
    {
      "id": "sub-01",
      "file": "sub-01.bbbbbbbb.fmb",
      "bytes": 5,
      "sha256": "` + "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" + `",
      "n_voxels": 3,
      "pairwise_float": 0.75,
      "regions": {
        "file": "sub-01.regions.cccccccc.fmb",
        "bytes": 4,
        "sha256": "` + "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc" + `"
      }
    }
  ]
}
`
	for _, tc := range []struct {
		name string
		edit func(*sitedata.Index)
		want string
	}{
		{"exporter", func(*sitedata.Index) {}, want},
		{"no notice", func(ix *sitedata.Index) { ix.Notice = "" }, strings.Replace(want, "  \"notice\": \"simulated\",\n", "", 1)},
		{"fixture", func(ix *sitedata.Index) { ix.Fixture = true }, strings.TrimSuffix(want, "\n}\n") + ",\n  \"fixture\": true\n}\n"},
		{"one file", func(ix *sitedata.Index) { ix.Subjects[0].Regions = nil },
			want[:strings.Index(want, "0.75,")] + "0.75\n" + want[strings.Index(want, "    }\n  ]"):]},
		{"real", func(ix *sitedata.Index) {
			ix.Real = &sitedata.FileRef{File: "realbrain.dddddddd.fmb", Bytes: 9000, SHA256: shaD}
		},
			strings.TrimSuffix(want, "\n}\n") + ",\n  \"real\": {\n    \"file\": \"realbrain.dddddddd.fmb\",\n    \"bytes\": 9000,\n    \"sha256\": \"" + shaD + "\"\n  }\n}\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ix := validIndex()
			tc.edit(ix)
			got, err := ix.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("encoded\n%s\nwant\n%s", got, tc.want)
			}
			back, err := sitedata.ParseIndex(got)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := back.Encode()
			if string(again) != string(got) {
				t.Fatal("parse and encode changed the bytes")
			}
		})
	}
	bad := validIndex()
	bad.Subjects[0].NVoxels = 0
	if _, err := bad.Encode(); err == nil || !strings.HasPrefix(err.Error(), "index.json: subjects[0]: n_voxels") {
		t.Errorf("Encode of an invalid index: %v", err)
	}
}

// An index written before "notice" became optional, with an empty notice,
// still parses.
func TestParseOldEmptyNotice(t *testing.T) {
	old := strings.Replace(good, `"simulated":true,`, `"simulated":false,"notice":"",`, 1)
	if ix, err := sitedata.ParseIndex([]byte(old)); err != nil || ix.Notice != "" || ix.Simulated {
		t.Fatalf("%+v, %v", ix, err)
	}
}

func TestROINames(t *testing.T) {
	for _, tc := range []struct {
		k    int
		want string
	}{{0, "all"}, {1, "occipital"}, {2, "temporal"}, {3, "frontoparietal"}, {4, "roi4"}} {
		if got := sitedata.ROIName(tc.k); got != tc.want {
			t.Errorf("ROIName(%d) = %q, want %q", tc.k, got, tc.want)
		}
	}
	names := sitedata.ROINames()
	if len(names) != sitedata.NumROIs || names[3] != "frontoparietal" {
		t.Errorf("ROINames() = %q", names)
	}
	names[0] = "changed"
	if sitedata.ROINames()[0] != "all" {
		t.Error("ROINames shares its slice")
	}
}
