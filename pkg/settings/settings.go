// Package settings reads and validates a data source instance's
// configuration: the targets an admin has configured, how to reach them, and
// the limits that protect both Grafana and the targets.
package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/goscope/pprof/pkg/capturerules"
	"github.com/goscope/pprof/pkg/discovery"
	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/objstore"
)

// Defaults, chosen so that a plain install is safe against large targets.
const (
	DefaultTimeout = 10 * time.Second
	// DefaultMaxResponseMiB matches the 64 MB the Go runtime truncates a
	// goroutine dump at, so a full dump of a large process still fits.
	DefaultMaxResponseMiB = 64
	// DefaultMaxFullDumpGoroutines keeps the stop-the-world pause of a
	// debug=2 dump around 150 ms (about 300 ms per 100k goroutines).
	DefaultMaxFullDumpGoroutines = 50000
	// DefaultMinInterval bounds what panels, alert rules, the recorder and
	// captures together cost a target: at most one full dump (and one of
	// each profile) per 30 s, however many people look, about 0.5% of its
	// time stopped at the full-dump limit. The recorder's full dump a
	// minute shares a dump a panel fetched, but keeps none for panels (its
	// dumps of every target would fill memory), so a dashboard refreshed
	// each minute costs a target at most one more full dump a minute.
	DefaultMinInterval       = 30 * time.Second
	DefaultMaxProfileSeconds = 30
	// DefaultMaxTraceSeconds keeps an execution trace of a live target
	// short: tracing costs the target 1-2% CPU, but a busy service writes
	// megabytes of trace per second.
	DefaultMaxTraceSeconds = 2
	// DefaultMaxProfileNodes keeps flame graph frames small enough for the
	// browser while showing every function of most services.
	DefaultMaxProfileNodes = 10000
	// The recorder samples only cheap pages (index, /metrics); a day of
	// 15 s samples is about 400 KiB per target.
	DefaultRecordInterval  = 15 * time.Second
	DefaultRecordRetention = 24 * time.Hour
	// An upload as large as the biggest goroutine dump the runtime writes.
	DefaultMaxUploadMiB = 64
	// Core dumps hold a process's whole memory; they are read through
	// their segments, never whole, so the bound is on disk, not memory.
	DefaultMaxCoreUploadMiB = 4096
	DefaultDumpQuotaMiB     = 1024
	// DefaultParseCacheMiB keeps the parse of a few large dumps (a
	// million-goroutine dump takes about 140 MiB parsed) so that the
	// panels of a dashboard over one dump parse it once.
	DefaultParseCacheMiB = 256
	// DefaultMaxDecompressedMiB leaves room for any real dump or profile
	// (the runtime truncates a goroutine dump at 64 MiB) while a gzip bomb
	// fails after reading little.
	DefaultMaxDecompressedMiB = int(dumpformat.DefaultDecompressedLimit >> 20)
)

// JSONData is the non-secret configuration as Grafana stores it.
type JSONData struct {
	Targets []TargetJSON `json:"targets"`
	// AuthHeaderName names a header sent to every target; its value is the
	// secret "authHeaderValue".
	AuthHeaderName        string `json:"authHeaderName,omitempty"`
	TimeoutSeconds        int    `json:"timeoutSeconds,omitempty"`
	MaxResponseMiB        int    `json:"maxResponseMiB,omitempty"`
	MaxFullDumpGoroutines int    `json:"maxFullDumpGoroutines,omitempty"`
	MinIntervalSeconds    int    `json:"minIntervalSeconds,omitempty"`
	MaxProfileSeconds     int    `json:"maxProfileSeconds,omitempty"`
	MaxTraceSeconds       int    `json:"maxTraceSeconds,omitempty"`
	MaxProfileNodes       int    `json:"maxProfileNodes,omitempty"`
	RecordIntervalSeconds int    `json:"recordIntervalSeconds,omitempty"`
	RecordRetentionHours  int    `json:"recordRetentionHours,omitempty"`
	// RecordDisabled stops the background sampling of targets.
	RecordDisabled bool `json:"recordDisabled,omitempty"`
	// HistoryDir holds the recorder's history file; empty for the
	// default beside Grafana's data.
	HistoryDir string `json:"historyDir,omitempty"`
	// FullDumpIntervalSeconds is the cadence of the recorder's full
	// goroutine dumps (states over time); FullDumpsDisabled turns them off.
	FullDumpIntervalSeconds int  `json:"fullDumpIntervalSeconds,omitempty"`
	FullDumpsDisabled       bool `json:"fullDumpsDisabled,omitempty"`
	// CaptureRules capture a target's evidence when its figures spike.
	CaptureRules    []CaptureRuleJSON `json:"captureRules,omitempty"`
	CaptureQuotaMiB int               `json:"captureQuotaMiB,omitempty"`
	// DumpStoreDir is where uploaded dumps are kept on the Grafana server.
	DumpStoreDir string `json:"dumpStoreDir,omitempty"`
	// ObjectStorage, when set, keeps the dump store in a bucket shared by
	// every replica instead of DumpStoreDir.
	ObjectStorage *ObjectStorageJSON `json:"objectStorage,omitempty"`
	MaxUploadMiB  int                `json:"maxUploadMiB,omitempty"`
	// MaxCoreUploadMiB bounds an uploaded core dump or executable, and the
	// core dumps read from dump directories.
	MaxCoreUploadMiB int              `json:"maxCoreUploadMiB,omitempty"`
	DumpQuotaMiB     int              `json:"dumpQuotaMiB,omitempty"`
	DumpDirectories  []DumpDirectory  `json:"dumpDirectories,omitempty"`
	DumpBuckets      []DumpBucketJSON `json:"dumpBuckets,omitempty"`
	// ParseCacheMiB bounds the memory of parsed dumps and profiles kept
	// for the next query over the same content.
	ParseCacheMiB     int    `json:"parseCacheMiB,omitempty"`
	TLSSkipVerify     bool   `json:"tlsSkipVerify,omitempty"`
	TLSAuthWithCACert bool   `json:"tlsAuthWithCACert,omitempty"`
	TLSAuth           bool   `json:"tlsAuth,omitempty"`
	TLSServerName     string `json:"serverName,omitempty"`

	// The bounds on what data may expand to once decoded (see
	// dumpformat.Limits).
	MaxDecompressedMiB  int `json:"maxDecompressedMiB,omitempty"`
	MaxProfileSamples   int `json:"maxProfileSamples,omitempty"`
	MaxProfileLocations int `json:"maxProfileLocations,omitempty"`
	MaxStackFrames      int `json:"maxStackFrames,omitempty"`

	// Discovery finds targets besides the configured ones.
	Discovery DiscoveryJSON `json:"discovery"`
}

// TargetJSON is one configured target as stored in jsonData.
type TargetJSON struct {
	Name       string            `json:"name"`
	URL        string            `json:"url"`
	MetricsURL string            `json:"metricsUrl,omitempty"`
	Labels     map[string]string `json:"labels,omitempty"`
	// AuthHeaderName overrides the shared header for this target; its value
	// is the secret TargetAuthKey(name).
	AuthHeaderName string `json:"authHeaderName,omitempty"`
	// CaptureRules override the data source's rules on the same figures.
	CaptureRules []CaptureRuleJSON `json:"captureRules,omitempty"`
}

// DumpDirectory is a directory on the Grafana server that a tool such as
// holmes writes dumps into; each file is a snapshot at its capture time.
type DumpDirectory struct {
	Name string `json:"name"`
	Path string `json:"path"`
	// Glob selects files by base name (or relative path, with a '/').
	Glob string `json:"glob,omitempty"`
	// Executable is the executable of the directory's core dumps (a file)
	// or a directory holding them by name; empty: beside each core.
	Executable string `json:"executable,omitempty"`
}

// Secret keys in secureJsonData.
const (
	SecretAuthHeaderValue = "authHeaderValue"
	SecretTLSCACert       = "tlsCACert"
	SecretTLSClientCert   = "tlsClientCert"
	SecretTLSClientKey    = "tlsClientKey"
)

// TargetAuthKey is the secureJsonData key of a target's own header value.
// Keyed by name because secrets never travel back to the browser, so the
// editor cannot carry them along when a target moves in the list.
func TargetAuthKey(targetName string) string {
	return "targetAuthHeaderValue." + targetName
}

// Settings is the validated configuration the backend works with.
type Settings struct {
	Targets               []Target
	Timeout               time.Duration
	MaxResponseBytes      int64
	MaxFullDumpGoroutines int
	MinInterval           time.Duration
	MaxProfileSeconds     int
	MaxTraceSeconds       int
	MaxProfileNodes       int
	// RecordInterval is zero when recording is disabled.
	RecordInterval  time.Duration
	RecordRetention time.Duration
	// DumpStoreDir is empty when the admin left it to the default.
	DumpStoreDir string
	// ObjectStorage is nil when the dump store is a local directory.
	ObjectStorage   *objstore.S3Config
	MaxUploadBytes  int64
	MaxCoreBytes    int64
	DumpQuotaBytes  int64
	DumpDirectories []DumpDirectory
	DumpBuckets     []DumpBucket
	ParseCacheBytes int64
	// HistoryDir is empty when the admin left it to the default.
	HistoryDir string
	// FullDumpInterval is zero when the recorder takes no full dumps.
	FullDumpInterval time.Duration
	// CaptureRules are each target's rules (its own and the data
	// source's); targets without rules are absent.
	CaptureRules map[string][]capturerules.Rule
	// DefaultCaptureRules are the data source's rules, which apply to
	// every target not in CaptureRules: the discovered ones.
	DefaultCaptureRules []capturerules.Rule
	CaptureQuotaBytes   int64
	// Limits bound what the data of every source may expand to once
	// decoded.
	Limits dumpformat.Limits
	// Discovery is nil when no discoverer is configured.
	Discovery *discovery.Config
	// DiscoveredHeader is the auth header sent to discovered targets:
	// the one shared by all targets.
	DiscoveredHeader Header
}

// Target is a validated target with its secret header, if any.
type Target struct {
	Name       string
	URL        string
	MetricsURL string
	Labels     map[string]string
	// Header is the auth header to send (empty Name for none).
	Header Header
}

// Header is one HTTP header name and its secret value.
type Header struct {
	Name  string
	Value string
}

// Load parses and validates instance settings. Every problem found is
// reported, joined, so an admin can fix them all in one pass.
func Load(s backend.DataSourceInstanceSettings) (*Settings, error) {
	var j JSONData
	if len(s.JSONData) > 0 {
		if err := json.Unmarshal(s.JSONData, &j); err != nil {
			return nil, fmt.Errorf("settings are not valid JSON: %w", err)
		}
	}
	return FromJSON(j, s.DecryptedSecureJSONData)
}

// FromJSON validates parsed settings against the secrets.
func FromJSON(j JSONData, secrets map[string]string) (*Settings, error) {
	var errs []error
	out := &Settings{
		Timeout:               orDuration(j.TimeoutSeconds, DefaultTimeout),
		MaxResponseBytes:      int64(orInt(j.MaxResponseMiB, DefaultMaxResponseMiB)) << 20,
		MaxFullDumpGoroutines: orInt(j.MaxFullDumpGoroutines, DefaultMaxFullDumpGoroutines),
		MinInterval:           orDuration(j.MinIntervalSeconds, DefaultMinInterval),
		MaxProfileSeconds:     orInt(j.MaxProfileSeconds, DefaultMaxProfileSeconds),
		MaxTraceSeconds:       orInt(j.MaxTraceSeconds, DefaultMaxTraceSeconds),
		MaxProfileNodes:       orInt(j.MaxProfileNodes, DefaultMaxProfileNodes),
		RecordInterval:        orDuration(j.RecordIntervalSeconds, DefaultRecordInterval),
		RecordRetention:       time.Duration(orInt(j.RecordRetentionHours, int(DefaultRecordRetention/time.Hour))) * time.Hour,
	}
	if j.RecordDisabled {
		out.RecordInterval = 0
	}
	out.DumpStoreDir = j.DumpStoreDir
	out.MaxUploadBytes = int64(orInt(j.MaxUploadMiB, DefaultMaxUploadMiB)) << 20
	out.MaxCoreBytes = int64(orInt(j.MaxCoreUploadMiB, DefaultMaxCoreUploadMiB)) << 20
	out.DumpQuotaBytes = int64(orInt(j.DumpQuotaMiB, DefaultDumpQuotaMiB)) << 20
	out.DumpDirectories = j.DumpDirectories
	out.ParseCacheBytes = int64(orInt(j.ParseCacheMiB, DefaultParseCacheMiB)) << 20
	out.Limits = dumpformat.Limits{
		MaxDecompressedBytes: int64(orInt(j.MaxDecompressedMiB, DefaultMaxDecompressedMiB)) << 20,
		MaxSamples:           orInt(j.MaxProfileSamples, dumpformat.DefaultMaxSamples),
		MaxLocations:         orInt(j.MaxProfileLocations, dumpformat.DefaultMaxLocations),
		MaxStackFrames:       orInt(j.MaxStackFrames, dumpformat.DefaultMaxStackFrames),
	}
	var storageErrs []error
	out.ObjectStorage, storageErrs = objectStorage(j.ObjectStorage, secrets)
	errs = append(errs, storageErrs...)
	out.DumpBuckets, storageErrs = dumpBuckets(j.DumpBuckets, j.ObjectStorage, secrets)
	errs = append(errs, storageErrs...)
	errs = append(errs, checkDumpDirectories(j)...)
	errs = append(errs, checkLimits(j)...)
	seen := map[string]bool{}
	for i, tj := range j.Targets {
		t, terrs := validateTarget(i, tj)
		errs = append(errs, terrs...)
		if tj.Name != "" && seen[tj.Name] {
			errs = append(errs, fmt.Errorf("target %q: the name is used twice; names must be unique", tj.Name))
		}
		seen[tj.Name] = true
		t.Header = targetHeader(j, tj, secrets)
		out.Targets = append(out.Targets, t)
	}
	errs = append(errs, evidence(j, out)...)
	errs = append(errs, discoveryConfig(j.Discovery, j.AuthHeaderName, secrets, out)...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func targetHeader(j JSONData, tj TargetJSON, secrets map[string]string) Header {
	if v := secrets[TargetAuthKey(tj.Name)]; v != "" {
		name := tj.AuthHeaderName
		if name == "" {
			name = orString(j.AuthHeaderName, "Authorization")
		}
		return Header{Name: name, Value: v}
	}
	return sharedHeader(j.AuthHeaderName, secrets)
}

// sharedHeader is the header every target gets unless it has its own.
func sharedHeader(name string, secrets map[string]string) Header {
	if v := secrets[SecretAuthHeaderValue]; v != "" {
		return Header{Name: orString(name, "Authorization"), Value: v}
	}
	return Header{}
}

// Target returns the target with that exact name.
func (s *Settings) Target(name string) (Target, bool) {
	for _, t := range s.Targets {
		if t.Name == name {
			return t, true
		}
	}
	return Target{}, false
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orDuration(seconds int, def time.Duration) time.Duration {
	if seconds == 0 {
		return def
	}
	return time.Duration(seconds) * time.Second
}

func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
