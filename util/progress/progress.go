// Package progress draws a one-line progress bar with rate and ETA for long jobs
// (training, simulation, fitting). On a terminal it redraws in place; into a file
// or a CI log it prints a plain line at most every few seconds, so logs stay short.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Bar tracks done/total units of work. It is safe for concurrent Add calls.
type Bar struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	unit     string
	total    int64
	done     int64
	start    time.Time
	base     int64 // units already done when the bar started (resumed jobs)
	last     time.Time
	info     string
	tty      bool
	every    time.Duration
	finished bool
}

// New returns a bar for total units written to w (nil w discards output).
func New(w io.Writer, label string, total int) *Bar {
	if w == nil {
		w = io.Discard
	}
	b := &Bar{w: w, label: label, total: int64(total), start: time.Now(), unit: "it"}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			b.tty = true
		}
	}
	b.every = 5 * time.Second
	if b.tty {
		b.every = 200 * time.Millisecond
	}
	return b
}

// SetUnit names the unit in the rate ("img", "run").
func (b *Bar) SetUnit(u string) { b.mu.Lock(); b.unit = u; b.mu.Unlock() }

// Resume marks n units as done before this process started: they count for
// the position but not for the rate.
func (b *Bar) Resume(n int) {
	b.mu.Lock()
	b.done, b.base = int64(n), int64(n)
	b.mu.Unlock()
}

// SetInfo sets the text shown after the rate, such as current losses.
func (b *Bar) SetInfo(s string) { b.mu.Lock(); b.info = s; b.mu.Unlock() }

// Add advances the bar by n units and redraws if due.
func (b *Bar) Add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += int64(n)
	now := time.Now()
	if now.Sub(b.last) >= b.every || b.done >= b.total {
		b.last = now
		b.draw(now, false)
	}
}

// Done draws the final state and ends the line.
func (b *Bar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.finished {
		return
	}
	b.finished = true
	b.draw(time.Now(), true)
}

// Line renders the bar as text (used by draw and tests).
func (b *Bar) Line(now time.Time) string {
	el := now.Sub(b.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(b.done-b.base) / el
	}
	frac := 0.0
	if b.total > 0 {
		frac = float64(b.done) / float64(b.total)
	}
	if frac > 1 {
		frac = 1
	}
	const width = 24
	fill := int(frac * width)
	bar := strings.Repeat("█", fill) + strings.Repeat("░", width-fill)
	eta := "?"
	if rate > 0 && b.total > 0 {
		eta = fmtDur(time.Duration(float64(b.total-b.done) / rate * float64(time.Second)))
	}
	s := fmt.Sprintf("%s %s %5.1f%% %d/%d %.1f %s/s elapsed %s ETA %s", b.label, bar, 100*frac, b.done, b.total,
		rate, b.unit, fmtDur(now.Sub(b.start)), eta)
	if b.info != "" {
		s += " " + b.info
	}
	return s
}

func (b *Bar) draw(now time.Time, final bool) {
	line := b.Line(now)
	switch {
	case b.tty && final:
		fmt.Fprintf(b.w, "\r\033[K%s\n", line)
	case b.tty:
		fmt.Fprintf(b.w, "\r\033[K%s", line)
	default:
		fmt.Fprintln(b.w, line)
	}
}

func fmtDur(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%dh%02dm%02ds", h, m, s)
	}
	return fmt.Sprintf("%dm%02ds", m, s)
}
