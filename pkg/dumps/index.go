package dumps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/goscope/pprof/pkg/objstore"
)

// maxSidecarBytes bounds a metadata object read from the bucket; one
// describing MaxListedSnapshots snapshots is far smaller.
const maxSidecarBytes = 4 << 20

// orphanAge is how old an object of a shared bucket without its commit
// record must be to be taken for abandoned (a crash mid-upload) rather
// than another process's upload in progress.
const orphanAge = time.Hour

// listing is what one listing of the bucket found, by kind.
type listing struct {
	dumps, sidecars map[string]objstore.Object
	exes, exeMetas  map[string]objstore.Object
	uploads         map[string]*uploadObjects
}

// uploadObjects are the objects of one chunked upload in progress.
type uploadObjects struct {
	keys     []string
	received int64
	last     time.Time
}

func classify(objs []objstore.Object) listing {
	l := listing{dumps: map[string]objstore.Object{}, sidecars: map[string]objstore.Object{},
		exes: map[string]objstore.Object{}, exeMetas: map[string]objstore.Object{}, uploads: map[string]*uploadObjects{}}
	for _, o := range objs {
		dir, name, nested := strings.Cut(o.Key, "/")
		if !nested {
			name, dir = dir, ""
		}
		switch {
		case dir == "" && strings.HasSuffix(name, dumpExt) && isContentID(strings.TrimSuffix(name, dumpExt)):
			l.dumps[strings.TrimSuffix(name, dumpExt)] = o
		case dir == "" && strings.HasSuffix(name, sidecarExt) && isContentID(strings.TrimSuffix(name, sidecarExt)):
			l.sidecars[strings.TrimSuffix(name, sidecarExt)] = o
		case dir == executablesDir && strings.HasSuffix(name, executableExt) && isContentID(strings.TrimSuffix(name, executableExt)):
			l.exes[strings.TrimSuffix(name, executableExt)] = o
		case dir == executablesDir && strings.HasSuffix(name, sidecarExt) && isContentID(strings.TrimSuffix(name, sidecarExt)):
			l.exeMetas[strings.TrimSuffix(name, sidecarExt)] = o
		case dir == uploadsDir:
			id, _, _ := strings.Cut(name, "/")
			u := l.uploads[id]
			if u == nil {
				u = &uploadObjects{}
				l.uploads[id] = u
			}
			u.keys = append(u.keys, o.Key)
			if strings.HasSuffix(o.Key, partExt) {
				u.received += o.Size
			}
			if o.Modified.After(u.last) {
				u.last = o.Modified
			}
		}
	}
	return l
}

// refresh lists the bucket and brings the index up to date, reading the
// metadata that is new or changed. Without force, a listing younger than
// RefreshAfter is trusted, and a local directory's index, which only this
// store changes, is never listed again. Writes this process made while the
// listing ran are kept as they are.
func (s *Store) refresh(force bool) error {
	s.refreshing.Lock()
	defer s.refreshing.Unlock()
	opts := s.options()
	s.mu.Lock()
	if !force && !s.refreshedAt.IsZero() && (s.exclusive || opts.Now().Sub(s.refreshedAt) < opts.RefreshAfter) {
		err := s.refreshErr
		s.mu.Unlock()
		return err
	}
	start := s.changes
	seen := maps.Clone(s.seen)
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	objs, err := s.bucket.List(ctx, "")
	if err != nil {
		s.mu.Lock()
		s.refreshedAt, s.refreshErr = opts.Now(), err
		s.mu.Unlock()
		return err
	}
	l := classify(objs)
	fetched := s.fetchChanged(ctx, l, seen)

	s.mu.Lock()
	defer s.mu.Unlock()
	dumps := map[string]sidecar{}
	unreadable := map[string]objstore.Object{}
	for id, obj := range l.sidecars {
		dump, ok := l.dumps[id]
		if !ok {
			continue
		}
		key := sidecarKey(id)
		m, ok := fetched[key]
		if !ok {
			old, known := s.dumps[id]
			if !known {
				if _, bad := s.unreadable[id]; bad || seen[key] == obj {
					unreadable[id] = obj
				}
				continue
			}
			m = fetchedMeta{sidecar: old}
		}
		if m.err != nil {
			unreadable[id] = obj
			continue
		}
		m.Size = dump.Size
		dumps[id] = m.sidecar
	}
	exes := map[string]Executable{}
	for id, obj := range l.exeMetas {
		if _, ok := l.exes[id]; !ok {
			continue
		}
		key := executableMetaKey(id)
		if m, ok := fetched[key]; ok {
			if m.err == nil {
				exes[id] = m.exe
			}
		} else if x, ok := s.executables[id]; ok && seen[key] == obj {
			exes[id] = x
		}
	}
	// This process's writes since the listing began win over it.
	for key, n := range s.changed {
		if n <= start {
			delete(s.changed, key)
			continue
		}
		if id, ok := strings.CutPrefix(key, executablesDir+"/"); ok {
			id = strings.TrimSuffix(id, sidecarExt)
			if x, ok := s.executables[id]; ok {
				exes[id] = x
			} else {
				delete(exes, id)
			}
			continue
		}
		id := strings.TrimSuffix(key, sidecarExt)
		if m, ok := s.dumps[id]; ok {
			dumps[id] = m
		} else {
			delete(dumps, id)
		}
	}
	s.dumps, s.executables, s.unreadable = dumps, exes, unreadable
	s.seen = map[string]objstore.Object{}
	for id, obj := range l.sidecars {
		s.seen[sidecarKey(id)] = obj
	}
	for id, obj := range l.exeMetas {
		s.seen[executableMetaKey(id)] = obj
	}
	s.used = 0
	for _, m := range dumps {
		s.used += m.Size
	}
	for _, x := range exes {
		s.used += x.Size
	}
	s.othersReserved, s.othersUploads = 0, 0
	for id, u := range l.uploads {
		if _, own := s.uploads[id]; !own {
			s.othersReserved += u.received
			s.othersUploads++
		}
	}
	s.refreshedAt, s.refreshErr = opts.Now(), nil
	if !s.exclusive {
		s.cleanUpLocked(ctx, l, opts.Now().Add(-orphanAge), opts.Now().Add(-opts.UploadTTL))
	}
	return nil
}

// fetchedMeta is a metadata object read from the bucket.
type fetchedMeta struct {
	sidecar
	exe Executable
	err error
}

// fetchChanged reads the metadata objects that are new or changed since
// the last listing, a few at a time.
func (s *Store) fetchChanged(ctx context.Context, l listing, seen map[string]objstore.Object) map[string]fetchedMeta {
	var keys []string
	for id, obj := range l.sidecars {
		if _, ok := l.dumps[id]; ok && seen[sidecarKey(id)] != obj {
			keys = append(keys, sidecarKey(id))
		}
	}
	for id, obj := range l.exeMetas {
		if _, ok := l.exes[id]; ok && seen[executableMetaKey(id)] != obj {
			keys = append(keys, executableMetaKey(id))
		}
	}
	out := make(map[string]fetchedMeta, len(keys))
	var mu sync.Mutex
	work := make(chan string)
	var wg sync.WaitGroup
	for range min(8, len(keys)) {
		wg.Go(func() {
			for key := range work {
				m := s.readMeta(ctx, key)
				mu.Lock()
				out[key] = m
				mu.Unlock()
			}
		})
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	return out
}

func (s *Store) readMeta(ctx context.Context, key string) fetchedMeta {
	data, err := objstore.ReadAll(ctx, s.bucket, key, maxSidecarBytes)
	if err != nil {
		return fetchedMeta{err: err}
	}
	if id, ok := strings.CutPrefix(key, executablesDir+"/"); ok {
		id = strings.TrimSuffix(id, sidecarExt)
		var x Executable
		if err := json.Unmarshal(data, &x); err != nil || x.ID != id {
			return fetchedMeta{err: fmt.Errorf("metadata of executable %s does not describe it", id)}
		}
		return fetchedMeta{exe: x}
	}
	id := strings.TrimSuffix(key, sidecarExt)
	var m sidecar
	if err := json.Unmarshal(data, &m); err != nil {
		return fetchedMeta{err: err}
	}
	if m.ID != id {
		return fetchedMeta{err: fmt.Errorf("metadata of dump %s does not describe it", id)}
	}
	return fetchedMeta{sidecar: m}
}

// endOfTime is after every object's modification time.
var endOfTime = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// recover runs when the store opens: it rebuilds metadata that cannot be
// read from the dump itself, so nothing committed is lost (on a shared
// bucket, a dump that cannot be rebuilt either, such as one whose bytes do
// not hash to its id, stays unlisted rather than keep the store from
// opening), and on a local
// directory, which no other process uses, removes at once what a crash
// left (dumps never committed, metadata without a dump, executables no
// core needs, uploads in progress).
func (s *Store) recover() error {
	s.mu.Lock()
	bad := maps.Clone(s.unreadable)
	s.mu.Unlock()
	var errs []error
	for id := range bad {
		m, err := s.rebuildSidecar(id)
		if err != nil {
			if s.exclusive {
				errs = append(errs, err)
			}
			continue
		}
		s.mu.Lock()
		s.dumps[id] = m
		s.used += m.Size
		delete(s.unreadable, id)
		s.noteChange(sidecarKey(id))
		s.mu.Unlock()
	}
	if !s.exclusive {
		return errors.Join(errs...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	objs, err := s.bucket.List(ctx, "")
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	errs = append(errs, s.cleanUpLocked(ctx, classify(objs), endOfTime, endOfTime))
	return errors.Join(errs...)
}

// cleanUpLocked removes what was abandoned before the given times: dumps
// and executables without their commit record or no longer needed,
// metadata without its object, uploads idle since before idleBefore. The
// caller holds s.mu.
func (s *Store) cleanUpLocked(ctx context.Context, l listing, before, idleBefore time.Time) error {
	var errs []error
	remove := func(key string) { errs = append(errs, s.bucket.Delete(ctx, key)) }
	for id, o := range l.dumps {
		if _, ok := l.sidecars[id]; !ok && o.Modified.Before(before) {
			remove(o.Key)
		}
	}
	for id, o := range l.sidecars {
		if _, ok := l.dumps[id]; !ok && o.Modified.Before(before) {
			remove(o.Key)
		}
	}
	needed := map[string]bool{}
	for _, m := range s.dumps {
		if m.Core != nil {
			needed[m.Core.ExecutableID] = true
		}
	}
	for id, o := range l.exes {
		if _, ok := s.executables[id]; (!ok || !needed[id]) && o.Modified.Before(before) {
			if x, ok := s.executables[id]; ok {
				delete(s.executables, id)
				s.used -= x.Size
				s.noteChange(executableMetaKey(id))
			}
			remove(executableMetaKey(id))
			remove(o.Key)
		}
	}
	for id, o := range l.exeMetas {
		if _, ok := l.exes[id]; !ok && o.Modified.Before(before) {
			remove(o.Key)
		}
	}
	for id, u := range l.uploads {
		if _, own := s.uploads[id]; !own && u.last.Before(idleBefore) {
			for _, k := range u.keys {
				remove(k)
			}
		}
	}
	return errors.Join(errs...)
}
