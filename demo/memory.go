package main

import (
	"os"
	"sync/atomic"
)

// memoryHold allocates memory and keeps it referenced, so it counts in both
// the heap and the process's resident set until a reset.
type memoryHold struct {
	blocks    [][]byte
	heldBytes atomic.Int64
}

// start allocates mib MiB and writes to every page of it: a fresh large
// allocation is untouched zero pages the kernel has not backed yet, so
// without the writes the resident set would not grow.
func (m *memoryHold) start(mib int) error {
	if total := int(m.heldBytes.Load()>>20) + mib; total > maxHeldMiB {
		return conflict("RSS spikes would hold %d MiB, more than the %d MiB allowed; reset first", total, maxHeldMiB)
	}
	block := make([]byte, mib<<20)
	pageSize := os.Getpagesize()
	for i := 0; i < len(block); i += pageSize {
		block[i] = 1
	}
	m.blocks = append(m.blocks, block)
	m.heldBytes.Add(int64(len(block)))
	return nil
}

// release drops the references; the caller's FreeOSMemory returns the pages.
func (m *memoryHold) release() {
	m.blocks = nil
	m.heldBytes.Store(0)
}
