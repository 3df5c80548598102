// Package provisioning holds the files Grafana provisions at startup (the
// data source, the dashboard provider, alert rules); the dashboards
// themselves ship in the plugin (src/dashboards). Its test reads them all
// the way Grafana does, strictly, and runs every query they hold through
// the plugin's own settings and query validation, so a typo fails here
// rather than on a user's first start.
package provisioning

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/settings"
)

const (
	pluginType = "goscope-pprof-datasource"
	dsUID      = "go-pprof"
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

// dashboardsDir holds the one copy of the dashboards: the build copies it
// into the plugin (src/**/*.json, create-plugin's copy rule), plugin.json
// declares each file, and the compose Grafana provisions them from the
// installed plugin, so nothing can drift between what is provisioned and
// what an installed plugin offers.
const dashboardsDir = "../src/dashboards"

// The provider reads the dashboards from the plugin as the image installs
// it: GF_PATHS_PLUGINS/<plugin id>/dashboards.
func TestDashboardProviderReadsThePlugin(t *testing.T) {
	var f dashboardProviders
	decodeStrict(t, "dashboards/dashboards.yml", &f)
	if f.APIVersion != 1 || len(f.Providers) != 1 {
		t.Fatalf("apiVersion %d, %d providers", f.APIVersion, len(f.Providers))
	}
	dockerfile := readFile(t, "../Dockerfile")
	plugins := regexp.MustCompile(`(?m)^ENV GF_PATHS_PLUGINS=(\S+)$`).FindStringSubmatch(dockerfile)
	if plugins == nil || !strings.Contains(dockerfile, "COPY --from=frontend /src/dist "+plugins[1]+"/"+pluginType+"\n") {
		t.Fatalf("the Dockerfile does not install the built frontend as %s/%s", plugins, pluginType)
	}
	p := f.Providers[0]
	if want := plugins[1] + "/" + pluginType + "/dashboards"; p.Type != "file" || p.Options.Path != want {
		t.Errorf("provider %s reads %q; want the installed plugin's %q", p.Type, p.Options.Path, want)
	}
	if copyRules := readFile(t, "../.config/bundler/copyFiles.ts"); !strings.Contains(copyRules, "{ from: '**/*.json', to: '.' }") {
		t.Error("the build no longer copies src/**/*.json into the plugin, so src/dashboards would not ship")
	}
}

// plugin.json declares every dashboard, by the path the build puts it at,
// so Grafana offers each on the data source's Dashboards tab.
func TestPluginIncludesEveryDashboard(t *testing.T) {
	var plugin struct {
		Includes []struct{ Type, Name, Path string } `json:"includes"`
	}
	if err := json.Unmarshal([]byte(readFile(t, "../src/plugin.json")), &plugin); err != nil {
		t.Fatal(err)
	}
	declared := map[string]string{}
	for _, inc := range plugin.Includes {
		if inc.Type == "dashboard" {
			declared[inc.Path] = inc.Name
		}
	}
	for _, path := range files(t, dashboardsDir+"/*.json") {
		rel := "dashboards/" + filepath.Base(path)
		name, ok := declared[rel]
		if title := readDashboard(t, path).Title; !ok || name != title {
			t.Errorf("plugin.json includes %s as %q; the dashboard is %q", rel, name, title)
		}
		delete(declared, rel)
	}
	for path := range declared {
		t.Errorf("plugin.json includes %s, which src/dashboards does not hold", path)
	}
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID          int                       `json:"id"`
	Type        string                    `json:"type"`
	Title       string                    `json:"title"`
	Description string                    `json:"description"`
	Datasource  *datasourceRef            `json:"datasource"`
	Targets     []json.RawMessage         `json:"targets"`
	Panels      []panel                   `json:"panels"`
	Repeat      string                    `json:"repeat"`
	GridPos     *struct{ H, W, X, Y int } `json:"gridPos"`
	FieldConfig struct {
		Overrides []struct {
			Matcher struct {
				ID      string          `json:"id"`
				Options json.RawMessage `json:"options"`
			} `json:"matcher"`
			Properties []struct {
				ID    string `json:"id"`
				Value any    `json:"value"`
			} `json:"properties"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
}

type dashboardLink struct {
	Type        string   `json:"type"`
	Tags        []string `json:"tags"`
	IncludeVars bool     `json:"includeVars"`
	KeepTime    bool     `json:"keepTime"`
}

type dashboard struct {
	UID           string          `json:"uid"`
	Title         string          `json:"title"`
	Tags          []string        `json:"tags"`
	SchemaVersion int             `json:"schemaVersion"`
	Refresh       string          `json:"refresh"`
	Links         []dashboardLink `json:"links"`
	Timepicker    struct {
		RefreshIntervals []string `json:"refresh_intervals"`
	} `json:"timepicker"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Datasource *datasourceRef  `json:"datasource"`
			Query      json.RawMessage `json:"query"`
			Current    json.RawMessage `json:"current"`
		} `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Datasource *datasourceRef  `json:"datasource"`
			Target     json.RawMessage `json:"target"`
		} `json:"list"`
	} `json:"annotations"`
}

// dsVariable is how every panel, query, variable and annotation names the
// data source: the dashboards' data source variable, so they work with any
// Go pprof data source, not only the provisioned uid.
const dsVariable = "${datasource}"

// dashboardTag marks the plugin's dashboards; each links to the others by it.
const dashboardTag = "go-pprof"

// Panel types of Grafana's core that the dashboards may use.
var corePanels = []string{"row", "stat", "timeseries", "table", "barchart", "bargauge", "gauge", "piechart", "flamegraph", "text", "state-timeline", "histogram"}

func TestDashboards(t *testing.T) {
	uids := map[string]string{}
	for _, path := range files(t, dashboardsDir+"/*.json") {
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
		checkLinks(t, path, d)
		checkRepeats(t, path, d)
		checkRefresh(t, path, d)
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
		if p.Datasource == nil || p.Datasource.UID != dsVariable || p.Datasource.Type != pluginType {
			t.Errorf("%s: data source %+v; want uid %s", where, p.Datasource, dsVariable)
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s: no queries", where)
		}
		for _, target := range p.Targets {
			q, err := query.Parse(target, "")
			if err != nil {
				t.Errorf("%s: query %s: %v", where, target, err)
				continue
			}
			var ref struct {
				Datasource *datasourceRef `json:"datasource"`
			}
			if json.Unmarshal(target, &ref); ref.Datasource == nil || ref.Datasource.UID != dsVariable {
				t.Errorf("%s: query %s names data source %+v; want %s", where, target, ref.Datasource, dsVariable)
			}
			checkQuery(t, where, p, q)
		}
	}
}

// checkQuery holds panels to what they show: a bar gauge of categories
// leaves the total out (a stat shows it), and a list of dumps hides the
// fields that exist for template variables.
func checkQuery(t *testing.T, where string, p panel, q *query.Query) {
	if p.Type == "bargauge" && q.PerCategory && (q.Total == nil || *q.Total) {
		t.Errorf(`%s: a bar gauge of categories shows the "all" bar too; set "total": false`, where)
	}
	if q.QueryType == query.TypeDumps && q.View == "list" && (!hides(p, "value") || !hides(p, "text")) {
		t.Errorf("%s: the dump list shows the value and text fields, which are for template variables", where)
	}
	// "Outside system calls" is every state category but syscall, so a
	// category added to the taxonomy must be added here too.
	if q.Filter.LockedToThread && len(q.Filter.States) > 0 {
		var outside []string
		for _, c := range query.Vocabulary.StateCategories {
			if c.Value != "syscall" {
				outside = append(outside, c.Value)
			}
		}
		if !slices.Equal(slices.Sorted(slices.Values(q.Filter.States)), slices.Sorted(slices.Values(outside))) {
			t.Errorf("%s: locked goroutines in %q; outside system calls is %q", where, q.Filter.States, outside)
		}
	}
}

// hides reports whether an override of the panel hides a field by name.
func hides(p panel, field string) bool {
	for _, o := range p.FieldConfig.Overrides {
		var names []string
		switch o.Matcher.ID {
		case "byName":
			var name string
			json.Unmarshal(o.Matcher.Options, &name)
			names = []string{name}
		case "byNames":
			var opts struct {
				Names []string `json:"names"`
			}
			json.Unmarshal(o.Matcher.Options, &opts)
			names = opts.Names
		}
		for _, prop := range o.Properties {
			if prop.ID == "custom.hidden" && prop.Value == true && slices.Contains(names, field) {
				return true
			}
		}
	}
	return false
}

// checkLinks: every dashboard links to the others by their tag, carrying
// the variables (the data source, the target) and the time range.
func checkLinks(t *testing.T, path string, d dashboard) {
	if !slices.Contains(d.Tags, dashboardTag) {
		t.Errorf("%s: tags %q lack %q", path, d.Tags, dashboardTag)
	}
	for _, l := range d.Links {
		if l.Type == "dashboards" && slices.Equal(l.Tags, []string{dashboardTag}) && l.IncludeVars && l.KeepTime {
			return
		}
	}
	t.Errorf("%s: no link to the dashboards tagged %s with includeVars and keepTime", path, dashboardTag)
}

// rowsOf maps each panel id to the row it is in (0 before the first row):
// in Grafana's model, the panels after an expanded row, until the next.
func rowsOf(panels []panel) map[int]panel {
	out := map[int]panel{}
	var row panel
	for _, p := range panels {
		if p.Type == "row" {
			row = p
			for _, child := range p.Panels {
				out[child.ID] = p
			}
			continue
		}
		out[p.ID] = row
	}
	return out
}

// checkRepeats: Grafana's flame graph panel draws one frame, so a flame
// graph of the chosen targets repeats per target (its row does), and says
// so; a repeated row is about one target, so its title names it.
func checkRepeats(t *testing.T, path string, d dashboard) {
	rows := rowsOf(d.Panels)
	for _, p := range d.Panels {
		if p.Repeat != "" && p.Type == "row" && !strings.Contains(p.Title, "$"+p.Repeat) {
			t.Errorf("%s: row %q repeats per %s but its title does not name it", path, p.Title, p.Repeat)
		}
		if p.Type != "flamegraph" {
			continue
		}
		for _, target := range p.Targets {
			q, _ := query.Parse(target, "")
			if q == nil || q.Target == "" {
				continue
			}
			repeat := p.Repeat
			if repeat == "" {
				repeat = rows[p.ID].Repeat
			}
			if repeat != "target" || !strings.Contains(p.Description, "repeats") {
				t.Errorf("%s: flame graph %q reads %s without repeating per target and saying so", path, p.Title, q.Target)
			}
		}
	}
}

// checkRefresh: a dashboard that reads targets refreshes no more often
// than the recorder takes its full dumps, which is twice the minimum
// interval: one viewer's refresh and the recorder share one full dump of
// each target (the README's "Dashboards and alert rules").
func checkRefresh(t *testing.T, path string, d dashboard) {
	readsTargets := false
	for _, p := range d.Panels {
		for _, target := range p.Targets {
			if q, _ := query.Parse(target, ""); q != nil && q.Target != "" && q.QueryType != query.TypeMetrics {
				readsTargets = true
			}
		}
	}
	if !readsTargets {
		return
	}
	if settings.DefaultFullDumpInterval < 2*settings.DefaultMinInterval {
		t.Errorf("the recorder's full dumps (%s) and a refresh no longer share one dump within the minimum interval (%s)", settings.DefaultFullDumpInterval, settings.DefaultMinInterval)
	}
	if len(d.Timepicker.RefreshIntervals) == 0 {
		t.Errorf("%s: reads targets and offers Grafana's default refresh intervals, down to 5 s", path)
	}
	for _, r := range append([]string{d.Refresh}, d.Timepicker.RefreshIntervals...) {
		if every, err := refreshEvery(r); err != nil || every < settings.DefaultFullDumpInterval {
			t.Errorf("%s: refresh %q is more often than the recorder's full dumps (%s)", path, r, settings.DefaultFullDumpInterval)
		}
	}
}

// refreshEvery reads a refresh interval as Grafana writes them: 30s, 1m,
// 2h, 1d.
func refreshEvery(r string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(r, "d"); ok {
		n, err := strconv.Atoi(days)
		return time.Duration(n) * 24 * time.Hour, err
	}
	return time.ParseDuration(r)
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

// dashboardPanels lists each dashboard's panel ids, leaving out the panels
// of repeated rows: their copies get other ids, so a link to one would
// not open it.
func dashboardPanels(t *testing.T) map[string]map[int]bool {
	out := map[string]map[int]bool{}
	for _, path := range files(t, dashboardsDir+"/*.json") {
		d := readDashboard(t, path)
		out[d.UID] = map[int]bool{}
		rows := rowsOf(d.Panels)
		for _, p := range d.Panels {
			if p.Repeat == "" && rows[p.ID].Repeat == "" {
				out[d.UID][p.ID] = true
			}
		}
	}
	return out
}

// Kinds of variable query the frontend's variable editor writes.
var variableKinds = []string{"targets", "labelValues", "dumps", "dumpSources"}

func checkVariables(t *testing.T, path string, d dashboard) {
	hasDatasource := false
	for _, v := range d.Templating.List {
		if v.Type == "datasource" {
			var plugin string
			json.Unmarshal(v.Query, &plugin)
			hasDatasource = v.Name == "datasource" && plugin == pluginType && len(v.Current) == 0
			continue
		}
		if v.Type != "query" {
			continue
		}
		if v.Datasource == nil || v.Datasource.UID != dsVariable {
			t.Errorf("%s: variable %s reads data source %+v; want %s", path, v.Name, v.Datasource, dsVariable)
		}
		var q struct {
			Kind string `json:"kind"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil || !slices.Contains(variableKinds, q.Kind) {
			t.Errorf("%s: variable %s has query %s; want one of the kinds %v", path, v.Name, v.Query, variableKinds)
		}
		if q.Kind == "dumpSources" && len(v.Current) != 0 {
			t.Errorf("%s: variable %s starts on %s, which another Grafana may not have; the first value is the source with the newest dump", path, v.Name, v.Current)
		}
	}
	if !hasDatasource {
		t.Errorf("%s: no data source variable \"datasource\" of type %s without a fixed choice", path, pluginType)
	}
	for _, a := range d.Annotations.List {
		if a.Datasource == nil || a.Datasource.UID != dsVariable {
			t.Errorf("%s: annotation reads data source %+v; want %s", path, a.Datasource, dsVariable)
			continue
		}
		if _, err := query.Parse(a.Target, ""); err != nil {
			t.Errorf("%s: annotation query %s: %v", path, a.Target, err)
		}
	}
	// The provisioned uid appears nowhere: the dashboards work with any
	// Go pprof data source.
	if regexp.MustCompile(`"uid":\s*"` + dsUID + `"`).MatchString(readFile(t, path)) {
		t.Errorf("%s names the data source uid %q; use %s", path, dsUID, dsVariable)
	}
}
