package dumps

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// captureSourcePrefix starts the source of the dumps captured from one
// target: "capture:<target name>".
const captureSourcePrefix = "capture:"

// CaptureSource is the source of the dumps captured from a target.
func CaptureSource(target string) string { return captureSourcePrefix + target }

// IsCaptureSource reports a source of captured dumps.
func IsCaptureSource(source string) bool { return strings.HasPrefix(source, captureSourcePrefix) }

// CapturedFromCapture is the capture time of a dump the backend fetched
// itself: when it asked the target.
const CapturedFromCapture = "capture"

// Capture says why the backend captured a dump from a target and which
// bundle it belongs to.
type Capture struct {
	Target string `json:"target"`
	// Bundle names the dumps taken together when rules fired; it is the
	// same for every part.
	Bundle string `json:"bundle"`
	// At is when the rules fired: the time of the sample that crossed
	// them.
	At time.Time `json:"at"`
	// Reason is why, one clause per rule that fired.
	Reason string `json:"reason"`
	// Figures are the figures whose rules fired.
	Figures []string `json:"figures,omitempty"`
	// Part says what the dump is within the bundle ("goroutines (full
	// dump)", "heap profile"...).
	Part string `json:"part"`
	// Baseline marks the part taken before the spike: the recorder's last
	// periodic full dump.
	Baseline bool `json:"baseline,omitempty"`
}

// PutCapture stores a dump the backend fetched from a target, under the
// target's capture source, captured at the given time. The capture source
// holds at most quota bytes, and with the uploads at most the store's
// quota: the oldest captured dumps of the source are deleted to make room,
// a bundle at a time; uploads never are. Identical content already stored
// is not stored twice (created is false).
func (s *Store) PutCapture(name string, at time.Time, c Capture, quota int64, data []byte) (e Entry, created bool, err error) {
	if int64(len(data)) > quota {
		return Entry{}, false, errorf(ErrTooLarge, "the captured %s (%s) is larger than the %s capture quota of a target",
			name, dumpformat.FormatSize(int64(len(data))), dumpformat.FormatSize(quota))
	}
	path, err := s.spool(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		return Entry{}, false, err
	}
	return s.ingest(path, name, "", 0, func(m *sidecar) func() error {
		m.Source = CaptureSource(c.Target)
		m.CapturedAt, m.CapturedFrom = at.UTC(), CapturedFromCapture
		m.DetectedAt, m.DetectedFrom = m.CapturedAt, m.CapturedFrom
		m.Capture = &c
		return func() error { return s.makeRoom(m.Source, m.Size, quota) }
	})
}

// CaptureTargets lists the targets with captured dumps, sorted.
func (s *Store) CaptureTargets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, m := range s.dumps {
		if m.Capture != nil {
			seen[m.Capture.Target] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// LastCapture returns when rules on a figure last made a capture of a
// target, whichever process took it.
func (s *Store) LastCapture(target, figure string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var last time.Time
	for _, m := range s.dumps {
		if c := m.Capture; c != nil && c.Target == target && slices.Contains(c.Figures, figure) && c.At.After(last) {
			last = c.At
		}
	}
	return last, !last.IsZero()
}

// makeRoom deletes the oldest captured bundles of a source until size more
// bytes fit its quota and the store's; the caller holds s.mu.
func (s *Store) makeRoom(source string, size, quota int64) error {
	for {
		var used int64
		var oldest *sidecar
		for _, m := range s.dumps {
			if m.Source != source {
				continue
			}
			used += m.Size
			if oldest == nil || m.CapturedAt.Before(oldest.CapturedAt) {
				oldest = &m
			}
		}
		if used+size <= quota && s.used+s.reserved+s.othersReserved+size <= s.options().QuotaBytes {
			return nil
		}
		if oldest == nil {
			return s.full()
		}
		for id, m := range s.dumps {
			if id == oldest.ID || sameBundle(m, *oldest) {
				if err := s.deleteLocked(id); err != nil {
					return err
				}
			}
		}
	}
}

func sameBundle(a, b sidecar) bool {
	return a.Capture != nil && b.Capture != nil && a.Source == b.Source && a.Capture.Bundle == b.Capture.Bundle
}
