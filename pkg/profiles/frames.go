package profiles

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/google/pprof/profile"
)

// nameTable interns the names frames are shown with, and remembers the
// function, file and line behind each.
type nameTable struct {
	index    map[string]int32
	names    []string
	function []string
	file     []string
	line     []int64
}

func newNameTable() *nameTable {
	return &nameTable{index: map[string]int32{}}
}

func (t *nameTable) intern(name, function, file string, line int64) int32 {
	if id, ok := t.index[name]; ok {
		return id
	}
	id := int32(len(t.names))
	t.index[name] = id
	t.names = append(t.names, name)
	t.function = append(t.function, function)
	t.file = append(t.file, file)
	t.line = append(t.line, line)
	return id
}

func (t *nameTable) len() int { return len(t.names) }

// frameKey identifies what a frame is named after: a function (and a line
// when frames are per line), or, for unsymbolized code, the mapping.
type frameKey struct {
	function *profile.Function
	line     int64
	mapping  *profile.Mapping
}

// frameNamer names the frames of one granularity the way pprof's reports
// name graph nodes, so that top rows match `go tool pprof -top`.
type frameNamer struct {
	names  *nameTable
	byLine bool
	cache  map[frameKey]int32
}

func newFrameNamer(names *nameTable, byLine bool) *frameNamer {
	return &frameNamer{names: names, byLine: byLine, cache: map[frameKey]int32{}}
}

func (n *frameNamer) frame(loc *profile.Location, ln profile.Line) int32 {
	key := frameKey{function: ln.Function}
	if ln.Function == nil || ln.Function.Name == "" {
		key = frameKey{function: ln.Function, mapping: loc.Mapping}
	}
	if n.byLine {
		key.line = ln.Line
	}
	if id, ok := n.cache[key]; ok {
		return id
	}
	var function, file, objfile string
	if f := ln.Function; f != nil {
		function = f.Name
		if n.byLine && f.Filename != "" {
			file = filepath.Clean(trimPathPrefix(f.Filename))
		}
	}
	if function == "" && loc.Mapping != nil {
		objfile = loc.Mapping.File
	}
	line := key.line
	if ln.Function == nil {
		line, file = 0, ""
	}
	id := n.names.intern(printableName(function, file, line, objfile), function, file, line)
	n.cache[key] = id
	return id
}

// trimPathPrefix removes the prefixes pprof removes from source paths when
// no trim path is configured.
func trimPathPrefix(path string) string {
	for _, prefix := range []string{"/proc/self/cwd/./", "/proc/self/cwd/"} {
		if strings.HasPrefix(path, prefix) {
			return path[len(prefix):]
		}
	}
	return path
}

// printableName is the name pprof prints for a graph node: the function,
// then file:line when lines are asked for, or the binary's name for code
// without symbols.
func printableName(function, file string, line int64, objfile string) string {
	var b strings.Builder
	b.WriteString(function)
	sep := func() {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
	}
	switch {
	case line != 0:
		sep()
		b.WriteString(file)
		b.WriteByte(':')
		b.WriteString(strconv.FormatInt(line, 10))
	case file != "":
		sep()
		b.WriteString(file)
	case function != "":
	case objfile != "":
		b.WriteString("[" + filepath.Base(objfile) + "]")
	default:
		b.WriteString("<unknown>")
	}
	return b.String()
}
