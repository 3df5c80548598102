package main

import (
	"bufio"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
)

// state is the process's own view of itself, served as /state. Tests of the
// data source compare what it reports with these numbers.
type state struct {
	Goroutines int `json:"goroutines"`
	// Threads is the kernel's count of the process's threads; null where
	// /proc/self/status does not exist.
	Threads *int `json:"threads"`
	// ThreadCreate is the count of the threadcreate profile: the OS threads
	// the runtime has now, idle ones included.
	ThreadCreate   int    `json:"threadcreate"`
	RSSBytes       *int64 `json:"rssBytes"`
	HeapInuseBytes uint64 `json:"heapInuseBytes"`
	Active         active `json:"active"`
}

// active is what each misbehaviour holds at the moment.
type active struct {
	Deadlock  goroutinesHeld `json:"deadlock"`
	ChanBlock goroutinesHeld `json:"chanblock"`
	Leak      leakState      `json:"leak"`
	RSS       memoryState    `json:"rss"`
	Threads   goroutinesHeld `json:"threads"`
	CPU       cpuState       `json:"cpu"`
}

type goroutinesHeld struct {
	Goroutines int `json:"goroutines"`
}

type leakState struct {
	Goroutines int  `json:"goroutines"`
	Leaking    bool `json:"leaking"`
	PerSecond  int  `json:"perSecond"`
	Max        int  `json:"max"`
}

type memoryState struct {
	HeldBytes int64 `json:"heldBytes"`
}

type cpuState struct {
	Goroutines  int     `json:"goroutines"`
	SecondsLeft float64 `json:"secondsLeft"`
}

// snapshot reads the state without taking the service lock. The goroutine
// count comes first so it is as close as possible to the moment of the call.
func (s *service) snapshot() state {
	st := state{Goroutines: runtime.NumGoroutine()}
	if f, err := os.Open("/proc/self/status"); err == nil {
		threads, rss := parseProcStatus(f)
		f.Close()
		st.Threads, st.RSSBytes = threads, rss
	}
	st.ThreadCreate = pprof.Lookup("threadcreate").Count()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st.HeapInuseBytes = ms.HeapInuse
	st.Active = active{
		Deadlock:  goroutinesHeld{s.deadlock.held.count()},
		ChanBlock: goroutinesHeld{s.chanBlock.held.count()},
		Leak: leakState{
			Goroutines: s.leak.held.count(),
			Leaking:    s.leak.leaking.Load(),
			PerSecond:  int(s.leak.perSecond.Load()),
			Max:        int(s.leak.max.Load()),
		},
		RSS:     memoryState{s.memory.heldBytes.Load()},
		Threads: goroutinesHeld{s.threads.held.count()},
		CPU:     cpuState{s.cpu.held.count(), s.cpu.secondsLeft()},
	}
	return st
}

// parseProcStatus reads the Threads and VmRSS lines of a Linux
// /proc/<pid>/status file; either is nil when missing.
func parseProcStatus(r io.Reader) (threads *int, rssBytes *int64) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) == 0 {
			continue
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			continue
		}
		switch key {
		case "Threads":
			t := int(n)
			threads = &t
		case "VmRSS": // "VmRSS:	   12345 kB"
			b := n << 10
			rssBytes = &b
		}
	}
	return threads, rssBytes
}
