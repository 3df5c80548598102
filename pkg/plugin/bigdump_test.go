package plugin

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

// goroutineKinds are the stacks of a server-shaped population, as
// pkg/stackgroups/testdata/bigdump starts them (requests behind a lock,
// readers behind a writer, idle workers, sleepers, blocked producers,
// waiters), with the frames the runtime prints for them.
var goroutineKinds = []struct {
	state  string
	frames string
}{
	{"sync.Mutex.Lock", "internal/sync.runtime_SemacquireMutex(0x0?, 0x0?, 0x0?)\n\t/usr/local/go/src/runtime/sema.go:95 +0x25\ninternal/sync.(*Mutex).lockSlow(0x3958c8994240)\n\t/usr/local/go/src/internal/sync/mutex.go:149 +0x15d\nsync.(*Mutex).Lock(...)\n\t/usr/local/go/src/sync/mutex.go:46\nmain.(*store).query(0x0?, 0x0?)\n\t/srv/app/store.go:54 +0x75\nmain.(*service).process(0x0?, 0x0?, 0x0?)\n\t/srv/app/service.go:48 +0x29\nmain.(*server).handle(...)\n\t/srv/app/server.go:40\n"},
	{"chan receive", "main.(*store).query(0x0?, 0x0?)\n\t/srv/app/store.go:57 +0xc5\nmain.(*service).process(0x0?, 0x0?, 0x0?)\n\t/srv/app/service.go:48 +0x29\nmain.(*service).process(0x0?, 0x0?, 0x0?)\n\t/srv/app/service.go:45 +0x1b\nmain.(*server).handle(...)\n\t/srv/app/server.go:40\n"},
	{"sync.RWMutex.RLock", "sync.runtime_SemacquireRWMutexR(0x0?, 0x0?, 0x0?)\n\t/usr/local/go/src/runtime/sema.go:100 +0x25\nsync.(*RWMutex).RLock(...)\n\t/usr/local/go/src/sync/rwmutex.go:74\nmain.(*cache).get(0xc000012345, 0x0?, 0x0?)\n\t/srv/app/cache.go:66 +0x55\nmain.(*cache).get(0xc000012345, 0x0?, 0x1?)\n\t/srv/app/cache.go:63 +0x2d\n"},
	{"select", "main.worker(0x0?, 0xc000022000)\n\t/srv/app/worker.go:73 +0x6a\n"},
	{"sleep", "time.Sleep(0x8bb2c97000)\n\t/usr/local/go/src/runtime/time.go:363 +0x165\nmain.backoff(0x0?)\n\t/srv/app/retry.go:82 +0x3e\n"},
	{"chan send", "main.producer(0x0?)\n\t/srv/app/queue.go:85 +0x2d\n"},
	{"sync.WaitGroup.Wait", "sync.runtime_SemacquireWaitGroup(0x0?, 0x0?)\n\t/usr/local/go/src/runtime/sema.go:114 +0x2e\nsync.(*WaitGroup).Wait(0x0?)\n\t/usr/local/go/src/sync/waitgroup.go:206 +0x85\nmain.waitAll()\n\t/srv/app/batch.go:88 +0x1b\n"},
	{"IO wait", "internal/poll.runtime_pollWait(0x7f0e2c7d9e00, 0x72)\n\t/usr/local/go/src/runtime/netpoll.go:351 +0x85\ninternal/poll.(*pollDesc).wait(0xc000180000?, 0xc000190000?, 0x0)\n\t/usr/local/go/src/internal/poll/fd_poll_runtime.go:84 +0x27\nnet.(*conn).Read(0xc000102000, {0xc000190000?, 0x1?, 0x1?})\n\t/usr/local/go/src/net/net.go:194 +0x45\nmain.readConn({0x6a1f08, 0xc000102000})\n\t/srv/app/conn.go:103 +0x45\n"},
}

// generatedDump writes a goroutine?debug=2 dump of n goroutines of the
// kinds above in a realistic order (interleaved, as a long-running
// service has them, not one kind after the other) with wait minutes on
// most of them. A million goroutines make about 300 MiB; the tests use
// the same shape at a smaller scale.
func generatedDump(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	b.Grow(n * 330)
	b.WriteString("goroutine 1 [running]:\nmain.main()\n\t/srv/app/main.go:174 +0x799\n\n")
	for i := range n - 1 {
		k := goroutineKinds[rng.IntN(len(goroutineKinds))]
		wait := ""
		if m := rng.IntN(90); m > 0 {
			wait = fmt.Sprintf(", %d minutes", m)
		}
		fmt.Fprintf(&b, "goroutine %d [%s%s]:\n%screated by main.main in goroutine 1\n\t/srv/app/main.go:%d +0x1a7\n\n",
			i+2, k.state, wait, k.frames, 130+rng.IntN(8))
	}
	return b.Bytes()
}

// benchmarkDump is GOROUTINE_DUMP's content, or a generated dump of n
// goroutines.
func benchmarkDump(tb testing.TB, n int) []byte {
	tb.Helper()
	if path := os.Getenv("GOROUTINE_DUMP"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		return data
	}
	return generatedDump(n)
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
