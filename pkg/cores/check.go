package cores

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Errors a caller can tell apart; each message says what to do.
var (
	// ErrNotCore is returned when the core file is not an ELF core dump.
	ErrNotCore = errors.New("not a Linux ELF core dump")
	// ErrTruncated is returned when the core file ends before its last
	// segment does.
	ErrTruncated = errors.New("the core file is truncated")
	// ErrNotExecutable is returned when the executable is not a Linux ELF
	// executable built by Go.
	ErrNotExecutable = errors.New("not a Go executable for Linux")
	// ErrNoDebugInfo is returned for an executable without DWARF.
	ErrNoDebugInfo = errors.New("the executable has no DWARF debug information")
	// ErrMismatch is returned when the core was not written by a process of
	// the executable.
	ErrMismatch = errors.New("the core was not written by this executable")
	// ErrUnsupported is returned for architectures the reader does not know.
	ErrUnsupported = errors.New("unsupported core")
	// ErrUnreadable is returned when the runtime's data in the core cannot be
	// read (a damaged core, or a Go runtime this reader does not know).
	ErrUnreadable = errors.New("the Go runtime's data in the core cannot be read")
)

// Info is what a core and its executable say about the process without
// reading its goroutines: cheap enough for listing many cores.
type Info struct {
	// Core and Executable are the paths the core was inspected with.
	Core, Executable string
	// CapturedAt is when the core was written: the core file's
	// modification time (an ELF core carries no time of its own).
	CapturedAt time.Time
	// Size is the core file's size in bytes.
	Size int64
	// GoVersion is the version of Go that built the executable.
	GoVersion string
	// Arch is "amd64" or "arm64".
	Arch string
	// PID is the process id, 0 when the core does not say.
	PID int
	// Program is the path of the executable as the process ran it (from
	// the core's file mappings), or the 16-byte command name when the core
	// lists no mappings; empty when neither is there.
	Program string
	// Signal is the signal that made the kernel write the core ("SIGSEGV"),
	// empty for a core taken from a live process (gcore).
	Signal string
	// SignalThread is the thread that received Signal, 0 for none.
	SignalThread int
	// Threads lists the thread ids and their pending signal, in note order.
	Threads []threadNote
}

type threadNote struct {
	lwp    int
	signal int
}

// ELF note types of Linux cores.
const (
	ntPRStatus = 1
	ntPRPSInfo = 3
	ntAuxv     = 6
	ntFile     = 0x46494c45
	atPHDR     = 3
	atEntry    = 9
)

// maxNotes bounds the note segments read: a real core's notes are a few
// kilobytes per thread.
const maxNotes = 64 << 20

// Inspect checks that core is a Linux ELF core of a Go process and that exe
// is the executable that produced it, with DWARF, and returns what both say
// without reading goroutines. Its errors wrap the Err values of this package.
func Inspect(corePath, exePath string) (*Info, error) {
	cf, err := os.Open(corePath)
	if err != nil {
		return nil, err
	}
	defer cf.Close()
	st, err := cf.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkLength(cf, st.Size()); err != nil {
		return nil, err
	}
	c, err := elf.NewFile(cf)
	if err != nil || c.Type != elf.ET_CORE {
		return nil, fmt.Errorf("%w: %s (%s)", ErrNotCore, filepath.Base(corePath), notCoreReason(c, err))
	}
	info := &Info{Core: corePath, Executable: exePath, CapturedAt: st.ModTime(), Size: st.Size()}
	if info.Arch, err = archOf(c.Machine); err != nil {
		return nil, err
	}
	auxv, files, err := readNotes(c, info)
	if err != nil {
		return nil, err
	}
	if entry, ok := auxvValue(auxv, c.ByteOrder, atEntry); ok {
		if p := mappedFile(files, c.ByteOrder, entry); p != "" {
			info.Program = p
		}
	}
	if len(info.Threads) == 0 {
		return nil, fmt.Errorf("%w: %s lists no threads", ErrNotCore, filepath.Base(corePath))
	}
	if err := checkExecutable(c, exePath, auxv, info); err != nil {
		return nil, err
	}
	return info, nil
}

func notCoreReason(c *elf.File, err error) string {
	if err != nil {
		return "not an ELF file"
	}
	return fmt.Sprintf("an ELF file of type %s", c.Type)
}

func archOf(m elf.Machine) (string, error) {
	switch m {
	case elf.EM_X86_64:
		return "amd64", nil
	case elf.EM_AARCH64:
		return "arm64", nil
	}
	return "", fmt.Errorf("%w: the core is of a %s process; cores of amd64 and arm64 processes are read", ErrUnsupported, m)
}

// checkLength verifies, from the raw ELF header, that every segment's bytes
// are in the file: a core cut short by a full disk, RLIMIT_CORE or an
// interrupted copy. It runs before debug/elf, which fails on such a file
// with a less helpful message.
func checkLength(f io.ReaderAt, size int64) error {
	var h [64]byte
	if n, _ := f.ReadAt(h[:], 0); n < len(h) || string(h[:4]) != elf.ELFMAG ||
		elf.Class(h[elf.EI_CLASS]) != elf.ELFCLASS64 || elf.Data(h[elf.EI_DATA]) != elf.ELFDATA2LSB ||
		elf.Type(order.Uint16(h[16:])) != elf.ET_CORE {
		return nil // not a 64-bit little-endian core: Inspect says what it is
	}
	phoff, phentsize, phnum := order.Uint64(h[32:]), uint64(order.Uint16(h[54:])), uint64(order.Uint16(h[56:]))
	need := phoff + phentsize*phnum
	if phnum != 0xffff && phentsize >= 48 && need <= uint64(size) {
		ph := make([]byte, phentsize*phnum)
		if _, err := f.ReadAt(ph, int64(phoff)); err != nil {
			return fmt.Errorf("%w: reading its program headers: %v", ErrTruncated, err)
		}
		for i := uint64(0); i < phnum; i++ {
			p := ph[i*phentsize:]
			need = max(need, order.Uint64(p[8:])+order.Uint64(p[32:]))
		}
	}
	if need > uint64(size) {
		return fmt.Errorf("%w: it is %d bytes long but its segments end at %d bytes (%.0f%% is missing); the dump was cut short (a full disk, `ulimit -c`, or an incomplete copy)",
			ErrTruncated, size, need, 100*float64(need-uint64(size))/float64(need))
	}
	return nil
}

// readNotes reads the threads, signal and process id from the core's notes
// and returns the auxiliary vector and the file mappings.
func readNotes(c *elf.File, info *Info) (auxv, files []byte, err error) {
	order := c.ByteOrder
	for _, p := range c.Progs {
		if p.Type != elf.PT_NOTE {
			continue
		}
		if p.Filesz > maxNotes {
			return nil, nil, fmt.Errorf("%w: a note segment of %d bytes, more than the %d a core has", ErrNotCore, p.Filesz, maxNotes)
		}
		data := make([]byte, p.Filesz)
		if _, err := p.ReadAt(data, 0); err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, fmt.Errorf("%w: reading notes: %v", ErrTruncated, err)
		}
		for len(data) >= 12 {
			namesz, descsz, typ := order.Uint32(data), order.Uint32(data[4:]), order.Uint32(data[8:])
			nameEnd := 12 + align4(uint64(namesz))
			descEnd := nameEnd + align4(uint64(descsz))
			if descEnd > uint64(len(data)) {
				break
			}
			desc := data[nameEnd : nameEnd+uint64(descsz)]
			name := string(bytes.TrimRight(data[12:12+namesz], "\x00"))
			if name == "CORE" {
				switch typ {
				case ntPRStatus:
					prStatus(desc, order, info)
				case ntAuxv:
					auxv = desc
				case ntFile:
					files = desc
				case ntPRPSInfo:
					// struct elf_prpsinfo on 64-bit Linux: pr_pid at
					// offset 24, pr_fname (16 bytes) at 40.
					if len(desc) >= 56 {
						info.PID = int(order.Uint32(desc[24:]))
						if info.Program == "" {
							info.Program = string(bytes.TrimRight(desc[40:56], "\x00"))
						}
					}
				}
			}
			data = data[descEnd:]
		}
	}
	return auxv, files, nil
}

// mappedFile finds the file mapped at addr in an NT_FILE note: a count and
// a page size, then start, end and file offset of each mapping, then their
// NUL-terminated paths.
func mappedFile(note []byte, order binary.ByteOrder, addr uint64) string {
	if len(note) < 16 {
		return ""
	}
	n := order.Uint64(note)
	if n > uint64(len(note))/24 {
		return ""
	}
	names := bytes.Split(note[16+24*n:], []byte{0})
	for i := uint64(0); i < n && i < uint64(len(names)); i++ {
		e := note[16+24*i:]
		if start, end := order.Uint64(e), order.Uint64(e[8:]); start <= addr && addr < end {
			return string(names[i])
		}
	}
	return ""
}

func align4(n uint64) uint64 { return (n + 3) &^ 3 }

// prStatus reads struct elf_prstatus as 64-bit Linux lays it out: the
// current signal (pr_cursig) at offset 12 and the thread id (pr_pid) at 32.
func prStatus(desc []byte, order binary.ByteOrder, info *Info) {
	if len(desc) < 48 {
		return
	}
	t := threadNote{signal: int(order.Uint16(desc[12:])), lwp: int(order.Uint32(desc[32:]))}
	if t.signal != 0 && info.Signal == "" {
		info.Signal, info.SignalThread = signalName(t.signal), t.lwp
	}
	info.Threads = append(info.Threads, t)
}

// checkExecutable verifies that exe is a Go ELF executable with DWARF for the
// core's architecture, and that its first page is the one the core has
// mapped where the process's program headers were (AT_PHDR).
func checkExecutable(c *elf.File, exePath string, auxv []byte, info *Info) error {
	ef, err := os.Open(exePath)
	if err != nil {
		return err
	}
	defer ef.Close()
	name := filepath.Base(exePath)
	e, err := elf.NewFile(ef)
	if err != nil {
		return fmt.Errorf("%w: %s is not an ELF file", ErrNotExecutable, name)
	}
	if e.Type != elf.ET_EXEC && e.Type != elf.ET_DYN {
		return fmt.Errorf("%w: %s is an ELF file of type %s", ErrNotExecutable, name, e.Type)
	}
	if e.Machine != c.Machine {
		return fmt.Errorf("%w: the core is of a %s process and %s is a %s executable", ErrMismatch, c.Machine, name, e.Machine)
	}
	bi, err := buildinfo.Read(ef)
	if err != nil {
		return fmt.Errorf("%w: %s carries no Go build information (%v)", ErrNotExecutable, name, err)
	}
	info.GoVersion = bi.GoVersion
	if e.Section(".debug_info") == nil && e.Section(".zdebug_info") == nil {
		return fmt.Errorf("%w: %s was stripped or linked with -ldflags=-w; give the executable as built, before stripping (or build with debug information and keep that copy)", ErrNoDebugInfo, name)
	}
	return checkSamePage(c, e, ef, auxv, name)
}

// checkSamePage compares the executable's first page with the page the core
// holds at the address of the process's ELF header. Cores hold that page
// (the kernel's default coredump_filter keeps ELF headers, gcore keeps
// everything); when a core lacks it the check is skipped and a mismatch shows
// as unreadable runtime data instead.
func checkSamePage(c, e *elf.File, ef io.ReaderAt, auxv []byte, name string) error {
	phdr, ok := auxvValue(auxv, c.ByteOrder, atPHDR)
	if !ok {
		return nil
	}
	var phoff uint64
	switch h := e.FileHeader; h.Class {
	case elf.ELFCLASS64:
		var raw [64]byte
		if _, err := ef.ReadAt(raw[:], 0); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrNotExecutable, name, err)
		}
		phoff = e.ByteOrder.Uint64(raw[32:])
	default:
		return fmt.Errorf("%w: %s is not a 64-bit executable", ErrMismatch, name)
	}
	base := phdr - phoff
	const page = 4096
	want := make([]byte, page)
	n, _ := ef.ReadAt(want, 0)
	want = want[:n]
	got, ok := coreBytes(c, base, len(want))
	if !ok {
		return nil
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%w: the core's copy of the executable's first page differs from %s; give the executable of the process that dumped core (the same build: same Go version, flags and sources)", ErrMismatch, name)
	}
	return nil
}

func auxvValue(auxv []byte, order binary.ByteOrder, key uint64) (uint64, bool) {
	for len(auxv) >= 16 {
		k, v := order.Uint64(auxv), order.Uint64(auxv[8:])
		if k == key {
			return v, true
		}
		if k == 0 {
			break
		}
		auxv = auxv[16:]
	}
	return 0, false
}

// coreBytes reads n bytes at a virtual address from the core's segments.
func coreBytes(c *elf.File, addr uint64, n int) ([]byte, bool) {
	for _, p := range c.Progs {
		if p.Type != elf.PT_LOAD || addr < p.Vaddr || addr+uint64(n) > p.Vaddr+p.Filesz {
			continue
		}
		buf := make([]byte, n)
		if _, err := p.ReadAt(buf, int64(addr-p.Vaddr)); err != nil {
			return nil, false
		}
		return buf, true
	}
	return nil, false
}

// Program returns the path of the executable the core's process ran, as the
// core records it (see Info.Program), without needing the executable.
func Program(corePath string) (string, error) {
	cf, err := os.Open(corePath)
	if err != nil {
		return "", err
	}
	defer cf.Close()
	st, err := cf.Stat()
	if err != nil {
		return "", err
	}
	if err := checkLength(cf, st.Size()); err != nil {
		return "", err
	}
	c, err := elf.NewFile(cf)
	if err != nil || c.Type != elf.ET_CORE {
		return "", fmt.Errorf("%w: %s (%s)", ErrNotCore, filepath.Base(corePath), notCoreReason(c, err))
	}
	info := &Info{}
	auxv, files, err := readNotes(c, info)
	if err != nil {
		return "", err
	}
	if entry, ok := auxvValue(auxv, c.ByteOrder, atEntry); ok {
		if p := mappedFile(files, c.ByteOrder, entry); p != "" {
			return p, nil
		}
	}
	return info.Program, nil
}
