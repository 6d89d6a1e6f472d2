package handoff

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The PCA baseline's subjects share the layout; the space keeps the two
// files of a subject apart, and a face-model file keeps its bytes.
func TestPCASubjects(t *testing.T) {
	dir := t.TempDir()
	v := fixture(t, "sub-01", 1)
	if err := Write(Path(dir, v.ID), v); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(Path(dir, v.ID))
	if bytes.Contains(raw, []byte("latent_space")) {
		t.Error("a face-model subject file records latent_space")
	}
	p := fixture(t, "sub-01", 2)
	p.Space = SpacePCA
	if err := Write(PCAPath(dir, p.ID), p); err != nil {
		t.Fatal(err)
	}
	subs, err := ReadDir(dir)
	if err != nil || len(subs) != 1 || subs[0].Space != "" {
		t.Fatalf("ReadDir: %v, %d subjects", err, len(subs))
	}
	pcas, err := ReadPCADir(dir)
	if err != nil || len(pcas) != 1 {
		t.Fatalf("ReadPCADir: %v, %d subjects", err, len(pcas))
	}
	if !reflect.DeepEqual(pcas[0], p) {
		t.Fatal("PCA subject changed in the round trip")
	}
	if PCABasisPath(dir) != dir+"/pca.npz" {
		t.Errorf("PCABasisPath = %s", PCABasisPath(dir))
	}

	cases := []struct {
		name string
		read func(dir string) error
		file func(dir, id string) string
		s    *Subject
		want string
	}{
		{"pca file in decoders.npz", func(d string) error { _, err := ReadDir(d); return err }, Path, p, `latent space "pca", want ""`},
		{"face-model file as decoders-pca.npz", func(d string) error { _, err := ReadPCADir(d); return err }, PCAPath, v, `latent space "", want "pca"`},
		{"no pca files", func(d string) error { _, err := ReadPCADir(d); return err }, Path, v, "trainer fmri fit --models vaegan,pca"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := t.TempDir()
			if err := Write(c.file(d, c.s.ID), c.s); err != nil {
				t.Fatal(err)
			}
			if err := c.read(d); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
	bad := fixture(t, "sub-01", 3)
	bad.Space = "pixels"
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "latent space") {
		t.Fatalf("Validate of an unknown space: %v", err)
	}
}
