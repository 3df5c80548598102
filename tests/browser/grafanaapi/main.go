// Command grafanaapi stands in for the two routes of Grafana's HTTP API that
// the plugin's frontend calls, with the plugin's real backend code behind
// them: POST /api/ds/query runs QueryData and
// /api/datasources/uid/{uid}/resources/... runs CallResource, as Grafana's
// server does once it has authenticated the user. The data source reads a
// dump directory named "corpus" that holds real dumps and profiles from the
// Go tests, so a browser test can run queries end to end.
//
//	go run ./tests/browser/grafanaapi -uid UID -dumps DIR -store DIR
//
// It prints "listening on http://ADDR" once it serves, and stops when its
// standard input closes, so it never outlives the test that started it.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/goscope/pprof/pkg/plugin"
)

const pluginID = "goscope-pprof-datasource"

// maxBody bounds what a request may send; the test sends small queries.
const maxBody = 1 << 20

type server struct {
	ds       backend.QueryDataHandler
	res      backend.CallResourceHandler
	settings backend.DataSourceInstanceSettings
	user     *backend.User
}

func main() {
	uid := flag.String("uid", "pprof-browser", "the data source's uid")
	dumpDir := flag.String("dumps", "", "the directory served as the dump directory \"corpus\"")
	storeDir := flag.String("store", "", "the upload store's directory")
	flag.Parse()
	if *dumpDir == "" || *storeDir == "" {
		log.Fatal("-dumps and -store are required")
	}

	jsonData, err := json.Marshal(map[string]any{
		"targets":         []map[string]any{{"name": "demo", "url": "http://127.0.0.1:9/debug/pprof", "labels": map[string]string{"env": "demo"}}},
		"recordDisabled":  true,
		"dumpStoreDir":    *storeDir,
		"dumpDirectories": []map[string]string{{"name": "corpus", "path": *dumpDir}},
	})
	if err != nil {
		log.Fatal(err)
	}
	settings := backend.DataSourceInstanceSettings{UID: *uid, Name: "Go pprof", Type: pluginID, JSONData: jsonData}
	inst, err := plugin.NewDatasource(context.Background(), settings)
	if err != nil {
		log.Fatal(err)
	}
	ds := inst.(*plugin.Datasource)
	defer ds.Dispose()
	s := &server{ds: ds, res: ds, settings: settings, user: &backend.User{Login: "viewer", Role: "Viewer"}}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/ds/query", s.query)
	mux.HandleFunc("/api/datasources/uid/{uid}/resources/{path...}", s.resource)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		// The test closes stdin (or dies) when it is done.
		_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		_ = srv.Close()
	}()
	fmt.Printf("listening on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// queryRequest is the body Grafana's frontend posts to /api/ds/query.
type queryRequest struct {
	Queries []json.RawMessage `json:"queries"`
	From    string            `json:"from"`
	To      string            `json:"to"`
}

// queryHeader is the part of each query Grafana itself reads.
type queryHeader struct {
	RefID         string `json:"refId"`
	QueryType     string `json:"queryType"`
	IntervalMs    int64  `json:"intervalMs"`
	MaxDataPoints int64  `json:"maxDataPoints"`
	Datasource    struct {
		UID  string `json:"uid"`
		Type string `json:"type"`
	} `json:"datasource"`
}

func (s *server) query(w http.ResponseWriter, r *http.Request) {
	var body queryRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	tr, err := timeRange(body.From, body.To)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	req := &backend.QueryDataRequest{PluginContext: s.pluginContext()}
	for _, raw := range body.Queries {
		var h queryHeader
		if err := json.Unmarshal(raw, &h); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// Grafana routes each query to the data source it names; this one serves only itself.
		if h.Datasource.UID != s.settings.UID || h.Datasource.Type != pluginID {
			http.Error(w, fmt.Sprintf("query %s names data source %q of type %q", h.RefID, h.Datasource.UID, h.Datasource.Type), http.StatusBadRequest)
			return
		}
		req.Queries = append(req.Queries, backend.DataQuery{
			RefID:         h.RefID,
			QueryType:     h.QueryType,
			JSON:          raw,
			TimeRange:     tr,
			Interval:      time.Duration(h.IntervalMs) * time.Millisecond,
			MaxDataPoints: h.MaxDataPoints,
		})
	}
	resp, err := s.ds.QueryData(r.Context(), req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

func (s *server) resource(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("uid") != s.settings.UID {
		http.Error(w, "no such data source", http.StatusNotFound)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	path := r.PathValue("path")
	url := path
	if r.URL.RawQuery != "" {
		url += "?" + r.URL.RawQuery
	}
	req := &backend.CallResourceRequest{
		PluginContext: s.pluginContext(),
		Path:          path,
		Method:        r.Method,
		URL:           url,
		Headers:       r.Header,
		Body:          body,
	}
	var sent bool
	sender := backend.CallResourceResponseSenderFunc(func(res *backend.CallResourceResponse) error {
		if sent {
			_, err := w.Write(res.Body)
			return err
		}
		sent = true
		for k, vs := range res.Headers {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(res.Status)
		_, err := w.Write(res.Body)
		return err
	})
	if err := s.res.CallResource(r.Context(), req, sender); err != nil && !sent {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func (s *server) pluginContext() backend.PluginContext {
	settings := s.settings
	return backend.PluginContext{PluginID: pluginID, User: s.user, DataSourceInstanceSettings: &settings}
}

// timeRange reads Grafana's from and to, epoch milliseconds as text.
func timeRange(from, to string) (backend.TimeRange, error) {
	parse := func(name, v string) (time.Time, error) {
		ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("%s %q is not epoch milliseconds", name, v)
		}
		return time.UnixMilli(ms), nil
	}
	f, err := parse("from", from)
	if err != nil {
		return backend.TimeRange{}, err
	}
	t, err := parse("to", to)
	if err != nil {
		return backend.TimeRange{}, err
	}
	return backend.TimeRange{From: f, To: t}, nil
}
