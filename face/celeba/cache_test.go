package celeba

import (
	"bytes"
	"fmriface/util/npyfile"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "celeba-*"))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(m)
	return m
}

func TestCache(t *testing.T) {
	dir := fakeDataset(t, basicImages())
	// One unreadable image: its skip must be remembered by the cache too.
	writeFile(t, filepath.Join(dir, SmallDir, "000005.jpg"), "broken")
	cdir := filepath.Join(t.TempDir(), "cache")
	opts := Options{Dir: dir, Size: 16, CacheDir: cdir}

	first, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if first.FromCache || len(first.Skipped) != 1 {
		t.Fatalf("first load: FromCache %v, %d skipped", first.FromCache, len(first.Skipped))
	}
	files := cacheFiles(t, cdir)
	if len(files) != 2 || !strings.HasSuffix(files[0], ".json") || !strings.HasSuffix(files[1], ".npy") {
		t.Fatalf("cache files %v", files)
	}

	second, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if !second.FromCache {
		t.Fatal("second load did not use the cache")
	}
	if !reflect.DeepEqual(first.Faces, second.Faces) || !slices.Equal(first.Pixels, second.Pixels) {
		t.Fatal("cached faces or pixels differ from decoded ones")
	}
	if len(second.Skipped) != 1 || second.Skipped[0].File != first.Skipped[0].File ||
		second.Skipped[0].Err.Error() != first.Skipped[0].Err.Error() {
		t.Errorf("cached Skipped %v, want %v", second.Skipped, first.Skipped)
	}

	// Another size or limit is another cache entry.
	other, err := Load(Options{Dir: dir, Size: 8, CacheDir: cdir, Limit: 4})
	if err != nil || other.FromCache {
		t.Fatalf("size 8 load: %v, FromCache %v", err, other.FromCache)
	}

	// A touched image invalidates the cache.
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, FullDir, "000002.jpg"), later, later); err != nil {
		t.Fatal(err)
	}
	third, err := Load(opts)
	if err != nil || third.FromCache {
		t.Fatalf("after touch: %v, FromCache %v", err, third.FromCache)
	}

	// A damaged array is a cache miss, rebuilt with a note, never an error.
	fourth, err := Load(opts)
	if err != nil || !fourth.FromCache {
		t.Fatalf("reload: %v, FromCache %v", err, fourth.FromCache)
	}
	idx, err := LoadIndex(dir)
	if err != nil {
		t.Fatal(err)
	}
	key := cacheKey(dir, idx.Faces, 16)
	npy, _ := cachePaths(cdir, key, 16)
	data, err := os.ReadFile(npy)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, npy, string(data[:len(data)-10]))
	var note bytes.Buffer
	opts.Progress = &note
	fifth, err := Load(opts)
	if err != nil || fifth.FromCache || !slices.Equal(fifth.Pixels, first.Pixels) {
		t.Fatalf("damaged cache: %v, FromCache %v", err, fifth.FromCache)
	}
	if !strings.Contains(note.String(), "rebuilding pixel cache") {
		t.Errorf("no note about the damaged cache in %q", note.String())
	}
}

func TestNPYHeaderRoundTrip(t *testing.T) {
	for _, shape := range [][]int{{3}, {2, 3, 64, 64}, {0, 3, 8, 8}} {
		var b bytes.Buffer
		if err := npyfile.WriteHeader(&b, "|u1", shape); err != nil {
			t.Fatal(err)
		}
		if b.Len()%64 != 0 {
			t.Errorf("header of %d bytes is not 64-aligned", b.Len())
		}
		h, off, err := npyfile.ReadHeader(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if off != b.Len() || h.Descr != "|u1" || h.Fortran || !slices.Equal(h.Shape, shape) {
			t.Errorf("read back %+v at %d, want %v at %d", h, off, shape, b.Len())
		}
	}
	bad := []string{
		"", "\x93NUMPY", "XXNUMPY\x01\x00\x05\x00{}   ",
		"\x93NUMPY\x09\x00\x05\x00{}   ",
		"\x93NUMPY\x02\x00\xff\xff\xff\xff{",
		"\x93NUMPY\x01\x00\x30\x00{'descr': '|u1', 'fortran_order': False}       \n",
		"\x93NUMPY\x01\x00\x40\x00{'descr': '|u1', 'fortran_order': Maybe, 'shape': (1,), }  \n",
		"\x93NUMPY\x01\x00\x40\x00{'descr': '|u1', 'fortran_order': False, 'shape': (-1,), }\n",
	}
	for _, s := range bad {
		if _, _, err := npyfile.ReadHeader(strings.NewReader(s)); err == nil {
			t.Errorf("bad header %q accepted", s)
		}
	}
}
