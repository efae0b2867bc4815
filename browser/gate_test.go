package browser

import (
	"context"
	"testing"
	"time"
)

// enterAsync enters g from another goroutine and hands over what enter
// returned once it has.
func enterAsync(ctx context.Context, g *targetGate, alone bool) <-chan func() {
	out := make(chan func(), 1)
	go func() {
		leave, ok := g.enter(ctx, alone)
		if !ok {
			leave = nil
		}
		out <- leave
	}()
	return out
}

// waitsStill fails the test when entered has returned within a moment: the
// target that entered should still wait its turn.
func waitsStill(t *testing.T, entered <-chan func(), what string) {
	t.Helper()
	select {
	case <-entered:
		t.Fatalf("%s entered while it should wait", what)
	case <-time.After(50 * time.Millisecond):
	}
}

// enteredSoon returns the leave function of a target that should enter
// now, and fails the test when it does not within a second.
func enteredSoon(t *testing.T, entered <-chan func(), what string) func() {
	t.Helper()
	select {
	case leave := <-entered:
		if leave == nil {
			t.Fatalf("%s gave up instead of entering", what)
		}
		return leave
	case <-time.After(time.Second):
		t.Fatalf("%s did not enter", what)
	}
	return nil
}

func TestTargetsRunBesideEachOtherUntilOneMustRunAlone(t *testing.T) {
	var g targetGate
	ctx := context.Background()
	first := enteredSoon(t, enterAsync(ctx, &g, false), "the first target")
	second := enteredSoon(t, enterAsync(ctx, &g, false), "a second target beside it")

	alone := enterAsync(ctx, &g, true)
	waitsStill(t, alone, "a target to run alone, while two run")
	later := enterAsync(ctx, &g, false)
	waitsStill(t, later, "a target that came after one waiting to run alone")

	first()
	waitsStill(t, alone, "a target to run alone, while one still runs")
	second()
	leaveAlone := enteredSoon(t, alone, "the target to run alone, once the others finished")
	waitsStill(t, later, "a target, while one runs alone")
	leaveAlone()
	enteredSoon(t, later, "the target that waited, once the one alone finished")()
}

func TestWaitingForATurnEndsWithTheContext(t *testing.T) {
	var g targetGate
	running := enteredSoon(t, enterAsync(context.Background(), &g, false), "a target")
	ctx, cancel := context.WithCancel(context.Background())
	alone := enterAsync(ctx, &g, true)
	waitsStill(t, alone, "a target to run alone")
	later := enterAsync(context.Background(), &g, false)
	waitsStill(t, later, "a target behind it")
	cancel()
	select {
	case leave := <-alone:
		if leave != nil {
			t.Fatal("the target to run alone entered instead of giving up with its context")
		}
	case <-time.After(time.Second):
		t.Fatal("waiting to run alone did not end with its context")
	}
	// No one waits to run alone now: the target behind goes in beside.
	enteredSoon(t, later, "the target behind one that gave up")()
	running()
	enteredSoon(t, enterAsync(context.Background(), &g, true), "a target alone, with none running")()
}
