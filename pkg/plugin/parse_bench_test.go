package plugin

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"
)

// BenchmarkStoredDumpQuery runs a goroutine query on a stored dump the way
// Grafana does, Arrow encoding of the frames included: "first" parses the
// dump every time (a new instance, as after a restart), "repeated" is the
// same query again on one instance. GOROUTINE_DUMP names a dump to use
// instead of the generated 200k-goroutine one (scripts/bench-memory.sh
// passes a million-goroutine dump).
func BenchmarkStoredDumpQuery(b *testing.B) {
	dump := benchmarkDump(b, 200_000)
	dir := b.TempDir()
	setup := newBenchInstance(b, dir)
	id := storeDump(b, setup, dump)
	for _, view := range []string{"groups", "count"} {
		q := fmt.Sprintf(`{"queryType":"goroutines","view":%q,"dump":%q}`, view, id)
		b.Run(view+"/first", func(b *testing.B) {
			b.SetBytes(int64(len(dump)))
			for b.Loop() {
				b.StopTimer()
				d := newBenchInstance(b, dir)
				b.StartTimer()
				answerEncoded(b, d, q)
				b.StopTimer()
				d.Dispose()
				b.StartTimer()
			}
		})
		b.Run(view+"/repeated", func(b *testing.B) {
			d := newBenchInstance(b, dir)
			defer d.Dispose()
			answerEncoded(b, d, q)
			b.SetBytes(int64(len(dump)))
			for b.Loop() {
				answerEncoded(b, d, q)
			}
		})
	}
}

func newBenchInstance(tb testing.TB, storeDir string) *Datasource {
	tb.Helper()
	inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{
		UID: "bench", JSONData: fmt.Appendf(nil, `{"dumpStoreDir":%q,"maxUploadMiB":4096,"dumpQuotaMiB":8192,"recordDisabled":true}`, storeDir)})
	if err != nil {
		tb.Fatal(err)
	}
	return inst.(*Datasource)
}

// storeDump puts a dump into the instance's store directly (uploads go
// through the same ingest) and returns its id.
func storeDump(tb testing.TB, d *Datasource, dump []byte) string {
	tb.Helper()
	e, _, err := d.catalog.Store().Put("dump.txt", "bench", bytesReader(dump))
	if err != nil {
		tb.Fatal(err)
	}
	return e.ID
}

// answerEncoded answers a query and encodes the frames as the SDK does
// for Grafana.
func answerEncoded(tb testing.TB, d *Datasource, q string) data.Frames {
	tb.Helper()
	resp, err := d.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{{
		RefID: "A", JSON: []byte(q), TimeRange: backend.TimeRange{From: time.Now().Add(-time.Hour), To: time.Now()}}}})
	if err != nil {
		tb.Fatal(err)
	}
	r := resp.Responses["A"]
	if r.Error != nil {
		tb.Fatal(r.Error)
	}
	if _, err := data.Frames(r.Frames).MarshalArrow(); err != nil {
		tb.Fatal(err)
	}
	return r.Frames
}
