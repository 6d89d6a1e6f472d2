package main

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"

	"fmriface/bundle"
)

// reuseUnchanged replaces each file's bytes with those of a bundle already
// in dir under the same prefix whose contents differ only in the code
// version that made it. A re-export at a new commit then leaves a bundle
// that did not change (the generator, when only the virtual brain did) as
// it was, under its old name, so that git's history does not hold another
// copy of it. Files in dir that cannot be read or parsed are ignored here
// (the writer replaces or removes them).
func reuseUnchanged(dir string, files []outFile) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reuse: read %s: %w", dir, err)
	}
	for i := range files {
		f := &files[i]
		pat := regexp.MustCompile(`^` + regexp.QuoteMeta(f.Prefix) + `\.[0-9a-f]{8}\.fmb$`)
		for _, e := range entries {
			if !e.Type().IsRegular() || !pat.MatchString(e.Name()) || e.Name() == f.Name() {
				continue
			}
			old, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				continue
			}
			if sameButVersion(old, f.Data) {
				f.Data = old
				break
			}
		}
	}
	return nil
}

// sameButVersion reports whether two bundles hold the same tensors, byte
// for byte, and the same metadata but for bundle.KeyCodeVersion.
func sameButVersion(a, b []byte) bool {
	ba, err := bundle.Parse(a, bundle.Limits{})
	if err != nil {
		return false
	}
	bb, err := bundle.Parse(b, bundle.Limits{})
	if err != nil {
		return false
	}
	skip := func(keys []string) []string {
		return slices.DeleteFunc(keys, func(k string) bool { return k == bundle.KeyCodeVersion })
	}
	ka, kb := skip(ba.MetaKeys()), skip(bb.MetaKeys())
	if !slices.Equal(ka, kb) {
		return false
	}
	for _, k := range ka {
		va, _ := ba.Meta(k)
		vb, _ := bb.Meta(k)
		if !reflect.DeepEqual(va, vb) {
			return false
		}
	}
	na, nb := ba.Names(), bb.Names()
	if !slices.Equal(na, nb) {
		return false
	}
	for _, n := range na {
		ia, _ := ba.Tensor(n)
		ib, _ := bb.Tensor(n)
		ra, _ := ba.Raw(n)
		rb, _ := bb.Raw(n)
		if ia.DType != ib.DType || !slices.Equal(ia.Shape, ib.Shape) || !slices.Equal(ra, rb) {
			return false
		}
	}
	return true
}
