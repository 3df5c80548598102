package main

// Limits on what the demo may be asked for, in total across requests, so a
// stray click or script cannot take the machine down. A request that would
// go past one is refused with 409 until a reset.
const (
	// maxDeadlockGoroutines caps the goroutines all deadlocks hold.
	maxDeadlockGoroutines = 50000
	// maxChannelBlockGoroutines caps the goroutines all channel blocks hold.
	maxChannelBlockGoroutines = 50000
	// maxLeakedGoroutines caps the goroutines all leaks hold.
	maxLeakedGoroutines = 50000
	// maxLeakedThreads stays well below the runtime's limit of 10000 threads
	// and the usual open-file limits: each leaked thread costs two pipe
	// descriptors.
	maxLeakedThreads = 1000
	// maxHeldMiB caps the memory all RSS spikes hold.
	maxHeldMiB = 4096
	// maxCPUWorkers and maxCPUSeconds bound a CPU spin.
	maxCPUWorkers = 64
	maxCPUSeconds = 600
	// maxLeakPerSecond bounds a leak's rate.
	maxLeakPerSecond = 1000
)
