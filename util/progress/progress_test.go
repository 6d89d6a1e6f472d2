package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestLine(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "train", 100)
	b.start = time.Unix(0, 0)
	b.SetUnit("img")
	b.done = 50
	got := b.Line(time.Unix(10, 0))
	for _, want := range []string{"train", "50.0%", "50/100", "5.0 img/s", "ETA 0m10s"} {
		if !strings.Contains(got, want) {
			t.Errorf("line %q lacks %q", got, want)
		}
	}
}

func TestResumeRate(t *testing.T) {
	b := New(nil, "x", 100)
	b.start = time.Unix(0, 0)
	b.Resume(40)
	b.done = 60
	if got := b.Line(time.Unix(10, 0)); !strings.Contains(got, "2.0 it/s") {
		t.Errorf("resumed rate wrong: %q", got)
	}
}

func TestDoneWritesOnce(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "x", 2)
	b.Add(1)
	b.Add(1)
	b.Done()
	b.Done()
	if n := strings.Count(buf.String(), "100.0%"); n != 2 { // the Add that reached total, then Done
		t.Errorf("got %d final lines: %q", n, buf.String())
	}
}
