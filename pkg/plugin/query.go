package plugin

import (
	"context"
	"fmt"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/goscope/pprof/pkg/query"
)

// QueryData answers every query of a request concurrently; each gets its
// own response, so one bad query does not spoil the others.
func (d *Datasource) QueryData(ctx context.Context, req *backend.QueryDataRequest) (*backend.QueryDataResponse, error) {
	resp := backend.NewQueryDataResponse()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, dq := range req.Queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := d.redacted(d.query(ctx, dq))
			mu.Lock()
			resp.Responses[dq.RefID] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	return resp, nil
}

func (d *Datasource) query(ctx context.Context, dq backend.DataQuery) backend.DataResponse {
	if err := d.ready(); err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	q, err := query.Parse(dq.JSON, dq.QueryType)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	r := d.dispatch(ctx, q, dq)
	if notice := d.discoveryNotice(q); notice != "" {
		if r.Error != nil {
			r.Error = fmt.Errorf("%w (%s)", r.Error, notice)
		} else {
			r.Frames = withNotices(r.Frames, []string{notice})
		}
	}
	return r
}

// dispatch answers a checked query. Each query type's code refuses a view
// it does not know rather than answering with another, so a view listed in
// the vocabulary and not built fails the vocabulary test.
func (d *Datasource) dispatch(ctx context.Context, q *query.Query, dq backend.DataQuery) backend.DataResponse {
	tr := dq.TimeRange
	switch q.QueryType {
	case query.TypeMetrics:
		return d.queryMetrics(ctx, q, dq)
	case query.TypeGoroutines:
		return d.queryGoroutines(ctx, q, tr)
	case query.TypeProfile:
		return d.queryProfile(ctx, q, tr)
	case query.TypeDumps:
		return d.queryDumps(q, tr)
	case query.TypeTrace:
		return d.queryTrace(ctx, q, dq)
	default:
		return backend.ErrDataResponse(backend.StatusNotImplemented, "queryType "+string(q.QueryType)+" is not available yet")
	}
}
