// Package provisioning holds the files Grafana provisions at startup (the
// data source, dashboards, alert rules). Its test reads them the way
// Grafana does, strictly, and runs every query they hold through the
// plugin's own settings and query validation, so a typo fails here rather
// than on a user's first start.
package provisioning

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/settings"
)

const (
	pluginType = "goscope-pprof-datasource"
	dsUID      = "go-pprof"
	// dashboardsPath is where docker-compose.yaml mounts this folder.
	mountPoint = "/etc/grafana/provisioning"
)

// decodeStrict decodes YAML refusing fields Grafana does not know, which
// Grafana itself would silently ignore.
func decodeStrict(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func files(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil || len(m) == 0 {
		t.Fatalf("no files match %s (%v)", pattern, err)
	}
	return m
}

// Fields of Grafana's data source provisioning format.
type datasourcesFile struct {
	APIVersion  int `yaml:"apiVersion"`
	Datasources []struct {
		Name           string            `yaml:"name"`
		Type           string            `yaml:"type"`
		UID            string            `yaml:"uid"`
		Access         string            `yaml:"access"`
		OrgID          int               `yaml:"orgId"`
		URL            string            `yaml:"url"`
		IsDefault      bool              `yaml:"isDefault"`
		Editable       bool              `yaml:"editable"`
		Version        int               `yaml:"version"`
		JSONData       map[string]any    `yaml:"jsonData"`
		SecureJSONData map[string]string `yaml:"secureJsonData"`
	} `yaml:"datasources"`
}

func TestDatasource(t *testing.T) {
	for _, path := range files(t, "datasources/*.yml") {
		var f datasourcesFile
		decodeStrict(t, path, &f)
		if f.APIVersion != 1 || len(f.Datasources) != 1 {
			t.Fatalf("%s: apiVersion %d, %d data sources", path, f.APIVersion, len(f.Datasources))
		}
		ds := f.Datasources[0]
		if ds.Type != pluginType || ds.UID != dsUID || ds.Access != "proxy" {
			t.Errorf("%s: type %q uid %q access %q", path, ds.Type, ds.UID, ds.Access)
		}
		js, _ := json.Marshal(ds.JSONData)
		var j settings.JSONData
		if err := json.Unmarshal(js, &j); err != nil {
			t.Fatalf("jsonData: %v", err)
		}
		s, err := settings.FromJSON(j, ds.SecureJSONData)
		if err != nil {
			t.Fatalf("the provisioned settings are invalid: %v", err)
		}
		if _, ok := s.Target("demo"); !ok {
			t.Error("the demo target is not configured")
		}
	}
}

// Fields of Grafana's dashboard provider format.
type dashboardProviders struct {
	APIVersion int `yaml:"apiVersion"`
	Providers  []struct {
		Name                  string `yaml:"name"`
		OrgID                 int    `yaml:"orgId"`
		Folder                string `yaml:"folder"`
		FolderUID             string `yaml:"folderUid"`
		Type                  string `yaml:"type"`
		DisableDeletion       bool   `yaml:"disableDeletion"`
		AllowUIUpdates        bool   `yaml:"allowUiUpdates"`
		UpdateIntervalSeconds int    `yaml:"updateIntervalSeconds"`
		Options               struct {
			Path                      string `yaml:"path"`
			FoldersFromFilesStructure bool   `yaml:"foldersFromFilesStructure"`
		} `yaml:"options"`
	} `yaml:"providers"`
}

func TestDashboardProvider(t *testing.T) {
	var f dashboardProviders
	decodeStrict(t, "dashboards/dashboards.yml", &f)
	if f.APIVersion != 1 || len(f.Providers) != 1 {
		t.Fatalf("apiVersion %d, %d providers", f.APIVersion, len(f.Providers))
	}
	p := f.Providers[0]
	local := strings.TrimPrefix(p.Options.Path, mountPoint+"/")
	if p.Type != "file" || local == p.Options.Path {
		t.Fatalf("provider path %q is not below %s", p.Options.Path, mountPoint)
	}
	if _, err := os.Stat(local); err != nil {
		t.Errorf("the provider's folder does not exist here: %v", err)
	}
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID         int                       `json:"id"`
	Type       string                    `json:"type"`
	Title      string                    `json:"title"`
	Datasource *datasourceRef            `json:"datasource"`
	Targets    []json.RawMessage         `json:"targets"`
	Panels     []panel                   `json:"panels"`
	GridPos    *struct{ H, W, X, Y int } `json:"gridPos"`
}

type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Datasource *datasourceRef  `json:"datasource"`
			Query      json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Datasource *datasourceRef  `json:"datasource"`
			Target     json.RawMessage `json:"target"`
		} `json:"list"`
	} `json:"annotations"`
}

// Panel types of Grafana's core that the dashboards may use.
var corePanels = []string{"row", "stat", "timeseries", "table", "barchart", "bargauge", "gauge", "piechart", "flamegraph", "text", "state-timeline", "histogram"}

func TestDashboards(t *testing.T) {
	uids := map[string]string{}
	for _, path := range files(t, "dashboards/go-pprof/*.json") {
		d := readDashboard(t, path)
		if d.UID == "" || d.Title == "" || d.SchemaVersion < 39 {
			t.Errorf("%s: uid %q title %q schemaVersion %d", path, d.UID, d.Title, d.SchemaVersion)
		}
		if other, dup := uids[d.UID]; dup {
			t.Errorf("%s and %s share uid %q", path, other, d.UID)
		}
		uids[d.UID] = path
		checkPanels(t, path, d.Panels)
		checkVariables(t, path, d)
	}
}

func checkPanels(t *testing.T, path string, panels []panel) {
	ids := map[int]bool{}
	for _, p := range panels {
		where := path + ": panel " + p.Title
		if !slices.Contains(corePanels, p.Type) {
			t.Errorf("%s: panel type %q is not a core panel", where, p.Type)
		}
		if p.Type != "row" && p.GridPos == nil {
			t.Errorf("%s: no gridPos", where)
		}
		if ids[p.ID] {
			t.Errorf("%s: duplicate panel id %d", where, p.ID)
		}
		ids[p.ID] = true
		checkPanels(t, path, p.Panels)
		if p.Type == "row" || p.Type == "text" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != dsUID || p.Datasource.Type != pluginType {
			t.Errorf("%s: data source %+v; want uid %s", where, p.Datasource, dsUID)
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s: no queries", where)
		}
		for _, target := range p.Targets {
			if _, err := query.Parse(target, ""); err != nil {
				t.Errorf("%s: query %s: %v", where, target, err)
			}
		}
	}
}

// Fields of Grafana's alert rule provisioning format.
type alertingFile struct {
	APIVersion int `yaml:"apiVersion"`
	Groups     []struct {
		OrgID    int    `yaml:"orgId"`
		Name     string `yaml:"name"`
		Folder   string `yaml:"folder"`
		Interval string `yaml:"interval"`
		Rules    []struct {
			UID          string            `yaml:"uid"`
			Title        string            `yaml:"title"`
			Condition    string            `yaml:"condition"`
			Data         []ruleQuery       `yaml:"data"`
			DashboardUID string            `yaml:"dashboardUid"`
			PanelID      int               `yaml:"panelId"`
			NoDataState  string            `yaml:"noDataState"`
			ExecErrState string            `yaml:"execErrState"`
			For          string            `yaml:"for"`
			Annotations  map[string]string `yaml:"annotations"`
			Labels       map[string]string `yaml:"labels"`
			IsPaused     bool              `yaml:"isPaused"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// ruleQuery is one query or expression of an alert rule.
type ruleQuery struct {
	RefID             string `yaml:"refId"`
	RelativeTimeRange struct {
		From int `yaml:"from"`
		To   int `yaml:"to"`
	} `yaml:"relativeTimeRange"`
	DatasourceUID string         `yaml:"datasourceUid"`
	Model         map[string]any `yaml:"model"`
}

var (
	noDataStates  = []string{"NoData", "Alerting", "OK", "KeepLast"}
	execErrStates = []string{"Error", "Alerting", "OK", "KeepLast"}
	expressions   = []string{"math", "reduce", "resample", "classic_conditions", "threshold", "sql"}
)

func TestAlertRules(t *testing.T) {
	titles := map[string]bool{}
	metrics := map[string]bool{}
	panels := dashboardPanels(t)
	for _, path := range files(t, "alerting/*.yaml") {
		var f alertingFile
		decodeStrict(t, path, &f)
		if f.APIVersion != 1 || len(f.Groups) == 0 {
			t.Fatalf("%s: apiVersion %d, %d groups", path, f.APIVersion, len(f.Groups))
		}
		for _, g := range f.Groups {
			if g.Folder == "" || g.Interval == "" || g.OrgID != 1 {
				t.Errorf("%s: group %q needs a folder, an interval and orgId 1", path, g.Name)
			}
			for _, r := range g.Rules {
				titles[r.Title] = true
				refs := map[string]bool{}
				for _, d := range r.Data {
					refs[d.RefID] = true
					model, _ := json.Marshal(d.Model)
					switch d.DatasourceUID {
					case dsUID:
						if _, err := query.Parse(model, ""); err != nil {
							t.Errorf("%s: rule %q query %s: %v", path, r.Title, d.RefID, err)
						}
						if d.RelativeTimeRange.From <= 0 {
							t.Errorf("%s: rule %q query %s has no time range", path, r.Title, d.RefID)
						}
					case "__expr__":
						if typ, _ := d.Model["type"].(string); !slices.Contains(expressions, typ) {
							t.Errorf("%s: rule %q expression %s has type %q", path, r.Title, d.RefID, typ)
						}
						if e, _ := d.Model["expression"].(string); !refs[e] {
							t.Errorf("%s: rule %q expression %s reads %q, which comes nowhere before it", path, r.Title, d.RefID, e)
						}
					default:
						t.Errorf("%s: rule %q uses data source %q", path, r.Title, d.DatasourceUID)
					}
				}
				// Grafana links the alert to this dashboard and panel
				// (__dashboardUid__ and __panelId__ annotations).
				if !panels[r.DashboardUID][r.PanelID] {
					t.Errorf("%s: rule %q links dashboard %q panel %d, which does not exist", path, r.Title, r.DashboardUID, r.PanelID)
				}
				if r.UID == "" || !refs[r.Condition] {
					t.Errorf("%s: rule %q: uid %q, condition %q not among its refIds", path, r.Title, r.UID, r.Condition)
				}
				if !slices.Contains(noDataStates, r.NoDataState) || !slices.Contains(execErrStates, r.ExecErrState) {
					t.Errorf("%s: rule %q: states %q/%q", path, r.Title, r.NoDataState, r.ExecErrState)
				}
				checkPaging(t, path, r.Title, metricOf(r.Data), r.NoDataState, r.ExecErrState)
				metrics[metricOf(r.Data)] = true
			}
		}
	}
	if !titles["Goroutine count high"] {
		t.Error(`the "Goroutine count high" rule is missing`)
	}
	if !metrics["up"] {
		t.Error("no rule pages when a target cannot be read (a rule on the up metric)")
	}
}

// checkPaging holds the rules to paging once per cause: the rule on up
// pages when a target cannot be read (no data or an error), and a rule on
// any other figure stays OK without data (a figure that a target without a
// metrics URL does not have, such as rss_bytes) and on errors (which the
// up rule reports).
func checkPaging(t *testing.T, path, title, metric, noData, execErr string) {
	t.Helper()
	want := "OK"
	if metric == "up" {
		want = "Alerting"
	}
	if noData != want || execErr != want {
		t.Errorf("%s: rule %q on %s: noDataState %q, execErrState %q; want %q for both", path, title, metric, noData, execErr, want)
	}
	if m, ok := query.Metric(metric); ok && m.NeedsMetricsURL && noData != "OK" {
		t.Errorf("%s: rule %q on %s, which only a metrics URL gives, pages for targets without one", path, title, metric)
	}
}

// metricOf is the metric the rule's data source query reads.
func metricOf(data []ruleQuery) string {
	for _, d := range data {
		if d.DatasourceUID == dsUID {
			m, _ := d.Model["metric"].(string)
			return m
		}
	}
	return ""
}

func readDashboard(t *testing.T, path string) dashboard {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return d
}

// dashboardPanels lists each provisioned dashboard's panel ids.
func dashboardPanels(t *testing.T) map[string]map[int]bool {
	out := map[string]map[int]bool{}
	for _, path := range files(t, "dashboards/go-pprof/*.json") {
		d := readDashboard(t, path)
		out[d.UID] = map[int]bool{}
		var walk func([]panel)
		walk = func(ps []panel) {
			for _, p := range ps {
				out[d.UID][p.ID] = true
				walk(p.Panels)
			}
		}
		walk(d.Panels)
	}
	return out
}

// Kinds of variable query the frontend's variable editor writes.
var variableKinds = []string{"targets", "labelValues", "dumps", "dumpSources"}

func checkVariables(t *testing.T, path string, d dashboard) {
	for _, v := range d.Templating.List {
		if v.Type != "query" || v.Datasource == nil || v.Datasource.UID != dsUID {
			continue
		}
		var q struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil || !slices.Contains(variableKinds, q.Kind) {
			t.Errorf("%s: variable %s has query %s; want one of the kinds %v", path, v.Name, v.Query, variableKinds)
		}
	}
	for _, a := range d.Annotations.List {
		if a.Datasource == nil || a.Datasource.UID != dsUID {
			continue
		}
		if _, err := query.Parse(a.Target, ""); err != nil {
			t.Errorf("%s: annotation query %s: %v", path, a.Target, err)
		}
	}
}
