package traces

import (
	"encoding/binary"

	"golang.org/x/exp/trace"
)

// Frame is one function call of a stack.
type Frame struct {
	PC       uint64
	Function string
	File     string
	Line     uint64
}

// StackID names a stack interned in a Stacks table; 0 is the empty stack
// (an event that carries none).
type StackID int32

// maxStackDepth is how many frames identify a stack, as in `go tool trace`
// (which deduplicates stacks on their first 128 PCs; the runtime records at
// most 128 frames per trace stack by default).
const maxStackDepth = 128

// Stacks interns the stacks of a trace by their program counters, so a
// stack seen in many generations is stored once. Its size grows with the
// distinct stacks of the program, not with the length of the trace.
type Stacks struct {
	frames [][]Frame
	byPCs  map[string]StackID
	// inGen caches the reader's per-generation stack handles.
	inGen map[trace.Stack]StackID
	key   []byte
}

func newStacks() *Stacks {
	return &Stacks{frames: [][]Frame{nil}, byPCs: make(map[string]StackID), inGen: make(map[trace.Stack]StackID)}
}

// Frames returns a stack's frames, innermost first.
func (s *Stacks) Frames(id StackID) []Frame { return s.frames[id] }

// Len is the number of distinct stacks, the empty one included.
func (s *Stacks) Len() int { return len(s.frames) }

// newGeneration drops the handles of the previous generation, whose stack
// table the reader has released.
func (s *Stacks) newGeneration() { clear(s.inGen) }

func (s *Stacks) intern(st trace.Stack) StackID {
	if st == trace.NoStack {
		return 0
	}
	if id, ok := s.inGen[st]; ok {
		return id
	}
	s.key = s.key[:0]
	n := 0
	for f := range st.Frames() {
		if n == maxStackDepth {
			break
		}
		s.key = binary.LittleEndian.AppendUint64(s.key, f.PC)
		n++
	}
	id, ok := s.byPCs[string(s.key)]
	if !ok {
		frames := make([]Frame, 0, n)
		for f := range st.Frames() {
			if len(frames) == n {
				break
			}
			frames = append(frames, Frame{PC: f.PC, Function: f.Func, File: f.File, Line: f.Line})
		}
		id = StackID(len(s.frames))
		s.frames = append(s.frames, frames)
		s.byPCs[string(s.key)] = id
	}
	s.inGen[st] = id
	return id
}
