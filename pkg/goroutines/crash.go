package goroutines

import (
	"bytes"
	"strings"
)

// Crash is what a crash printed before and around its goroutines.
type Crash struct {
	// Kind is "panic", "fatal error" or "signal" (a dump on SIGQUIT or
	// another signal, without a panic), or "core" for a core dump written
	// on a signal (Goroutine is then the one on the thread that got it).
	Kind string
	// Message is the text after "panic: " or "fatal error: " (several
	// lines for a multi-line panic value), or the signal line such as
	// "SIGQUIT: quit".
	Message string
	// Nested are the further panic and fatal error lines: panics during
	// deferred calls, recovered and re-panicked values.
	Nested []string
	// Signal describes the signal, e.g. "SIGSEGV: segmentation violation
	// code=0x1 addr=0x0 pc=0x4a2b3c".
	Signal string
	// Goroutine is the id of the goroutine printed first after the
	// message: the one that panicked or was running when the signal came.
	Goroutine int64
	// Registers are the register values printed with GOTRACEBACK=crash
	// and on signals: those of the thread that received the signal.
	Registers []Register
	// Notes are other runtime lines, such as "runtime: …" explanations,
	// "PC=… m=0 sigcode=0" and "signal arrived during cgo execution".
	Notes []string
	// Threads are the OS threads whose own stacks the output holds. On a
	// signal the runtime prints the stack of the thread that received it
	// ("goroutine 0 [idle]" when it ran no goroutine); under
	// GOTRACEBACK=crash each other thread follows in a section of its own
	// after a "-----" line, with its signal, program counter, stack and
	// registers. A thread's scheduler stack is not a goroutine: it is kept
	// here, out of Snapshot.Goroutines and every count. A goroutine that was
	// running on a thread is listed in Snapshot.Goroutines, with the stack
	// its thread's section printed when the goroutine list could not
	// ("goroutine running on other thread; stack unavailable").
	Threads []OSThread
}

// OSThread is one thread (an M of the scheduler) in crash output.
type OSThread struct {
	// M is the thread's id, the m=N of its "PC=… m=N" line; -1 when not
	// printed.
	M int64
	// Signal is the signal line of its section, such as "SIGQUIT: quit".
	Signal string
	// PC is the program counter where the signal found it, as printed.
	PC string
	// Goroutine is the goroutine the thread was running, 0 when it ran
	// none (idle, in the scheduler or in a system call of the runtime's).
	Goroutine int64
	// State and Stack are those of the thread's own scheduler stack
	// ("goroutine 0 [idle]"); Stack is nil when it was not printed.
	State string
	Stack *Stack
	// Registers are the register values printed for the thread.
	Registers []Register
}

// Register is one line of a register dump, "rax    0x0".
type Register struct {
	Name, Value string
}

// Deadlock reports whether the runtime found every goroutine asleep.
func (c *Crash) Deadlock() bool {
	return strings.Contains(c.Message, "all goroutines are asleep") || strings.HasPrefix(c.Message, "deadlock:")
}

// maxNotes bounds Crash.Notes and Crash.Nested, and maxMessage the bytes of
// a multi-line message: crash output can carry program output of any length.
const (
	maxNotes   = 50
	maxMessage = 16 << 10
)

func (p *textParser) crash() *Crash {
	if p.cur.Crash == nil {
		p.mark()
		p.cur.Crash = &Crash{}
		p.crashPending = true
	}
	return p.cur.Crash
}

// other handles a line outside goroutine blocks: crash messages, signals,
// registers and runtime notes; other text (program output) is skipped.
func (p *textParser) other(l []byte) {
	separated := p.separated
	p.separated = false
	switch {
	case hasPrefix(l, "panic: "), hasPrefix(l, "fatal error: "):
		if len(p.buf) > p.first || p.debug1 {
			p.newSnapshot()
		}
		kind, msg := splitMessage(l)
		c := p.crash()
		if c.Kind == "" || c.Kind == "signal" {
			c.Kind, c.Message = kind, msg
		} else if len(c.Nested) < maxNotes {
			c.Nested = append(c.Nested, string(l))
		}
		p.inMessage = true
	case hasPrefix(l, "\tpanic: "), hasPrefix(l, "\tfatal error: "):
		if c := p.cur.Crash; c != nil && len(c.Nested) < maxNotes {
			c.Nested = append(c.Nested, string(l[1:]))
		}
	case hasPrefix(l, "[signal ") && l[len(l)-1] == ']':
		c := p.crash()
		c.Signal = string(l[len("[signal ") : len(l)-1])
	case isSignalLine(l) && separated:
		c := p.cur.Crash
		c.Threads = append(c.Threads, OSThread{M: -1, Signal: string(l)})
	case isSignalLine(l):
		// A signal after goroutines is another dump: a process killed by
		// a signal after the one that panicked, in a log of both.
		if len(p.buf) > p.first || p.debug1 {
			p.newSnapshot()
		}
		c := p.crash()
		if c.Kind == "" {
			c.Kind, c.Message = "signal", string(l)
		}
		if c.Signal == "" {
			c.Signal = string(l)
		}
	case string(l) == "-----" && p.cur.Crash != nil:
		p.inThreads, p.separated = true, true
	case hasPrefix(l, "PC=") && p.cur.Crash != nil:
		th := p.thread()
		th.PC, th.M = string(l), threadM(l)
		if !p.inThreads {
			p.note(l)
		}
	case p.cur.Crash != nil && isRegister(l):
		name, value := splitRegister(l)
		if p.inThreads {
			th := p.thread()
			th.Registers = append(th.Registers, Register{Name: name, Value: value})
		} else {
			p.cur.Crash.Registers = append(p.cur.Crash.Registers, Register{Name: name, Value: value})
		}
	case hasPrefix(l, "runtime stack:"):
		p.skipFrames()
	case p.inMessage && p.cur.Crash != nil:
		if len(p.cur.Crash.Message) < maxMessage {
			p.cur.Crash.Message += "\n" + string(l)
		}
	case isRuntimeNote(l):
		p.note(l)
	case funcEnd(l) > 0 || hasPrefix(l, "created by "):
		p.errs.syntax(p.line, "frame outside a goroutine", l)
	case hasPrefix(l, "=== RUN "), hasPrefix(l, "=== CONT "):
		p.lastTest = string(trimSpaces(l[len("=== RUN "):]))
	}
}

// thread returns the thread whose section is being read: the last one, or
// a new one for the first section of a signal.
func (p *textParser) thread() *OSThread {
	c := p.crash()
	if len(c.Threads) == 0 {
		c.Threads = append(c.Threads, OSThread{M: -1, Signal: c.Signal})
	}
	return &c.Threads[len(c.Threads)-1]
}

// threadM reads the m=N of "PC=0x45e841 m=3 sigcode=0".
func threadM(l []byte) int64 {
	i := bytes.Index(l, []byte(" m="))
	if i < 0 {
		return -1
	}
	m, _, ok := parseDec(l, i+len(" m="))
	if !ok {
		return -1
	}
	return m
}

// threadGoroutine moves the goroutine block just read, the last element of
// buf, into the thread it was printed for: a scheduler stack ("goroutine
// 0") becomes the thread's, and a goroutine running on a thread of a
// GOTRACEBACK=crash section lends its stack to its entry in the goroutine
// list, which could not print it.
func (p *textParser) threadGoroutine() {
	last := len(p.buf) - 1
	g := p.buf[last]
	th := p.thread()
	if g.ID == 0 {
		th.State, th.Stack = g.State, g.Stack
		if th.M < 0 && g.Thread != nil {
			th.M = g.Thread.M
		}
		p.buf = p.buf[:last]
		return
	}
	th.Goroutine = g.ID
	for i := last - 1; i >= p.first; i-- {
		if listed := &p.buf[i]; listed.ID == g.ID {
			if listed.StackUnavailable || listed.Stack == nil || len(listed.Stack.Frames) == 0 {
				listed.Stack, listed.StackUnavailable = g.Stack, false
			}
			p.buf = p.buf[:last]
			return
		}
	}
}

// note keeps a runtime line of crash output.
func (p *textParser) note(l []byte) {
	if c := p.cur.Crash; c != nil && len(c.Notes) < maxNotes && !hasPrefix(l, "0x") {
		c.Notes = append(c.Notes, string(l))
	}
}

// skipFrames skips the frames of a "runtime stack:" section (a thread's
// system stack, which belongs to no goroutine).
func (p *textParser) skipFrames() {
	for {
		start := p.pos
		l, ok := p.next()
		if !ok {
			return
		}
		if len(l) == 0 || l[0] != '\t' && funcEnd(l) < 0 {
			p.unread(start)
			return
		}
	}
}

func splitMessage(l []byte) (kind, msg string) {
	s := string(l)
	if strings.HasPrefix(s, "panic: ") {
		return "panic", s[len("panic: "):]
	}
	return "fatal error", s[len("fatal error: "):]
}

// isSignalLine matches "SIGQUIT: quit", "SIGABRT: abort" and the like.
func isSignalLine(l []byte) bool {
	if !hasPrefix(l, "SIG") {
		return false
	}
	i := 3
	for i < len(l) && l[i] >= 'A' && l[i] <= 'Z' {
		i++
	}
	return i > 3 && hasPrefixAt(l, i, ": ")
}

// isRegister matches a register dump line such as "rax    0x0" or
// "rflags 0x10246".
func isRegister(l []byte) bool {
	i := 0
	for i < len(l) && (l[i] >= 'a' && l[i] <= 'z' || l[i] >= '0' && l[i] <= '9') {
		i++
	}
	if i == 0 || i > 8 || i == len(l) || l[i] != ' ' {
		return false
	}
	for i < len(l) && l[i] == ' ' {
		i++
	}
	_, j, ok := parseHex(l, i)
	return ok && j == len(l)
}

func splitRegister(l []byte) (string, string) {
	s := string(l)
	i := strings.IndexByte(s, ' ')
	return s[:i], strings.TrimLeft(s[i:], " ")
}

func isRuntimeNote(l []byte) bool {
	for _, p := range runtimeNotePrefixes {
		if hasPrefix(l, p) {
			return true
		}
	}
	return false
}

var runtimeNotePrefixes = []string{
	"runtime: ", "PC=", "signal arrived during", "unexpected fault address",
	"fatal: ", "[recovered", "goroutine running on other thread",
}
