package plugin

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/goscope/pprof/pkg/dumps"
	"github.com/goscope/pprof/pkg/objstore"
	"github.com/goscope/pprof/pkg/settings"
)

// openCatalog opens the upload store and the dump directories of an
// instance. A store that cannot be opened is reported, not fatal: targets
// keep working without it.
func openCatalog(s backend.DataSourceInstanceSettings, cfg *settings.Settings, validate dumps.Validator) (*dumps.Catalog, func(), error) {
	dir := cfg.DumpStoreDir
	if dir == "" {
		dir = dataDir("dumps", s.UID)
	}
	var bucket objstore.Bucket
	if cfg.ObjectStorage != nil {
		b, err := objstore.OpenS3(*cfg.ObjectStorage)
		if err != nil {
			return nil, func() {}, fmt.Errorf("dump store: %w", err)
		}
		// The local directory only caches the bucket's dumps and holds
		// uploads while they are received.
		bucket, dir = b, dataDir("dumps-cache", s.UID)
	}
	store, release, err := acquireStore(dumps.StoreOptions{
		Bucket:         bucket,
		Dir:            dir,
		MaxUploadBytes: cfg.MaxUploadBytes,
		QuotaBytes:     cfg.DumpQuotaBytes,
		Limits:         cfg.Limits,
		Validate:       validate,
		Cores:          coreReader,
		MaxCoreBytes:   cfg.MaxCoreBytes,
	})
	if err != nil {
		if bucket != nil {
			return nil, func() {}, err
		}
		return nil, func() {}, fmt.Errorf("dump store %s: %w", dir, err)
	}
	var dirs *dumps.Directories
	if len(cfg.DumpDirectories) > 0 || len(cfg.DumpBuckets) > 0 {
		configs := make([]dumps.DirConfig, len(cfg.DumpDirectories))
		for i, d := range cfg.DumpDirectories {
			configs[i] = dumps.DirConfig{Name: d.Name, Path: d.Path, Glob: d.Glob, Executable: d.Executable}
		}
		buckets := make([]dumps.BucketSource, len(cfg.DumpBuckets))
		for i, b := range cfg.DumpBuckets {
			bucket, err := objstore.OpenS3(b.S3)
			if err != nil {
				release()
				return nil, func() {}, fmt.Errorf("dump bucket %q: %w", b.Name, err)
			}
			buckets[i] = dumps.BucketSource{DirConfig: dumps.DirConfig{Name: b.Name, Glob: b.Glob, Executable: b.Executable}, Bucket: bucket}
		}
		dirs, err = dumps.OpenDirectories(dumps.DirOptions{Dirs: configs, Buckets: buckets, CacheDir: dataDir("dump-buckets", s.UID),
			Validate: validate, Limits: cfg.Limits, Cores: coreReader, MaxCoreBytes: cfg.MaxCoreBytes})
		if err != nil {
			release()
			return nil, func() {}, fmt.Errorf("dump directories: %w", err)
		}
	}
	return dumps.NewCatalog(store, dirs), release, nil
}

// dataDir is where an instance keeps a kind of data ("dumps", "history")
// by default: beside Grafana's own data when that is writable
// (/var/lib/grafana in packages and the Docker image), else in the
// temporary directory; one folder per data source.
func dataDir(kind, uid string) string {
	base := os.TempDir()
	for _, candidate := range []string{os.Getenv("GF_PATHS_DATA"), "/var/lib/grafana"} {
		if candidate != "" && writable(candidate) {
			base = candidate
			break
		}
	}
	if uid == "" {
		uid = "default"
	}
	return filepath.Join(base, "goscope-pprof-datasource", kind, uid)
}

func writable(dir string) bool {
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return false
	}
	f.Close()
	os.Remove(f.Name())
	return true
}

// Stores are shared per directory (and bucket) across instances of the
// process: a store assumes it is the only one on its directory (opening one
// clears the temporary files of uploads in progress), and Grafana creates a
// new instance before disposing of the old one when settings change. So
// there is one store per directory and bucket, and an instance that
// acquires it with other options reconfigures it in place: the newest
// settings apply, and uploads in progress go on.
var stores = struct {
	sync.Mutex
	open map[string]*sharedStore
}{open: map[string]*sharedStore{}}

type sharedStore struct {
	store *dumps.Store
	refs  int
}

func acquireStore(opts dumps.StoreOptions) (*dumps.Store, func(), error) {
	stores.Lock()
	defer stores.Unlock()
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, nil, err
	}
	if opts.Bucket != nil {
		dir += "|" + opts.Bucket.String()
	}
	s := stores.open[dir]
	if s == nil {
		store, err := dumps.OpenStore(opts)
		if err != nil {
			return nil, nil, err
		}
		s = &sharedStore{store: store}
		stores.open[dir] = s
	} else if err := s.store.Reconfigure(opts); err != nil {
		return nil, nil, err
	}
	s.refs++
	var once sync.Once
	return s.store, func() { once.Do(func() { releaseStore(dir, s) }) }, nil
}

func releaseStore(dir string, s *sharedStore) {
	stores.Lock()
	defer stores.Unlock()
	s.refs--
	if s.refs > 0 {
		return
	}
	s.store.Close()
	delete(stores.open, dir)
}
