package reconcile

import (
	"context"
	"sync"
)

// FairLimiter bounds the ECR calls in flight across every registry of a run
// (--parallelism) and shares them fairly: when a slot frees up it goes to
// the next registry, in turn, that has a call waiting, never to whichever
// registry queued the most. One large registry therefore cannot starve the
// others: a registry with a few calls waits for at most one call of every
// other registry per call of its own, so small registries finish near the
// network bound while the large one works through its backlog.
type FairLimiter struct {
	mu      sync.Mutex
	free    int
	queues  [][]chan struct{} // per registry, first come first served
	waiting int               // sum of len(queues[i])
	next    int               // the registry whose turn it is next
	// queued and granted, when set, are told each registry whose call
	// starts to wait, and each that gets a slot, in order, under the lock
	// (tests record the order).
	queued, granted func(registry int)
}

// NewFairLimiter allows slots calls at once (at least one) among registries
// registries, numbered from 0.
func NewFairLimiter(slots, registries int) *FairLimiter {
	return &FairLimiter{free: max(slots, 1), queues: make([][]chan struct{}, registries)}
}

// Acquire waits for a slot for registry r. It returns ctx's error, holding
// no slot, when ctx ends first.
func (l *FairLimiter) Acquire(ctx context.Context, r int) error {
	l.mu.Lock()
	if l.free > 0 && l.waiting == 0 {
		l.free--
		l.grant(r)
		l.mu.Unlock()
		return nil
	}
	ready := make(chan struct{})
	l.queues[r] = append(l.queues[r], ready)
	l.waiting++
	if l.queued != nil {
		l.queued(r)
	}
	l.mu.Unlock()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-ready:
		// Granted while ctx ended: pass the slot on.
		l.releaseLocked()
	default:
		q := l.queues[r]
		for i, c := range q {
			if c == ready {
				l.queues[r] = append(q[:i:i], q[i+1:]...)
				l.waiting--
				break
			}
		}
	}
	return ctx.Err()
}

// Release returns a slot taken by Acquire.
func (l *FairLimiter) Release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.releaseLocked()
}

// releaseLocked hands the slot to the next registry in turn with a call
// waiting, or frees it.
func (l *FairLimiter) releaseLocked() {
	if l.waiting == 0 {
		l.free++
		return
	}
	n := len(l.queues)
	for i := range n {
		r := (l.next + i) % n
		if len(l.queues[r]) == 0 {
			continue
		}
		ready := l.queues[r][0]
		l.queues[r] = l.queues[r][1:]
		l.waiting--
		l.grant(r)
		close(ready)
		return
	}
}

// grant records that r got a slot and moves the turn past it.
func (l *FairLimiter) grant(r int) {
	l.next = (r + 1) % len(l.queues)
	if l.granted != nil {
		l.granted(r)
	}
}

// waiters is how many calls wait for a slot (tests wait for their queue to
// fill before releasing).
func (l *FairLimiter) waiters() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waiting
}
