package celeba

import (
	"bytes"
	"fmriface/util/npyfile"
	"os"
	"strings"
	"testing"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/; run e.g.
//	nice -n 19 go test -run XXX -fuzz FuzzParseAttr -fuzztime=20s -parallel=1 ./face/celeba/

func FuzzParseAttr(f *testing.F) {
	f.Add([]byte("2\nA B\n000001.jpg 1 -1\n000002.jpg -1 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := parseAttr(data, "attr.txt")
		if err != nil {
			if !strings.Contains(err.Error(), "attr.txt") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		for id, v := range tab.attrs {
			if id < 1 || len(v) != len(tab.names) {
				t.Fatalf("id %d with %d values for %d names", id, len(v), len(tab.names))
			}
			for _, x := range v {
				if x != 1 && x != -1 {
					t.Fatalf("value %d", x)
				}
			}
		}
	})
}

func FuzzParseIdentity(f *testing.F) {
	f.Add([]byte("000001.jpg 2880\n000002.jpg 2937\r\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseIdentity(data, "id.txt")
		if err != nil {
			if !strings.Contains(err.Error(), "id.txt") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		for id, p := range m {
			if id < 1 || p < 0 {
				t.Fatalf("id %d person %d", id, p)
			}
		}
	})
}

func FuzzDecodeImage(f *testing.F) {
	f.Add(jpegBytes(f, solid(5, 7, colourOf(3))))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodeImage(data, "x.jpg")
		if err != nil {
			return
		}
		b := img.Bounds()
		if b.Dx()*b.Dy() > 1<<20 {
			return // valid but slow to pre-process; decoding was the point
		}
		px, err := Preprocess(img, 8)
		if err != nil {
			return
		}
		for _, v := range px {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("pixel %v", v)
			}
		}
	})
}

func FuzzParseSplit(f *testing.F) {
	faces := splitFaces(30)
	var b bytes.Buffer
	s := SplitByPerson(faces, 1, 0.2, 0.2)
	path := f.TempDir() + "/s.json"
	if err := s.WriteJSON(path, faces); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	b.Write(data)
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := parseSplit(data, faces)
		if err != nil {
			return
		}
		if len(s.Train)+len(s.Val)+len(s.Test) != len(faces) {
			t.Fatalf("accepted split covers %d of %d faces", len(s.Train)+len(s.Val)+len(s.Test), len(faces))
		}
	})
}

func FuzzNPYHeader(f *testing.F) {
	var b bytes.Buffer
	if err := npyfile.WriteHeader(&b, "|u1", []int{2, 3, 4, 4}); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		h, off, err := npyfile.ReadHeader(bytes.NewReader(data))
		if err != nil {
			return
		}
		if off > len(data) || len(h.Shape) > 32 {
			t.Fatalf("offset %d of %d, %d dims", off, len(data), len(h.Shape))
		}
	})
}
