package plugin

import (
	"context"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/goscope/pprof/pkg/httpjson"
	"github.com/goscope/pprof/pkg/plugin/dumpsapi"
)

// CallResource serves the plugin's HTTP resources under
// /api/datasources/uid/<uid>/resources/.
func (d *Datasource) CallResource(ctx context.Context, req *backend.CallResourceRequest, sender backend.CallResourceResponseSender) error {
	return d.resources.CallResource(ctx, req, sender)
}

// routes answers in JSON, unknown routes included.
func (d *Datasource) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /targets", d.handleTargets)
	if d.catalog != nil {
		h := dumpsapi.New(d.catalog, dumpsapi.Options{})
		mux.Handle("/dumps", h)
		mux.Handle("/dumps/", h)
	} else {
		mux.HandleFunc("/dumps/", d.handleNoCatalog)
		mux.HandleFunc("/dumps", d.handleNoCatalog)
	}
	return httpjson.Routes(mux)
}

// TargetInfo is what the browser may know of a target: never its URL or
// credentials, which only admins see in the settings.
type TargetInfo struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels,omitempty"`
}

func (d *Datasource) handleTargets(w http.ResponseWriter, r *http.Request) {
	if err := d.ready(); err != nil {
		httpjson.Error(w, http.StatusInternalServerError, err.Error())
		return
	}
	all := d.allTargets(r.Context())
	out := make([]TargetInfo, 0, len(all))
	for _, t := range all {
		out = append(out, TargetInfo{Name: t.Name, Labels: t.Labels})
	}
	httpjson.Write(w, http.StatusOK, out)
}

func (d *Datasource) handleNoCatalog(w http.ResponseWriter, _ *http.Request) {
	err := d.ready()
	if err == nil {
		err = d.catalogErr
	}
	httpjson.Error(w, http.StatusServiceUnavailable, err.Error())
}
