package tsv

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.tsv")
	body := "\xef\xbb\xbfonset\tduration\ttrial_type\tstim_file\toneback\r\n" +
		"5.994857\t0.999187\ttrain_face\tsub01/run53/M2305.jpg\t0\r\n" +
		"6\t12.01\tImg\tplaceholders/fixation.png\tn/a\n" +
		" 7.5 \t1\tfix   \t\t1"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := tab.Require("onset", "duration", "trial_type"); err != nil {
		t.Fatal(err)
	}
	if tab.Len() != 3 || !tab.Has("oneback") || tab.Has("response_time") {
		t.Fatalf("table %+v", tab)
	}
	onset, err := tab.Float("onset")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(onset, []float64{5.994857, 6, 7.5}) {
		t.Errorf("onset %v", onset)
	}
	ob, err := tab.Float("oneback")
	if err != nil {
		t.Fatal(err)
	}
	if ob[0] != 0 || !math.IsNaN(ob[1]) || ob[2] != 1 {
		t.Errorf("oneback %v", ob)
	}
	tt, _ := tab.Column("trial_type")
	if !reflect.DeepEqual(tt, []string{"train_face", "Img", "fix   "}) {
		t.Errorf("trial_type %q", tt)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name, body string
		do         func(*Table) error
		want       string
	}{
		{"empty", "", nil, "empty file"},
		{"ragged short", "a\tb\tc\n1\t2\t3\n1\t2\n", nil, "line 3 has 2 fields, the header has 3"},
		{"ragged long", "a\tb\n1\t2\t3\n", nil, "line 2 has 3 fields, the header has 2"},
		{"empty line", "a\tb\n1\t2\n\n3\t4\n", nil, "line 3 is empty"},
		{"two trailing newlines", "a\tb\n1\t2\n\n", nil, "line 3 is empty"},
		{"duplicate column", "a\tb\ta\n", nil, `columns 1 and 3 are both named "a"`},
		{"empty column name", "a\t\tb\n", nil, "column 2 has an empty name"},
		{"stray CR", "a\tb\n1\r2\t3\n", nil, "line 2: stray carriage return"},
		{"bad UTF-8", "a\tb\n\xff\t1\n", nil, "not valid UTF-8"},
		{"missing column", "onset\tduration\ttrail_type\n1\t2\tx\n",
			func(t *Table) error { return t.Require("onset", "duration", "trial_type") },
			"missing required column(s) trial_type (the header has onset, duration, trail_type)"},
		{"missing column via Float", "a\n1\n", func(t *Table) error { _, err := t.Float("b"); return err }, "missing required column(s) b"},
		{"bad number", "onset\tduration\n1\t2\n3.5.1\t2\n", func(t *Table) error { _, err := t.Float("onset"); return err },
			`line 3, column "onset": "3.5.1" is not a number`},
		{"empty number", "onset\tduration\n1\t\n", func(t *Table) error { _, err := t.Float("duration"); return err },
			`line 2, column "duration": empty value (missing values must be n/a)`},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".tsv")
			if err := os.WriteFile(path, []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			tab, err := ReadFile(path)
			if err == nil && c.do != nil {
				err = c.do(tab)
			}
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, path, c.want)
			}
		})
	}
}

func TestWriteRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.tsv")
	header := []string{"onset", "duration", "trial_type"}
	rows := [][]string{{FormatFloat(0.1 + 0.2), FormatFloat(1e-300), "train_face"}, {FormatFloat(math.NaN()), "3", ""}}
	if err := Write(path, header, rows); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tab.Header, header) || !reflect.DeepEqual(tab.Rows, rows) {
		t.Fatalf("read back %v %v", tab.Header, tab.Rows)
	}
	v, err := tab.Float("onset")
	if err != nil || v[0] != 0.1+0.2 || !math.IsNaN(v[1]) {
		t.Errorf("onset %v %v", v, err)
	}
	bad := []struct {
		header []string
		rows   [][]string
		want   string
	}{
		{[]string{"a", "b"}, [][]string{{"1"}}, "line 2 has 1 fields"},
		{[]string{"a", "b"}, [][]string{{"1", "x\ty"}}, "holds a tab"},
		{[]string{"a", "a"}, nil, "both named"},
		{[]string{"a"}, [][]string{{""}}, "line 2 would be empty"},
		{nil, nil, "empty"},
	}
	for _, c := range bad {
		err := Write(path, c.header, c.rows)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("Write(%q, %q): %v, want %q", c.header, c.rows, err, c.want)
		}
	}
}

// FuzzRead: the parser never panics, and any table it accepts is written back
// and re-read identically.
func FuzzRead(f *testing.F) {
	seeds := []string{
		"onset\tduration\ttrial_type\tstim_file\toneback\n5.994857\t0.999187\ttrain_face\tsub01/run53/M2305.jpg\t0\n",
		"trans_x\ttrans_y\tframewise_displacement\n0\t0.01\tn/a\n0.02\t-0.01\t0.031\n",
		"participant_id\tage\tsex\r\nsub-01\t44\tm\r\n",
		"\xef\xbb\xbfa\n1",
		"a\tb\n1\t2\t3\n",
		"a\tb\n\n",
		"a\ta\n",
		"",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tab, err := Read(bytes.NewReader(data), "fuzz.tsv")
		if err != nil {
			return
		}
		for i, r := range tab.Rows {
			if len(r) != len(tab.Header) {
				t.Fatalf("row %d has %d fields, header %d", i, len(r), len(tab.Header))
			}
		}
		for _, h := range tab.Header {
			if _, err := tab.Column(h); err != nil {
				t.Fatal(err)
			}
			tab.Float(h) // must not panic
		}
		var buf bytes.Buffer
		if err := Encode(&buf, tab.Header, tab.Rows); err != nil {
			t.Fatalf("cannot write back an accepted table: %v", err)
		}
		again, err := Read(&buf, "again.tsv")
		if err != nil {
			t.Fatalf("cannot read back: %v\n%q", err, buf.String())
		}
		if !reflect.DeepEqual(again.Header, tab.Header) || fmt.Sprint(again.Rows) != fmt.Sprint(tab.Rows) {
			t.Fatalf("changed by a round trip: %q %q then %q %q", tab.Header, tab.Rows, again.Header, again.Rows)
		}
	})
}
