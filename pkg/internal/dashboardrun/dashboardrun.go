// Package dashboardrun reads the plugin's dashboards (src/dashboards) the
// way Grafana runs them, for tests that send their queries to the plugin:
// every panel's queries with the dashboard variables replaced, the panels
// of a row repeated per target once for each target, and the annotation
// queries. It also lists the field names the panels' overrides match, so
// a test can check that the frames have them.
package dashboardrun

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Dir is src/dashboards, found from this file.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "src", "dashboards")
}

// Files are the dashboards' paths.
func Files() ([]string, error) {
	return filepath.Glob(filepath.Join(Dir(), "*.json"))
}

// Dashboard is one dashboard's JSON model, as much as running it needs.
type Dashboard struct {
	UID    string     `json:"uid"`
	Title  string     `json:"title"`
	Panels []rawPanel `json:"panels"`

	Annotations struct {
		List []struct {
			Target map[string]any `json:"target"`
		} `json:"list"`
	} `json:"annotations"`
}

type rawPanel struct {
	ID          int              `json:"id"`
	Type        string           `json:"type"`
	Title       string           `json:"title"`
	Repeat      string           `json:"repeat"`
	Targets     []map[string]any `json:"targets"`
	FieldConfig struct {
		Overrides []struct {
			Matcher struct {
				ID      string          `json:"id"`
				Options json.RawMessage `json:"options"`
			} `json:"matcher"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
}

// Load reads a dashboard file.
func Load(path string) (*Dashboard, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var d Dashboard
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &d, nil
}

// Vars are the values of the dashboard variables.
type Vars struct {
	// Targets are the targets chosen in $target; a row repeated per target
	// repeats once for each.
	Targets []string
	// All is set when $target is "All": panels outside repeated rows get
	// its allValue, "*"; otherwise they get the chosen targets as the
	// frontend's regex format writes several, (a|b).
	All bool
	// Source and Dump are $source and $dump.
	Source, Dump string
}

// target is $target outside a repeated row.
func (v Vars) target() string {
	switch {
	case v.All:
		return "*"
	case len(v.Targets) == 1:
		return v.Targets[0]
	}
	return "(" + strings.Join(v.Targets, "|") + ")"
}

// Panel is one panel as it runs: its queries with the variables replaced.
type Panel struct {
	ID    int
	Type  string
	Title string
	// Target is the target a panel of a repeated row is for; empty for
	// other panels.
	Target  string
	Queries []json.RawMessage
	// FieldNames are the names the panel's byName and byNames overrides
	// match.
	FieldNames []string
}

// Refresh is what one refresh of a dashboard sends.
type Refresh struct {
	Panels []Panel
	// Annotations are the annotation queries, as Grafana's annotation
	// support sends them.
	Annotations []json.RawMessage
}

// Refresh is a refresh of the dashboard with the variables' values.
func (d *Dashboard) Refresh(v Vars) (Refresh, error) {
	panels, err := d.panelQueries(v)
	if err != nil {
		return Refresh{}, err
	}
	annotations, err := d.annotationQueries(v)
	return Refresh{panels, annotations}, err
}

// panelQueries lists the panels that query, in dashboard order, the panels
// of a row repeated per target once per target.
func (d *Dashboard) panelQueries(v Vars) ([]Panel, error) {
	var out []Panel
	var repeat string
	for _, p := range d.Panels {
		if p.Type == "row" {
			repeat = p.Repeat
			continue
		}
		if len(p.Targets) == 0 {
			continue
		}
		if p.Repeat != "" {
			repeat = p.Repeat
		}
		if repeat == "" {
			q, err := p.run(v, v.target(), "")
			if err != nil {
				return nil, err
			}
			out = append(out, q)
			continue
		}
		if repeat != "target" {
			return nil, fmt.Errorf("panel %q repeats per %s; only target is known here", p.Title, repeat)
		}
		for _, t := range v.Targets {
			q, err := p.run(v, t, t)
			if err != nil {
				return nil, err
			}
			out = append(out, q)
		}
	}
	return out, nil
}

func (p rawPanel) run(v Vars, target, repeatedFor string) (Panel, error) {
	out := Panel{ID: p.ID, Type: p.Type, Title: p.Title, Target: repeatedFor}
	for _, q := range p.Targets {
		js, err := replace(q, v, target)
		if err != nil {
			return Panel{}, fmt.Errorf("panel %q: %w", p.Title, err)
		}
		out.Queries = append(out.Queries, js)
	}
	for _, o := range p.FieldConfig.Overrides {
		switch o.Matcher.ID {
		case "byName":
			var name string
			if json.Unmarshal(o.Matcher.Options, &name) == nil {
				out.FieldNames = append(out.FieldNames, name)
			}
		case "byNames":
			var opts struct {
				Names []string `json:"names"`
			}
			if json.Unmarshal(o.Matcher.Options, &opts) == nil {
				out.FieldNames = append(out.FieldNames, opts.Names...)
			}
		}
	}
	return out, nil
}

func (d *Dashboard) annotationQueries(v Vars) ([]json.RawMessage, error) {
	var out []json.RawMessage
	for _, a := range d.Annotations.List {
		js, err := replace(a.Target, v, v.target())
		if err != nil {
			return nil, err
		}
		out = append(out, js)
	}
	return out, nil
}

// replace drops the query's data source (the request names it) and
// replaces the variables in its strings, as the frontend's
// applyTemplateVariables does.
func replace(q map[string]any, v Vars, target string) (json.RawMessage, error) {
	raw, err := json.Marshal(q)
	if err != nil {
		return nil, err
	}
	var copied map[string]any
	if err := json.Unmarshal(raw, &copied); err != nil {
		return nil, err
	}
	delete(copied, "datasource")
	values := map[string]string{"target": target, "source": v.Source, "dump": v.Dump}
	if err := replaceStrings(copied, values); err != nil {
		return nil, err
	}
	return json.Marshal(copied)
}

// replaceStrings replaces $name and ${name} in every string below x.
func replaceStrings(x any, values map[string]string) error {
	each := func(get func() any, set func(any)) error {
		s, ok := get().(string)
		if !ok {
			return replaceStrings(get(), values)
		}
		for name, value := range values {
			s = strings.ReplaceAll(s, "${"+name+"}", value)
			s = strings.ReplaceAll(s, "$"+name, value)
		}
		if strings.Contains(s, "$") {
			return fmt.Errorf("unknown variable in %q", s)
		}
		set(s)
		return nil
	}
	switch x := x.(type) {
	case map[string]any:
		for k := range x {
			if err := each(func() any { return x[k] }, func(s any) { x[k] = s }); err != nil {
				return err
			}
		}
	case []any:
		for i := range x {
			if err := each(func() any { return x[i] }, func(s any) { x[i] = s }); err != nil {
				return err
			}
		}
	}
	return nil
}
