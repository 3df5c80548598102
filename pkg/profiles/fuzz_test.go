package profiles_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/profiles"
)

// FuzzParse feeds Parse mutations of the small test profiles (text and
// protobuf) and of hostile ones (deep stacks, gzip inside gzip): it must
// not panic, and whatever it accepts must give trees
// that follow the flame graph rules and top tables, under a node limit and
// a filter too.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/*.txt", "testdata/go1.*/*.txt", "testdata/go1.*/*.pb.gz", "testdata/goroutine*.pb.gz", "testdata/mutex.pb.gz"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			if len(data) < 64<<10 {
				f.Add(data)
			}
		}
	}
	for _, seed := range hostileSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _, err := profiles.Parse(data, dumpformat.Limits{})
		if err != nil {
			return
		}
		for _, opts := range []profiles.Options{{}, {MaxNodes: 5, Hide: "runtime", GroupBy: "handler"}} {
			tree, err := profiles.Tree(p, opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := frames.CheckFlameGraph(frames.FlameGraph(tree, frames.Origin{})); err != nil {
				t.Fatal(err)
			}
			if _, err := profiles.Top(p, opts); err != nil {
				t.Fatal(err)
			}
		}
	})
}
