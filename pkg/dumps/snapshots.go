package dumps

import (
	"slices"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// A file may hold several snapshots of a process: a service's log with one
// crash per restart. The catalog lists the file once, with its snapshots;
// queries read one (the newest unless asked otherwise), and history,
// annotations and time ranges place each at its own time.

// MaxListedSnapshots bounds the snapshots an entry describes; a file with
// more describes its newest ones and gives the full count.
const MaxListedSnapshots = 1000

// SnapshotInfo describes one snapshot of a file that holds several.
type SnapshotInfo struct {
	// Index is the snapshot's position in the file, from 1.
	Index int `json:"index"`
	// LoggedAt is the time stamp of the log line just before the snapshot;
	// zero when there is none, and the snapshot is then placed at the
	// file's capture time.
	LoggedAt time.Time `json:"loggedAt,omitzero"`
	// Kind is the snapshot's format ("crash", "debug2", "race", ...).
	Kind string `json:"kind"`
	// Detail is its first line, such as a panic message.
	Detail string `json:"detail,omitempty"`
	// Goroutines is how many goroutines it lists.
	Goroutines int `json:"goroutines"`
}

// Snapshots is what validating a dump found in it: every snapshot of a
// goroutine dump, in file order. Other dumps hold one snapshot and need no
// description.
type Snapshots []SnapshotInfo

// Validator checks a dump with the real parser of its format (an upload is
// refused with its error) and describes the snapshots it holds. key is the
// content key of the dump (Entry.ContentKey), under which a caller may keep
// what it parsed.
type Validator func(key string, format dumpformat.Format, data []byte) (Snapshots, error)

// listing is what an entry keeps of the snapshots: their count and the
// newest MaxListedSnapshots, when there are several.
func (s Snapshots) listing() (int, []SnapshotInfo) {
	if len(s) < 2 {
		return 0, nil
	}
	return len(s), slices.Clone(s[max(0, len(s)-MaxListedSnapshots):])
}

// captureTime prefers the newest log time of the snapshots to a capture
// time from a file name, an upload or a modification time: the lines a
// service logged just before it crashed say when it crashed.
func (s Snapshots) captureTime(t time.Time, from string) (time.Time, string) {
	if from == CapturedFromContent || from == CapturedFromUser {
		return t, from
	}
	var newest time.Time
	for _, info := range s {
		if info.LoggedAt.After(newest) {
			newest = info.LoggedAt
		}
	}
	if newest.IsZero() {
		return t, from
	}
	return newest.UTC(), CapturedFromLog
}

// SnapshotTime is when a snapshot of the entry was captured: its log time,
// else the entry's capture time.
func (e Entry) SnapshotTime(info SnapshotInfo) time.Time {
	if !info.LoggedAt.IsZero() {
		return info.LoggedAt
	}
	return e.CapturedAt
}

// NewestWithin returns the capture time of the entry's newest snapshot in
// [from, to] (zero bounds are open), and false when none is.
func (e Entry) NewestWithin(from, to time.Time) (time.Time, bool) {
	var newest time.Time
	found := false
	consider := func(t time.Time) {
		if (from.IsZero() || !t.Before(from)) && (to.IsZero() || !t.After(to)) && (!found || t.After(newest)) {
			newest, found = t, true
		}
	}
	if len(e.Snapshots) == 0 {
		consider(e.CapturedAt)
	}
	for _, info := range e.Snapshots {
		consider(e.SnapshotTime(info))
	}
	return newest, found
}
