package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

const mainMetadataPath = "plugin.json"

// pluginJSON holds the plugin.json fields the analyzers read.
type pluginJSON struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Type       string `json:"type"`
	Backend    bool   `json:"backend"`
	Alerting   bool   `json:"alerting"`
	Executable string `json:"executable"`
	Info       struct {
		Author struct {
			Name string `json:"name"`
		} `json:"author"`
		Logos struct {
			Small string `json:"small"`
			Large string `json:"large"`
		} `json:"logos"`
		Screenshots []struct {
			Name string `json:"name"`
			Path string `json:"path"`
		} `json:"screenshots"`
		Version string `json:"version"`
		Updated string `json:"updated"`
	} `json:"info"`
	Dependencies struct {
		GrafanaDependency string `json:"grafanaDependency"`
	} `json:"dependencies"`
	Includes []struct {
		Type string `json:"type"`
		Path string `json:"path"`
	} `json:"includes"`
}

// loadMetadata reads every plugin.json in the plugin: the main one at its
// root, which Grafana requires, and those of plugins nested in an app.
func loadMetadata(c *pluginContext, r *reporter) string {
	if _, err := fs.Stat(c.plugin, mainMetadataPath); errors.Is(err, fs.ErrNotExist) {
		r.errorf("plugin.json is missing from %s/; Grafana only loads a plugin directory that has one", c.rootName)
		return ""
	}

	var paths []string
	err := fs.WalkDir(c.plugin, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == mainMetadataPath {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		r.errorf("cannot list the plugin files: %v", err)
		return ""
	}

	raw := map[string]map[string]any{}
	typed := map[string]*pluginJSON{}
	typesMatch := true
	for _, p := range paths {
		content, err := fs.ReadFile(c.plugin, p)
		if err != nil {
			r.errorf("cannot read %s: %v", p, err)
			continue
		}
		var object map[string]any
		if err := json.Unmarshal(content, &object); err != nil || object == nil {
			r.errorf("%s is not a JSON object: %v", p, jsonProblem(err))
			continue
		}
		raw[p] = object
		var meta pluginJSON
		// A field of the wrong type is reported by metadatavalid, which
		// names the field; the analyzers reading fields wait for a fix.
		if json.Unmarshal(content, &meta) != nil {
			typesMatch = false
		}
		typed[p] = &meta
	}
	if len(r.findings) > 0 {
		return ""
	}
	c.rawMetadata = raw
	if typesMatch {
		c.metadata = typed
	}
	if len(paths) == 1 {
		return "plugin.json is present and parses"
	}
	return fmt.Sprintf("%d plugin.json files are present and parse", len(paths))
}

func jsonProblem(err error) string {
	if err == nil {
		return "it is null"
	}
	return err.Error()
}

// checkNestedPlugins checks plugins bundled inside this one: only an app may
// bundle others, and it must declare each in its includes with the same type,
// or Grafana will not load it as part of the app.
func checkNestedPlugins(c *pluginContext, r *reporter) string {
	if len(c.metadata) == 1 {
		return "no nested plugins"
	}
	main := c.main()
	for _, p := range c.metadataPaths()[1:] {
		nested := c.metadata[p]
		if main.Type != "app" {
			r.errorf("%s is a nested plugin, but only app plugins may bundle other plugins (this is a %s plugin)", p, main.Type)
			continue
		}
		declared := false
		for _, include := range main.Includes {
			if path.Clean(strings.TrimPrefix(include.Path, "./")) != p {
				continue
			}
			declared = true
			switch include.Type {
			case "":
				r.errorf("the include for nested plugin %s has no type", p)
			case nested.Type:
			default:
				r.errorf("nested plugin %s is a %s, but plugin.json includes it as a %s", p, nested.Type, include.Type)
			}
		}
		if !declared {
			r.errorf("nested plugin %s is not declared in the includes of plugin.json", p)
		}
	}
	return fmt.Sprintf("%d nested plugins, each declared in includes with its type", len(c.metadata)-1)
}
