package goroutines

import (
	"strconv"
	"strings"
)

// Package returns the import path of the frame's function:
// "net/http" for "net/http.(*conn).serve", "main" for "main.main.func1".
// Functions printed without a package ("panic") belong to the runtime.
func (f Frame) Package() string {
	return FuncPackage(f.Func)
}

// FuncPackage returns the import path part of a function name as printed
// in tracebacks.
func FuncPackage(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	rest := fn[slash+1:]
	dot := strings.IndexByte(rest, '.')
	if dot < 0 {
		if slash < 0 && !strings.HasPrefix(fn, "0x") && fn != "" {
			return "runtime"
		}
		return ""
	}
	// "gopkg.in/yaml.v3.(*parser).parse": a ".vN" element is part of the path.
	if after := rest[dot+1:]; len(after) > 1 && after[0] == 'v' {
		i := 1
		for i < len(after) && after[i] >= '0' && after[i] <= '9' {
			i++
		}
		if i > 1 && i < len(after) && after[i] == '.' {
			dot += 1 + i
		}
	}
	return fn[:slash+1+dot]
}

// IsStandardPackage reports whether an import path belongs to the standard
// library (including the runtime): its first element has no dot and it is
// not "main".
func IsStandardPackage(pkg string) bool {
	if pkg == "" || pkg == "main" || pkg == "command-line-arguments" {
		return false
	}
	first, _, _ := strings.Cut(pkg, "/")
	return !strings.Contains(first, ".")
}

// Standard reports whether the frame is standard library code. A module
// path without a dot ("myapp/handlers") looks like a standard package, so an
// absolute file outside GOROOT's ".../src/<package>/" counts as user code;
// files in ".../src/runtime/" count as standard whatever the package, since
// the runtime implements functions of sync, time, internal/poll and others.
func (f Frame) Standard() bool {
	pkg := f.Package()
	if !IsStandardPackage(pkg) {
		return false
	}
	if f.File == "" || !strings.HasPrefix(f.File, "/") && !hasDrive(f.File) {
		return true
	}
	return strings.Contains(f.File, "/src/"+pkg+"/") || strings.Contains(f.File, "/src/runtime/")
}

func hasDrive(file string) bool {
	return len(file) > 2 && file[1] == ':' && (file[2] == '/' || file[2] == '\\')
}

// UserFrame returns the index of the innermost frame outside the standard
// library, or -1.
func (s *Stack) UserFrame() int {
	for i, f := range s.Frames {
		if !f.Standard() {
			return i
		}
	}
	return -1
}

// String formats the stack the way the runtime prints it, without
// arguments: "function\n\tfile:line" per frame, the elision marker where
// frames were left out, and the created-by line.
func (s *Stack) String() string {
	var b strings.Builder
	for i, f := range s.Frames {
		if i == s.ElidedAt && s.Elided != 0 {
			writeElided(&b, s.Elided)
		}
		writeFrame(&b, f)
	}
	if s.Elided != 0 && s.ElidedAt >= len(s.Frames) {
		writeElided(&b, s.Elided)
	}
	if s.CreatedBy.Func != "" {
		b.WriteString("created by ")
		writeFrame(&b, s.CreatedBy)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func writeFrame(b *strings.Builder, f Frame) {
	b.WriteString(f.Func)
	b.WriteString("\n\t")
	b.WriteString(f.File)
	if f.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(f.Line))
	}
	b.WriteByte('\n')
}

func writeElided(b *strings.Builder, n int) {
	if n == ElidedUncounted {
		b.WriteString("...additional frames elided...\n")
		return
	}
	b.WriteString("...")
	b.WriteString(strconv.Itoa(n))
	b.WriteString(" frames elided...\n")
}
