package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// checkModuleJS checks that every plugin has the module.js next to its
// plugin.json, the frontend entry point Grafana loads.
func checkModuleJS(c *pluginContext, r *reporter) string {
	var found []string
	for _, p := range c.metadataPaths() {
		module := path.Join(path.Dir(p), "module.js")
		content, ok := readPluginFile(c, module)
		switch {
		case !ok:
			r.errorf("%s is missing; Grafana loads the plugin's frontend from it", module)
		case isBlank(content):
			r.errorf("%s is empty", module)
		default:
			found = append(found, module)
		}
	}
	return strings.Join(found, ", ") + " present"
}

// Sources in a webpack source map that are not the plugin's own code:
// externals, the webpack runtime and dependencies.
var generatedSourcePrefixes = []string{"external ", "webpack/", "../node_modules/", "./node_modules/"}

type sourceMap struct {
	Version        int       `json:"version"`
	Sources        []string  `json:"sources"`
	SourcesContent []*string `json:"sourcesContent"`
}

// checkSourceMaps checks that each module.js ships with its source map, which
// reviewers use to read the frontend, and, given the source checkout, that the
// sources embedded in the map are the files in its src/ directory.
func checkSourceMaps(c *pluginContext, r *reporter) string {
	var modules []string
	_ = fs.WalkDir(c.plugin, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "module.js" {
			modules = append(modules, p)
		}
		return err
	})

	if len(modules) == 0 {
		return "no module.js to check"
	}
	compared := 0
	for _, module := range modules {
		mapPath := module + ".map"
		content, ok := readPluginFile(c, mapPath)
		if !ok {
			r.errorf("%s is missing; the archive must include the source map of every module.js", mapPath)
			continue
		}
		var m sourceMap
		if err := json.Unmarshal(content, &m); err != nil {
			r.errorf("%s is not a source map: %v", mapPath, err)
			continue
		}
		if m.Version != 3 || len(m.Sources) == 0 || len(m.SourcesContent) != len(m.Sources) {
			r.errorf("%s is not a version 3 source map with the content of each of its sources", mapPath)
			continue
		}
		if c.sourceDir == "" {
			continue
		}
		differences, count := compareSourceMap(c, m)
		compared += count
		if len(differences) > 0 {
			r.errorf("%s does not match %s (rebuild the frontend): %s", mapPath, filepath.Join(c.sourceDir, "src"), summarize(differences, 10))
		}
	}
	if c.sourceDir == "" {
		return fmt.Sprintf("%s has its source map (give -source to compare it with src/)", strings.Join(modules, ", "))
	}
	return fmt.Sprintf("the source maps of %s embed the %d files of src/ they were built from", strings.Join(modules, ", "), compared)
}

// compareSourceMap compares the plugin's own sources embedded in m with the
// files under src/ in the checkout, returning the differences and how many
// sources it compared.
func compareSourceMap(c *pluginContext, m sourceMap) ([]string, int) {
	var differences []string
	compared := 0
	for i, source := range m.Sources {
		name, ok := ownSourceName(source)
		if !ok {
			continue
		}
		compared++
		onDisk, err := os.ReadFile(filepath.Join(c.sourceDir, "src", filepath.FromSlash(name)))
		switch {
		case err != nil:
			differences = append(differences, name+" (not in src/)")
		case m.SourcesContent[i] == nil:
			differences = append(differences, name+" (no content in the map)")
		case !bytes.Equal(normalizeNewlines(onDisk), normalizeNewlines([]byte(*m.SourcesContent[i]))):
			differences = append(differences, name+" (differs)")
		}
	}
	return differences, compared
}

// ownSourceName turns a webpack source URL such as
// "webpack://<namespace>/./components/Editor.tsx?abc" into its path under
// src/, or reports false for a source that is not the plugin's own code. The
// namespace is the package's name, which need not be the plugin id.
func ownSourceName(source string) (string, bool) {
	name := source
	if rest, ok := strings.CutPrefix(source, "webpack://"); ok {
		_, name, _ = strings.Cut(rest, "/")
	}
	name, _, _ = strings.Cut(name, "?")
	if strings.HasSuffix(name, ".css") {
		return "", false
	}
	for _, prefix := range generatedSourcePrefixes {
		if strings.HasPrefix(name, prefix) {
			return "", false
		}
	}
	return path.Clean(name), true
}

func normalizeNewlines(content []byte) []byte {
	return bytes.ReplaceAll(content, []byte("\r\n"), []byte("\n"))
}

func summarize(items []string, limit int) string {
	if len(items) <= limit {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:limit], ", "), len(items)-limit)
}
