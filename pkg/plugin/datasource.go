// Package plugin answers Grafana's calls (QueryData, CheckHealth,
// CallResource) for one data source instance by dispatching them to the
// packages that do the work: settings, targets, parsers, analysis, frames.
package plugin

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
	"github.com/grafana/grafana-plugin-sdk-go/backend/instancemgmt"
	"github.com/grafana/grafana-plugin-sdk-go/backend/resource/httpadapter"

	"github.com/goscope/pprof/pkg/dumps"
	"github.com/goscope/pprof/pkg/parsecache"
	"github.com/goscope/pprof/pkg/settings"
	"github.com/goscope/pprof/pkg/targets"
)

var (
	_ backend.QueryDataHandler      = (*Datasource)(nil)
	_ backend.CheckHealthHandler    = (*Datasource)(nil)
	_ backend.CallResourceHandler   = (*Datasource)(nil)
	_ instancemgmt.InstanceDisposer = (*Datasource)(nil)
)

// Datasource is one configured data source instance.
type Datasource struct {
	// settingsErr is kept rather than failing instance creation, so that
	// the health check and every query can say exactly what is wrong.
	settingsErr error
	settings    *settings.Settings
	targets     *targets.Client
	evidence    evidence
	// catalog is nil when the dump store could not be opened; catalogErr
	// says why.
	catalog      *dumps.Catalog
	catalogErr   error
	closeCatalog func()
	history      historyCache
	// parseCache keeps parsed dumps and profiles for the next query over
	// the same content.
	parseCache *parsecache.Cache[parsed]
	resources  backend.CallResourceHandler
	discovered discovered
}

// NewDatasource creates an instance from its settings; Grafana's instance
// manager calls it again whenever the settings change.
func NewDatasource(ctx context.Context, s backend.DataSourceInstanceSettings) (instancemgmt.Instance, error) {
	d := &Datasource{closeCatalog: func() {}}
	defer func() { d.resources = httpadapter.New(d.routes()) }()
	cfg, err := settings.Load(s)
	if err != nil {
		d.settingsErr = err
		return d, nil
	}
	opts, err := s.HTTPClientOptions(ctx)
	var hc *http.Client
	if err == nil {
		hc, err = newHTTPClient(opts, cfg)
	}
	if err != nil {
		d.settingsErr = fmt.Errorf("HTTP client settings: %w", err)
		return d, nil
	}
	d.settings = cfg
	secrets, secretHeaders := credentials(s, cfg, opts)
	d.targets = targets.NewClient(hc, targets.Options{
		MaxResponseBytes: cfg.MaxResponseBytes,
		Timeout:          cfg.Timeout,
		MinInterval:      cfg.MinInterval,
		Secrets:          secrets,
		SecretHeaders:    secretHeaders,
	})
	d.parseCache = parsecache.New[parsed](cfg.ParseCacheBytes)
	d.catalog, d.closeCatalog, d.catalogErr = openCatalog(s, cfg, d.validateDump)
	d.startDiscovery(nil)
	d.startRecorder(s.UID)
	return d, nil
}

// newHTTPClient builds the one client of an instance from Grafana's
// standard HTTP settings (TLS, proxy), with the timeout left to each
// request's context because a CPU profile legitimately takes its
// duration before the first response byte. Its redirect policy is set by
// targets.NewClient.
func newHTTPClient(opts httpclient.Options, cfg *settings.Settings) (*http.Client, error) {
	timeouts := httpclient.DefaultTimeoutOptions
	timeouts.Timeout = 0
	timeouts.DialTimeout = min(cfg.Timeout, timeouts.DialTimeout)
	timeouts.TLSHandshakeTimeout = min(cfg.Timeout, timeouts.TLSHandshakeTimeout)
	opts.Timeouts = &timeouts
	return httpclient.New(opts)
}

// credentials lists every secret the instance knows, which no target's
// text may relay: all secure settings, and the user:password that Grafana's
// basic auth sends base64-encoded; and the names of the headers that carry
// them (per target, and Grafana's custom headers).
func credentials(s backend.DataSourceInstanceSettings, cfg *settings.Settings, opts httpclient.Options) (secrets, headers []string) {
	for _, v := range s.DecryptedSecureJSONData {
		secrets = append(secrets, v)
	}
	if opts.BasicAuth != nil && opts.BasicAuth.Password != "" {
		secrets = append(secrets, opts.BasicAuth.User+":"+opts.BasicAuth.Password)
	}
	for name := range opts.Header {
		headers = append(headers, name)
	}
	for _, t := range cfg.Targets {
		if t.Header.Name != "" {
			headers = append(headers, t.Header.Name)
		}
	}
	if cfg.DiscoveredHeader.Name != "" {
		headers = append(headers, cfg.DiscoveredHeader.Name)
	}
	return secrets, headers
}

// Dispose stops the instance's recorder and captures and releases its stores when settings change or Grafana
// stops the data source.
func (d *Datasource) Dispose() {
	d.stopRecorder()
	d.stopDiscovery()
	d.closeCatalog()
}

// ready returns the settings error, if any, in the words shown to users.
func (d *Datasource) ready() error {
	if d.settingsErr != nil {
		return fmt.Errorf("the data source settings are invalid: %w", d.settingsErr)
	}
	return nil
}

// now is the capture clock, replaceable in tests.
var now = time.Now
