package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDeadlockPilesGoroutinesOnTheMutex(t *testing.T) {
	svc, srv := newTestServer(t)
	const waiters = 200
	mustCall(t, srv, "POST", fmt.Sprintf("/misbehave/deadlock?n=%d", waiters))

	waitFor(t, "deadlocked pair and waiters in sync.Mutex.Lock", func() (bool, string) {
		dump := goroutineDump(t)
		first := countGoroutines(dump, "sync.Mutex.Lock", ".(*deadlock).lockFirstThenSecond")
		second := countGoroutines(dump, "sync.Mutex.Lock", ".(*deadlock).lockSecondThenFirst")
		piled := countGoroutines(dump, "sync.Mutex.Lock", ".(*deadlock).waitForFirst")
		return first == 1 && second == 1 && piled == waiters,
			fmt.Sprintf("pair %d+%d, waiters %v", first, second, statesOf(dump, ".(*deadlock)"))
	})
	if got := svc.deadlock.held.count(); got != waiters+2 {
		t.Errorf("deadlock holds %d goroutines, want %d", got, waiters+2)
	}

	mustCall(t, srv, "POST", "/reset")
	waitFor(t, "deadlock goroutines gone after reset", func() (bool, string) {
		states := statesOf(goroutineDump(t), ".(*deadlock)")
		return len(states) == 0, fmt.Sprint(states)
	})
}

func TestChannelBlockSendsReceivesAndSelects(t *testing.T) {
	_, srv := newTestServer(t)
	mustCall(t, srv, "POST", "/misbehave/chanblock?n=100")

	// 100 splits into 33 receivers, 33 selects and 34 senders.
	waitFor(t, "goroutines blocked on channels", func() (bool, string) {
		dump := goroutineDump(t)
		send := countGoroutines(dump, "chan send", ".(*channelBlock).sendNobodyReceives")
		receive := countGoroutines(dump, "chan receive", ".(*channelBlock).receiveNobodySends")
		sel := countGoroutines(dump, "select", ".(*channelBlock).selectNothingReady")
		return send == 34 && receive == 33 && sel == 33, fmt.Sprint(statesOf(dump, ".(*channelBlock)"))
	})

	mustCall(t, srv, "GET", "/reset")
	waitFor(t, "channel-blocked goroutines gone after reset", func() (bool, string) {
		states := statesOf(goroutineDump(t), ".(*channelBlock)")
		return len(states) == 0, fmt.Sprint(states)
	})
}

func TestLeakStopsAtItsCap(t *testing.T) {
	svc, srv := newTestServer(t)
	mustCall(t, srv, "POST", "/misbehave/leak?per_second=500&max=40")

	waitFor(t, "40 leaked goroutines in chan receive and the leak ended", func() (bool, string) {
		dump := goroutineDump(t)
		leaked := countGoroutines(dump, "chan receive", ".(*goroutineLeak).awaitReplyNeverSent")
		leaking := countGoroutines(dump, "", ".(*goroutineLeak).leakSteadily")
		return leaked == 40 && leaking == 0 && !svc.leak.leaking.Load(),
			fmt.Sprintf("%d leaked, %d leaking loops", leaked, leaking)
	})

	mustCall(t, srv, "POST", "/reset")
	waitFor(t, "leaked goroutines gone after reset", func() (bool, string) {
		states := statesOf(goroutineDump(t), ".(*goroutineLeak)")
		return len(states) == 0, fmt.Sprint(states)
	})
}

func TestResetStopsARunningLeak(t *testing.T) {
	svc, srv := newTestServer(t)
	mustCall(t, srv, "POST", "/misbehave/leak?per_second=100&max=50000")
	waitFor(t, "the leak under way", func() (bool, string) {
		n := countGoroutines(goroutineDump(t), "chan receive", ".(*goroutineLeak).awaitReplyNeverSent")
		return n >= 5, fmt.Sprintf("%d leaked", n)
	})

	// reset waits for the leaking loop to end, so once it returns nothing
	// is left that could leak more.
	mustCall(t, srv, "POST", "/reset")
	states := statesOf(goroutineDump(t), ".(*goroutineLeak)")
	if len(states) != 0 || svc.leak.leaking.Load() {
		t.Fatalf("after reset: leak goroutines %v, leaking %v", states, svc.leak.leaking.Load())
	}
}

func TestThreadLeakHoldsThreadsInSyscalls(t *testing.T) {
	before, _ := procStatus(t)
	_, srv := newTestServer(t)
	const n = 20
	mustCall(t, srv, "POST", fmt.Sprintf("/misbehave/threads?n=%d", n))

	waitFor(t, "goroutines in syscall, each holding a thread", func() (bool, string) {
		dump := goroutineDump(t)
		stuck := countGoroutines(dump, "syscall", ".(*threadLeak).readPipeNobodyWrites")
		threads, _ := procStatus(t)
		// Each stuck goroutine has a thread to itself, and something else
		// has to run the test.
		return stuck == n && threads > n, fmt.Sprintf("%v, %d threads (%d before)",
			statesOf(dump, ".(*threadLeak)"), threads, before)
	})
	for _, g := range goroutineDump(t) {
		// Once a GC has stamped it, the bracket reads "syscall, 2 minutes,
		// locked to thread".
		if strings.Contains(g.stack, ".(*threadLeak).readPipeNobodyWrites") && !strings.HasSuffix(g.bracket, "locked to thread") {
			t.Errorf("thread-leak goroutine in [%s], want [syscall, locked to thread]", g.bracket)
		}
	}
	peak, _ := procStatus(t)

	mustCall(t, srv, "POST", "/reset")
	// The stuck threads end with their goroutines. The margin is for the
	// threads the scheduler may still start, after peak was read, to run
	// the Ps the stuck ones gave up, which stay as idle threads.
	waitFor(t, "leaked threads ended after reset", func() (bool, string) {
		states := statesOf(goroutineDump(t), ".(*threadLeak)")
		threads, _ := procStatus(t)
		return len(states) == 0 && threads <= peak-n/2, fmt.Sprintf("%v, %d threads (%d at peak)", states, threads, peak)
	})
}

// Goroutines locked to their threads and waiting on a channel hold a
// thread each too, outside any system call.
func TestLockedWaitersHoldThreads(t *testing.T) {
	before, _ := procStatus(t)
	_, srv := newTestServer(t)
	const n, locked = 1, 10
	mustCall(t, srv, "POST", fmt.Sprintf("/misbehave/threads?n=%d&locked=%d", n, locked))
	waitFor(t, "locked goroutines waiting on a channel, each holding a thread", func() (bool, string) {
		dump := goroutineDump(t)
		waiting := 0
		for _, g := range dump {
			if strings.Contains(g.stack, ".(*threadLeak).waitLocked") && strings.HasPrefix(g.bracket, "chan receive") && strings.HasSuffix(g.bracket, "locked to thread") {
				waiting++
			}
		}
		threads, _ := procStatus(t)
		return waiting == locked && threads > n+locked, fmt.Sprintf("%v, %d threads (%d before)", statesOf(dump, ".(*threadLeak)"), threads, before)
	})
	mustCall(t, srv, "POST", "/reset")
	waitFor(t, "locked waiters ended after reset", func() (bool, string) {
		states := statesOf(goroutineDump(t), ".(*threadLeak)")
		return len(states) == 0, fmt.Sprint(states)
	})
}

func TestRSSSpikeGrowsAndShrinks(t *testing.T) {
	_, before := procStatus(t)
	svc, srv := newTestServer(t)
	const mib = 64
	mustCall(t, srv, "POST", fmt.Sprintf("/misbehave/rss?mib=%d", mib))

	var peak int64
	waitFor(t, "resident set grown by the spike", func() (bool, string) {
		_, peak = procStatus(t)
		return peak-before >= (mib-4)<<20, fmt.Sprintf("RSS %d MiB, %d MiB before", peak>>20, before>>20)
	})
	if got := svc.memory.heldBytes.Load(); got != mib<<20 {
		t.Errorf("held bytes %d, want %d", got, mib<<20)
	}

	mustCall(t, srv, "POST", "/reset")
	waitFor(t, "resident set shrunk after reset", func() (bool, string) {
		_, rss := procStatus(t)
		return peak-rss >= (mib-16)<<20, fmt.Sprintf("RSS %d MiB, %d MiB at peak", rss>>20, peak>>20)
	})
}

func TestCPUSpinEndsOnItsOwn(t *testing.T) {
	svc, srv := newTestServer(t)
	mustCall(t, srv, "POST", "/misbehave/cpu?workers=2&seconds=1")

	waitFor(t, "two burning goroutines", func() (bool, string) {
		dump := goroutineDump(t)
		busy := countGoroutines(dump, "runnable", ".(*cpuSpin).burnCPU") +
			countGoroutines(dump, "running", ".(*cpuSpin).burnCPU")
		return busy == 2, fmt.Sprint(statesOf(dump, ".(*cpuSpin)"))
	})
	waitFor(t, "spin ended by its deadline", func() (bool, string) {
		states := statesOf(goroutineDump(t), ".(*cpuSpin)")
		return len(states) == 0 && svc.cpu.secondsLeft() == 0, fmt.Sprint(states)
	})
}

func TestResetEndsACPUSpin(t *testing.T) {
	_, srv := newTestServer(t)
	mustCall(t, srv, "POST", "/misbehave/cpu?workers=2&seconds=600")
	mustCall(t, srv, "POST", "/reset")
	waitFor(t, "spin ended by reset", func() (bool, string) {
		states := statesOf(goroutineDump(t), ".(*cpuSpin)")
		return len(states) == 0, fmt.Sprint(states)
	})
}

func TestStartupScenarioAll(t *testing.T) {
	svc, _ := newTestServer(t)
	if err := svc.startScenario("all"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every startup misbehaviour active", func() (bool, string) {
		a := svc.snapshot().Active
		return a.Deadlock.Goroutines == 302 && a.ChanBlock.Goroutines == 50 && a.Threads.Goroutines == 12 &&
				a.RSS.HeldBytes == 64<<20 && a.Leak.Leaking && a.Leak.PerSecond == 1 && a.Leak.Max == 2000,
			fmt.Sprintf("%+v", a)
	})
	if err := svc.reset(); err != nil {
		t.Fatal(err)
	}
	if a := svc.snapshot().Active; a != (active{}) {
		t.Errorf("after reset: %+v", a)
	}
}

func TestSpikeStrikesOnceAndResetCancelsIt(t *testing.T) {
	svc, _ := newTestServer(t)
	svc.mu.Lock()
	svc.scheduleSpike(10 * time.Millisecond)
	svc.mu.Unlock()
	waitFor(t, "the spike", func() (bool, string) {
		a := svc.snapshot().Active
		return a.Deadlock.Goroutines == spikeGoroutines+2 && a.RSS.HeldBytes == spikeMiB<<20, fmt.Sprintf("%+v", a)
	})
	if err := svc.reset(); err != nil {
		t.Fatal(err)
	}
	svc.mu.Lock()
	svc.scheduleSpike(50 * time.Millisecond)
	svc.mu.Unlock()
	if err := svc.reset(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if a := svc.snapshot().Active; a != (active{}) {
		t.Errorf("a spike struck after a reset: %+v", a)
	}
}
