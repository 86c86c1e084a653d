package reconcile

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/ecrctl/ecrctl/internal/ecrapi"
)

// waitForWaiters yields until n calls wait on l: the test then releases
// slots knowing every call is queued, so the grant order is deterministic.
func waitForWaiters(t *testing.T, l *FairLimiter, n int) {
	t.Helper()
	for l.waiters() < n {
		runtime.Gosched()
	}
}

// A large registry queues its whole backlog before a small one queues its
// few calls: the small one still gets every other slot, so it finishes
// after 2x its own calls, not after the large backlog.
func TestFairLimiterTakesTurns(t *testing.T) {
	l := NewFairLimiter(1, 3)
	var order []int
	l.granted = func(r int) { order = append(order, r) } // under l.mu
	ctx := context.Background()
	if err := l.Acquire(ctx, 0); err != nil { // hold the only slot
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	queue := func(r, n, already int) {
		for range n {
			wg.Go(func() {
				if err := l.Acquire(ctx, r); err != nil {
					t.Error(err)
					return
				}
				l.Release()
			})
		}
		waitForWaiters(t, l, already+n)
	}
	queue(0, 10, 0) // the large registry's backlog, queued first
	queue(1, 2, 10)
	queue(2, 1, 12)
	l.Release()
	wg.Wait()

	want := []int{0, 1, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if !slices.Equal(order, want) {
		t.Fatalf("grant order = %v, want %v (a first-come limiter gives 0 x11 then 1 1 2)", order, want)
	}
	if l.free != 1 || l.waiting != 0 {
		t.Errorf("after all released: free %d waiting %d, want 1 and 0", l.free, l.waiting)
	}
}

// A call whose context ends while it waits leaves the queue, and a slot
// granted at that moment is passed on, not lost.
func TestFairLimiterCancelledWaiter(t *testing.T) {
	l := NewFairLimiter(1, 2)
	if err := l.Acquire(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- l.Acquire(ctx, 1) }()
	waitForWaiters(t, l, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Acquire = %v, want context.Canceled", err)
	}
	if l.waiters() != 0 {
		t.Fatalf("a cancelled call still waits")
	}
	l.Release()
	if err := l.Acquire(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	l.Release()
	if l.free != 1 {
		t.Errorf("free = %d after all released, want 1", l.free)
	}
}

// Every call of ecrapi.API goes through the limiter: a method that a later
// change adds to the interface, and not to limitedClient, would bypass
// --parallelism (it would still compile, through the embedded client).
func TestLimitedClientWrapsEveryCall(t *testing.T) {
	l := NewFairLimiter(1, 1)
	grants := 0
	l.granted = func(int) { grants++ }
	c := &limitedClient{API: nil, lim: l}
	v := reflect.ValueOf(c)
	api := reflect.TypeFor[ecrapi.API]()
	for i := range api.NumMethod() {
		m := api.Method(i)
		fn := v.MethodByName(m.Name)
		args := []reflect.Value{reflect.ValueOf(context.Background()), reflect.Zero(fn.Type().In(1))}
		before := grants
		func() {
			// The embedded client is nil: the call panics after the slot
			// is taken (a wrapped method) or at once (an unwrapped one).
			defer func() { _ = recover() }()
			fn.Call(args)
		}()
		if grants != before+1 {
			t.Errorf("%s does not take a slot of the run's limiter; add it to run_client.go", m.Name)
		}
		if l.free != 1 {
			t.Fatalf("%s kept its slot after a panic", m.Name)
		}
	}
}
