package plugin

import (
	"fmt"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// validateDump runs the real parser of a dump's format on an upload, so a
// file that would fail every query is refused when it is uploaded, with
// the parser's reason. A goroutine dump that is only partly readable (a
// truncated crash log) is kept: what it holds is still evidence. The parse
// goes into the parse cache under the key queries of the stored dump use,
// so the first query after an upload does not parse it again.
func (d *Datasource) validateDump(id string, format dumpformat.Format, data []byte) error {
	b := blob{key: "dump " + id, data: data}
	switch {
	case isGoroutineDump(format):
		p, _, err := d.parse(goroutineParser, b)
		if err != nil {
			return err
		}
		if snap, err := firstSnapshot(p); snap == nil || len(snap.Goroutines) == 0 {
			if err == nil {
				err = fmt.Errorf("no goroutines found")
			}
			return err
		}
		return nil
	case format == dumpformat.Trace:
		return nil
	case format.Encoding() == dumpformat.EncodingProtobuf || format.Encoding() == dumpformat.EncodingText:
		_, _, err := d.parseProfile(b)
		return err
	}
	return fmt.Errorf("%s is not a dump this data source reads", format.Description())
}

// isGoroutineDump reports formats the goroutine views read: every
// goroutine dump and profile, and the leak profile, which lists leaked
// goroutines in the same layouts.
func isGoroutineDump(f dumpformat.Format) bool {
	p := f.Profile()
	return p == "goroutine" || p == "goroutineleak"
}
