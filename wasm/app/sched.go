package app

import (
	"slices"
	"time"
)

// Job is a piece of work done in slices.
type Job interface {
	// Step does the next small slice of the work (about a millisecond at
	// most) and reports whether the job is complete.
	Step() (done bool)
}

// Scheduler runs queued jobs in order, a slice at a time, for a time budget
// per call, so that a frame loop can do heavy work without missing frames.
type Scheduler struct {
	now     func() time.Time
	queue   []Job
	started bool // the head job has done at least one step
}

// NewScheduler returns an empty scheduler that reads time from now (time.Now
// if nil).
func NewScheduler(now func() time.Time) *Scheduler {
	if now == nil {
		now = time.Now
	}
	return &Scheduler{now: now}
}

// Push queues j after the others.
func (s *Scheduler) Push(j Job) { s.queue = append(s.queue, j) }

// PushFront queues j before the others, but after a job already under way
// (jobs share buffers such as the generator's, so one is never interrupted
// by another).
func (s *Scheduler) PushFront(j Job) {
	at := 0
	if s.started && len(s.queue) > 0 {
		at = 1
	}
	s.queue = append(s.queue, nil)
	copy(s.queue[at+1:], s.queue[at:])
	s.queue[at] = j
}

// Clear drops every queued job, the one under way included.
func (s *Scheduler) Clear() {
	clear(s.queue)
	s.queue = s.queue[:0]
	s.started = false
}

// Has reports whether j is queued (or under way).
func (s *Scheduler) Has(j Job) bool { return slices.Contains(s.queue, j) }

// Len is the number of queued jobs.
func (s *Scheduler) Len() int { return len(s.queue) }

// Run does slices of the queued jobs until budget has passed or the queue is
// empty, and returns the number of slices done. It always does at least one
// slice when there is work, so progress never stalls on a slow frame.
func (s *Scheduler) Run(budget time.Duration) (steps int) {
	start := s.now()
	for len(s.queue) > 0 {
		j := s.queue[0]
		s.started = true
		done := j.Step()
		steps++
		if done {
			s.queue[0] = nil
			s.queue = s.queue[1:]
			s.started = false
		}
		if s.now().Sub(start) >= budget {
			break
		}
	}
	return steps
}
