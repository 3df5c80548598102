package plugin

import (
	"github.com/goscope/pprof/pkg/cores"
	"github.com/goscope/pprof/pkg/dumps"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/goroutines"
)

// coreReads lets one core dump be read at a time in the whole plugin: a read
// holds up to a few hundred MiB (Delve's view of the executable's DWARF and
// the snapshot of a hundred thousand goroutines), and cores are rare.
var coreReads = make(chan struct{}, 1)

// readCore reads a core dump with its executable.
func readCore(f dumps.CoreFiles) (*goroutines.Snapshot, error) {
	coreReads <- struct{}{}
	defer func() { <-coreReads }()
	return cores.Read(f.Core, f.Executable)
}

// coreReader is how the dump store and directories read cores.
var coreReader = dumps.CoreReader{
	Program: cores.Program,
	Validate: func(core, exe string) (dumps.CoreInfo, error) {
		// A partly readable core is kept, as a partly readable dump is:
		// queries show what it holds and say what could not be read.
		snap, err := readCore(dumps.CoreFiles{Core: core, Executable: exe})
		if snap == nil {
			return dumps.CoreInfo{}, err
		}
		c := snap.Core
		return dumps.CoreInfo{
			GoVersion: c.GoVersion, Arch: c.Arch, Signal: c.Signal, Goroutine: c.Goroutine,
			Goroutines: snap.Total, Threads: len(c.Threads),
		}, nil
	},
}

// coreBytesPerGoroutine estimates what a core's snapshot keeps per
// goroutine for the parse cache: the Goroutine value and its share of the
// interned stacks and labels (a 103,553-goroutine core's snapshot takes
// about 40 MiB of heap).
const coreBytesPerGoroutine = 400

// parseCore reads a core for the goroutine views.
func parseCore(f dumps.CoreFiles) (parsed, int64) {
	snap, err := readCore(f)
	if snap == nil {
		return parsed{err: err}, parseOverhead
	}
	return parsed{snapshots: []*goroutines.Snapshot{snap}, err: err}, parseOverhead + coreBytesPerGoroutine*int64(snap.Total)
}

// coreHistory is a core's point in the history view: its goroutines per
// category and its threads.
func (d *Datasource) coreHistory(e dumps.Entry) ([]snapshotPoint, error) {
	_, files, err := d.catalog.CoreFiles(e.ID)
	if err != nil {
		return nil, err
	}
	snap, err := readCore(files)
	if snap == nil {
		return nil, err
	}
	points, err := goroutinePoints([]*goroutines.Snapshot{snap})
	for i := range points {
		points[i].values = append(points[i].values, frames.HistoryValue{Metric: "threads", Value: float64(len(snap.Core.Threads)), Unit: "short"})
	}
	return points, err
}
