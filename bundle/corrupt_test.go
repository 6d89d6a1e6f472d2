package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"fmriface/bundle/quant"
)

// reseal recomputes the header CRC and the SHA-256 trailer, so that a test
// reaches the structural check it means to hit.
func reseal(d []byte) []byte {
	le := binary.LittleEndian
	if len(d) < HeaderSize {
		return d
	}
	le.PutUint32(d[offHeaderCRC:], crc32c(d[:headerCRCSpan]))
	if len(d) >= HeaderSize+TrailerSize {
		sum := sha256.Sum256(d[:len(d)-TrailerSize])
		copy(d[len(d)-TrailerSize:], sum[:])
	}
	return d
}

// findEntry returns the offset of the length-prefixed name in the section
// starting at the header field secOff.
func findEntry(t *testing.T, d []byte, secOff int, name string) int {
	t.Helper()
	le := binary.LittleEndian
	start := int(le.Uint64(d[secOff:]))
	end := start + int(le.Uint64(d[secOff+8:]))
	pat := le.AppendUint16(nil, uint16(len(name)))
	pat = append(pat, name...)
	i := bytes.Index(d[start:end], pat)
	if i < 0 {
		t.Fatalf("entry %q not found", name)
	}
	return start + i
}

// tensorField returns the offset of a field of the named tensor's table entry:
// "dtype", "rank", "dim0", "dim1", "offset", "size" or "crc".
func tensorField(t *testing.T, d []byte, name, field string) int {
	p := findEntry(t, d, offTableOff, name) + 2 + len(name)
	rank := int(d[p+1])
	switch field {
	case "dtype":
		return p
	case "rank":
		return p + 1
	case "dim0":
		return p + 2
	case "dim1":
		return p + 10
	case "offset":
		return p + 2 + 8*rank
	case "size":
		return p + 10 + 8*rank
	case "crc":
		return p + 18 + 8*rank
	}
	t.Fatalf("no field %q", field)
	return 0
}

// metaValue returns the offset of the type byte of the named metadata entry.
func metaValue(t *testing.T, d []byte, key string) int {
	return findEntry(t, d, offMetaOff, key) + 2 + len(key)
}

func TestParseErrors(t *testing.T) {
	le := binary.LittleEndian
	valid := testBundle(t)
	if _, err := Parse(valid, Limits{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		mutate func(d []byte) []byte
		lim    Limits
		class  error
		want   string
	}{
		{"empty", func(d []byte) []byte { return nil }, Limits{}, ErrTruncated, "the file is 0 bytes"},
		{"short", func(d []byte) []byte { return d[:40] }, Limits{}, ErrTruncated, "the file is 40 bytes"},
		{"wrong magic", func(d []byte) []byte { return append([]byte("GGUF\x03\x00\x00\x00"), d[8:]...) }, Limits{}, ErrNotBundle, "47 47 55 46"},
		{"text-mode transfer", func(d []byte) []byte { return append([]byte("\x89FMB\n\x1a\n"), d[8:]...) }, Limits{}, ErrNotBundle, "not the bundle magic"},
		{"big-endian", func(d []byte) []byte { copy(d[8:], []byte{1, 2, 3, 4}); return d }, Limits{}, ErrVersion, "big-endian"},
		{"bad byte order", func(d []byte) []byte { copy(d[8:], []byte{4, 3, 2, 0}); return d }, Limits{}, ErrFormat, "byte-order mark 04 03 02 00"},
		{"version 3", func(d []byte) []byte { le.PutUint32(d[offVersion:], 3); return reseal(d) }, Limits{}, ErrVersion, "format version 3; this reader knows versions 1 to 2"},
		{"version 0", func(d []byte) []byte { le.PutUint32(d[offVersion:], 0); return reseal(d) }, Limits{}, ErrVersion, "format version 0"},
		{"header crc", func(d []byte) []byte { d[offTableSize] ^= 1; return d }, Limits{}, ErrChecksum, "header is corrupted"},
		{"truncated by one", func(d []byte) []byte { return d[:len(d)-1] }, Limits{}, ErrTruncated, "but its header says"},
		{"truncated half", func(d []byte) []byte { return d[:len(d)/2] }, Limits{}, ErrTruncated, "but its header says"},
		{"trailing bytes", func(d []byte) []byte { return append(d, 0) }, Limits{}, ErrFormat, "1 bytes follow the end"},
		{"flags", func(d []byte) []byte { le.PutUint32(d[offFlags:], 4); return reseal(d) }, Limits{}, ErrFormat, "unknown header flags 0x4"},
		{"sha data", func(d []byte) []byte { d[len(d)-TrailerSize-100] ^= 0x10; return d }, Limits{}, ErrChecksum, "SHA-256"},
		{"sha trailer", func(d []byte) []byte { d[len(d)-1] ^= 1; return d }, Limits{}, ErrChecksum, "SHA-256"},
		{"tensor crc", func(d []byte) []byte {
			d[le.Uint64(d[tensorField(t, d, "gen.fc.w", "offset"):])+5] ^= 1
			return reseal(d)
		}, Limits{}, ErrChecksum, `tensor "gen.fc.w": CRC32C`},
		{"table crc field", func(d []byte) []byte { d[tensorField(t, d, "dec.w", "crc")] ^= 1; return reseal(d) }, Limits{}, ErrChecksum, `tensor "dec.w": CRC32C`},
		{"meta offset", func(d []byte) []byte { le.PutUint64(d[offMetaOff:], 96); return reseal(d) }, Limits{}, ErrFormat, "metadata offset 96"},
		{"meta size huge", func(d []byte) []byte { le.PutUint64(d[offMetaSize:], 1<<62); return reseal(d) }, Limits{}, ErrFormat, "runs past the end"},
		{"table offset", func(d []byte) []byte { le.PutUint64(d[offTableOff:], le.Uint64(d[offTableOff:])+1); return reseal(d) }, Limits{}, ErrFormat, "tensor table offset"},
		{"table size", func(d []byte) []byte { le.PutUint64(d[offTableSize:], uint64(len(d))); return reseal(d) }, Limits{}, ErrFormat, "tensor table size"},
		{"data offset", func(d []byte) []byte { le.PutUint64(d[offDataOff:], le.Uint64(d[offDataOff:])+64); return reseal(d) }, Limits{}, ErrFormat, "data offset"},
		{"data size", func(d []byte) []byte { le.PutUint64(d[offDataSize:], le.Uint64(d[offDataSize:])-64); return reseal(d) }, Limits{}, ErrFormat, "data size"},
		{"meta count absurd", func(d []byte) []byte { le.PutUint32(d[offMetaCount:], 0xffffffff); return reseal(d) }, Limits{}, ErrLimit, "4294967295 metadata entries exceed"},
		{"meta count too big", func(d []byte) []byte { le.PutUint32(d[offMetaCount:], 1000); return reseal(d) }, Limits{}, ErrFormat, "1000 metadata entries cannot fit"},
		{"meta count short", func(d []byte) []byte { le.PutUint32(d[offMetaCount:], le.Uint32(d[offMetaCount:])-1); return reseal(d) }, Limits{}, ErrFormat, "follow the last metadata entry"},
		{"meta count long", func(d []byte) []byte { le.PutUint32(d[offMetaCount:], le.Uint32(d[offMetaCount:])+1); return reseal(d) }, Limits{}, ErrFormat, "metadata entry 9"},
		{"tensor count absurd", func(d []byte) []byte { le.PutUint32(d[offTensorCnt:], 1<<31); return reseal(d) }, Limits{}, ErrLimit, "2147483648 tensors exceed"},
		{"tensor count short", func(d []byte) []byte { le.PutUint32(d[offTensorCnt:], 3); return reseal(d) }, Limits{}, ErrFormat, "follow the last tensor entry"},
		{"misaligned offset", func(d []byte) []byte {
			p := tensorField(t, d, "gen.fc.w", "offset")
			le.PutUint64(d[p:], le.Uint64(d[p:])+8)
			return reseal(d)
		}, Limits{}, ErrFormat, `"gen.fc.w": offset`},
		{"offset gap", func(d []byte) []byte {
			p := tensorField(t, d, "dec.w", "offset")
			le.PutUint64(d[p:], le.Uint64(d[p:])+64)
			return reseal(d)
		}, Limits{}, ErrFormat, "the previous tensor's end rounded up"},
		{"offset absurd", func(d []byte) []byte { le.PutUint64(d[tensorField(t, d, "dec.w", "offset"):], 1<<63); return reseal(d) }, Limits{}, ErrFormat, "past the end of the file"},
		{"size mismatch", func(d []byte) []byte {
			p := tensorField(t, d, "gen.conv1.w", "size")
			le.PutUint64(d[p:], le.Uint64(d[p:])+1)
			return reseal(d)
		}, Limits{}, ErrFormat, "q8 [8 4 3 3] needs 320 bytes, the table says 321"},
		{"shape mismatch", func(d []byte) []byte { le.PutUint64(d[tensorField(t, d, "gen.fc.w", "dim0"):], 17); return reseal(d) }, Limits{}, ErrFormat, "q4 [17 40] needs"},
		{"absurd dim", func(d []byte) []byte {
			le.PutUint64(d[tensorField(t, d, "gen.fc.w", "dim1"):], 1<<62)
			return reseal(d)
		}, Limits{}, ErrLimit, "elements"},
		{"dim overflow", func(d []byte) []byte {
			le.PutUint64(d[tensorField(t, d, "gen.fc.w", "dim0"):], 1<<20)
			le.PutUint64(d[tensorField(t, d, "gen.fc.w", "dim1"):], 1<<20)
			return reseal(d)
		}, Limits{}, ErrLimit, "more than the limit"},
		{"unknown dtype", func(d []byte) []byte { d[tensorField(t, d, "gen.fc.w", "dtype")] = 99; return reseal(d) }, Limits{}, ErrFormat, "unknown dtype 99"},
		{"dtype swap", func(d []byte) []byte { d[tensorField(t, d, "gen.fc.w", "dtype")] = byte(Q4F32); return reseal(d) }, Limits{}, ErrFormat, "q4f32 [16 40] needs"},
		{"rank 9", func(d []byte) []byte { d[tensorField(t, d, "gen.fc.w", "rank")] = 9; return reseal(d) }, Limits{}, ErrFormat, "rank 9 exceeds 8"},
		{"rank runs off table", func(d []byte) []byte { d[tensorField(t, d, "voxels.roi", "rank")] = 8; return reseal(d) }, Limits{}, ErrFormat, "section ends"},
		{"duplicate tensor", func(d []byte) []byte {
			copy(d[findEntry(t, d, offTableOff, "gen.fc.w")+2:], "gen.fc.b")
			return reseal(d)
		}, Limits{}, ErrFormat, `names must be unique and sorted, but "gen.fc.b" follows "gen.fc.b"`},
		{"nonzero padding", func(d []byte) []byte {
			p := tensorField(t, d, "gen.conv1.b", "offset")
			d[le.Uint64(d[p:])+16] = 1 // 16 payload bytes, padded to 64
			return reseal(d)
		}, Limits{}, ErrFormat, `padding byte at offset`},
		{"nonzero table padding", func(d []byte) []byte { d[le.Uint64(d[offDataOff:])-1] = 1; return reseal(d) }, Limits{}, ErrFormat, "padding byte at offset"},
		{"meta unknown type", func(d []byte) []byte { d[metaValue(t, d, "psnr")] = 42; return reseal(d) }, Limits{}, ErrFormat, `metadata entry 5 ("psnr"): unknown value type 42`},
		{"meta bool", func(d []byte) []byte { d[metaValue(t, d, "folded_bn")+1] = 2; return reseal(d) }, Limits{}, ErrFormat, "bool byte 2"},
		{"meta utf8", func(d []byte) []byte { d[metaValue(t, d, "kind")+5] = 0xff; return reseal(d) }, Limits{}, ErrFormat, "not valid UTF-8"},
		{"meta json", func(d []byte) []byte { d[metaValue(t, d, "config")+5] = '['; return reseal(d) }, Limits{}, ErrFormat, "invalid JSON"},
		{"meta key order", func(d []byte) []byte {
			copy(d[findEntry(t, d, offMetaOff, "config")+2:], "zonfig")
			return reseal(d)
		}, Limits{}, ErrFormat, `keys must be unique and sorted, but "folded_bn" follows "zonfig"`},
		{"meta empty key", func(d []byte) []byte { le.PutUint16(d[HeaderSize:], 0); return reseal(d) }, Limits{}, ErrFormat, "empty key"},
		{"meta string huge", func(d []byte) []byte { le.PutUint32(d[metaValue(t, d, "kind")+1:], 0xffffffff); return reseal(d) }, Limits{}, ErrLimit, "4294967295 bytes exceeds"},
		{"meta string long", func(d []byte) []byte { le.PutUint32(d[metaValue(t, d, "kind")+1:], 100000); return reseal(d) }, Limits{}, ErrFormat, "needs 100000 bytes"},
		{"meta array huge", func(d []byte) []byte { le.PutUint32(d[metaValue(t, d, "sizes")+1:], 1<<30); return reseal(d) }, Limits{}, ErrLimit, "int64 count 1073741824 exceeds"},
		{"meta array long", func(d []byte) []byte { le.PutUint32(d[metaValue(t, d, "layers")+1:], 1<<19); return reseal(d) }, Limits{}, ErrFormat, "string count 524288 needs at least"},
		{"limit file size", func(d []byte) []byte { return d }, Limits{MaxFileSize: 1000}, ErrLimit, "above the limit of 1000"},
		{"limit tensors", func(d []byte) []byte { return d }, Limits{MaxTensors: 2}, ErrLimit, "10 tensors exceed the limit of 2"},
		{"limit meta", func(d []byte) []byte { return d }, Limits{MaxMeta: 2}, ErrLimit, "9 metadata entries exceed the limit of 2"},
		{"limit elements", func(d []byte) []byte { return d }, Limits{MaxElements: 100}, ErrLimit, "more than the limit of 100 elements"},
		{"limit name", func(d []byte) []byte { return d }, Limits{MaxNameLen: 4}, ErrLimit, "exceeds the limit of 4"},
		{"limit string", func(d []byte) []byte { return d }, Limits{MaxStringLen: 5}, ErrLimit, "exceeds the limit of 5"},
		{"limit array", func(d []byte) []byte { return d }, Limits{MaxArrayLen: 2}, ErrLimit, "3 exceeds the limit of 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.mutate(bytes.Clone(valid))
			b, err := Parse(d, tc.lim)
			if err == nil {
				t.Fatalf("Parse accepted it (%d tensors)", len(b.Names()))
			}
			if !errors.Is(err, tc.class) || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "bundle: ") {
				t.Fatalf("error %q\nwant class %q and mention of %q", err, tc.class, tc.want)
			}
		})
	}
}

// TestEveryByteMatters flips each byte of a small bundle in turn: Parse must
// reject every single-byte change, with an error rather than a panic.
func TestEveryByteMatters(t *testing.T) {
	w := NewWriter()
	w.SetMeta("k", "v")
	w.AddFloat32("x", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}, 3)
	valid, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	for i := range valid {
		d := bytes.Clone(valid)
		d[i] ^= 0x01
		if _, err := Parse(d, Limits{}); err == nil {
			t.Fatalf("flipping bit 0 of byte %d went unnoticed", i)
		}
		// With the checksums repaired, a change may be legal (a value in a
		// tensor), but must never panic.
		if i >= HeaderSize {
			parse(reseal(d), Limits{}, false)
		}
	}
}

// TestCRC32CCheckValue pins the CRC parameters the spec states.
func TestCRC32CCheckValue(t *testing.T) {
	if got := crc32c([]byte("123456789")); got != 0xe3069283 {
		t.Fatalf("crc32c(\"123456789\") = %08x, want e3069283", got)
	}
}

// TestParseVerifiedSkipsOnlyChecksums: ParseVerified accepts a bundle whose
// checksums no longer match its bytes (the caller vouched for them) and
// still rejects every structural error that Parse reports.
func TestParseVerifiedSkipsOnlyChecksums(t *testing.T) {
	le := binary.LittleEndian
	valid := testBundle(t)
	stale := bytes.Clone(valid)
	stale[len(stale)-1] ^= 1                       // SHA-256 trailer
	le.PutUint32(stale[offHeaderCRC:], 0xdeadbeef) // header CRC
	if _, err := Parse(stale, Limits{}); !errors.Is(err, ErrChecksum) {
		t.Fatalf("Parse: %v, want a checksum error", err)
	}
	if _, err := ParseVerified(stale, Limits{}); err != nil {
		t.Fatalf("ParseVerified: %v", err)
	}
	for name, d := range map[string][]byte{
		"truncated":   valid[:len(valid)-10],
		"flags":       func() []byte { d := bytes.Clone(valid); le.PutUint32(d[offFlags:], 4); return d }(),
		"wrong magic": append([]byte("GGUF\x03\x00\x00\x00"), valid[8:]...),
	} {
		if _, err := ParseVerified(d, Limits{}); err == nil {
			t.Errorf("%s: ParseVerified accepted it", name)
		}
	}
}

// TestVersions: a file is marked with the lowest version that defines its
// dtypes, so only files with q3 tensors need a version 2 reader, and a
// version 1 file that claims a q3 tensor is rejected.
func TestVersions(t *testing.T) {
	le := binary.LittleEndian
	data := []float32{0.5, -1, 0.25, 3.5, 0, -0.5}
	tests := []struct {
		kind    quant.Kind
		version uint32
	}{
		{quant.Q4, 1},
		{quant.Q8, 1},
		{quant.Q3, 2},
	}
	for _, tc := range tests {
		t.Run(tc.kind.String(), func(t *testing.T) {
			w := NewWriter()
			w.AddFloat32("w", []int{2, 3}, data, tc.kind)
			w.AddFloat32("b", []int{2}, data[:2], quant.F32)
			d, err := w.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if v := le.Uint32(d[offVersion:]); v != tc.version {
				t.Fatalf("version %d, want %d", v, tc.version)
			}
			b, err := Parse(d, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := b.Float32("w")
			if err != nil {
				t.Fatal(err)
			}
			want, _ := quant.RoundTrip(tc.kind, []int{2, 3}, data)
			if !slices.Equal(got, want) {
				t.Fatalf("w = %v, want %v", got, want)
			}
			if tc.version == 1 {
				return
			}
			le.PutUint32(d[offVersion:], 1)
			_, err = Parse(reseal(d), Limits{})
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "dtype q3 needs format version 2, the header says 1") {
				t.Fatalf("q3 in a version 1 file: %v", err)
			}
		})
	}
}
