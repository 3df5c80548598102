package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const testPluginID = "myorg-demo-datasource"

type testFile struct {
	content []byte
	mode    fs.FileMode
}

// fixture describes a plugin archive and the checkout it was built from; the
// tests start from goodFixture and break one thing.
type fixture struct {
	archiveName string
	root        string              // directory the plugin files are put in; "" for the top level
	files       map[string]testFile // plugin files, by path under root
	extra       map[string]testFile // entries added as named, outside root
	source      map[string]string   // the checkout, by path
}

func goodFixture(t *testing.T) *fixture {
	f := &fixture{
		archiveName: testPluginID + "-1.2.3.zip",
		root:        testPluginID,
		files:       map[string]testFile{},
		extra:       map[string]testFile{},
		source: map[string]string{
			"package.json":             `{"name": "demo", "version": "1.2.3"}`,
			"src/module.ts":            "export const plugin = 1;\n",
			"src/components/Editor.ts": "export const Editor = 2;\n",
			"pkg/main.go":              "package main\n\nfunc main() {}\n",
			"pkg/main_test.go":         "package main\n",
			"node_modules/dep/dep.go":  "package dep\n",
			"Magefile.go":              "//go:build mage\n\npackage main\n",
		},
	}
	f.setMetadata(t, map[string]any{
		"$schema":      "https://raw.githubusercontent.com/grafana/grafana/main/docs/sources/developers/plugins/plugin.schema.json",
		"type":         "datasource",
		"name":         "Demo",
		"id":           testPluginID,
		"metrics":      true,
		"alerting":     true,
		"backend":      true,
		"executable":   "gpx_demo",
		"buildMode":    "production",
		"queryOptions": map[string]any{"minInterval": true},
		"info": map[string]any{
			"description": "Demo data",
			"author":      map[string]any{"name": "My Org", "url": "https://example.com"},
			"keywords":    []any{"demo"},
			"logos":       map[string]any{"small": "img/logo.svg", "large": "img/logo.svg"},
			"links":       []any{map[string]any{"name": "Source", "url": "https://example.com/demo"}},
			"screenshots": []any{map[string]any{"name": "Overview", "path": "img/overview.png"}},
			"version":     "1.2.3",
			"updated":     "2026-01-02",
		},
		"includes":     []any{map[string]any{"type": "dashboard", "name": "Overview", "path": "dashboards/overview.json"}},
		"dependencies": map[string]any{"grafanaDependency": ">=12.0.0", "plugins": []any{}},
	})
	f.setFile("dashboards/overview.json", `{"uid": "demo-overview", "title": "Overview", "panels": []}`)
	f.setFile("module.js", `define(["react"], function () { return {}; });`)
	f.setSourceMap(t, map[string]string{
		"webpack://" + testPluginID + "/./module.ts":                f.source["src/module.ts"],
		"webpack://" + testPluginID + "/./components/Editor.ts?0c1": f.source["src/components/Editor.ts"],
		"webpack://" + testPluginID + "/external amd \"react\"":     "module.exports = React;",
		"webpack://" + testPluginID + "/webpack/bootstrap":          "var cache = {};",
		"webpack://" + testPluginID + "/./node_modules/x/index.js":  "export default 1;",
	})
	f.setFile("README.md", "# Demo\n\nShows demo data in Grafana.\n")
	f.setFile("CHANGELOG.md", "# Changelog\n\n## 1.2.3\n\nFirst release.\n")
	f.setFile("LICENSE", "MIT License\n\nCopyright (c) 2026 My Org\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software and associated documentation files.\n")
	f.setFile("img/logo.svg", `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 2 2"><a xlink:href="https://example.com"><rect width="1" height="1" fill="#f00"/></a></svg>`)
	f.files["img/overview.png"] = testFile{content: pngImage(t), mode: 0o644}
	f.files["gpx_demo_linux_amd64"] = testFile{content: []byte("\x7fELF binary"), mode: 0o755}
	f.files["gpx_demo_windows_amd64.exe"] = testFile{content: []byte("MZ binary"), mode: 0o644}
	f.setFile(goManifestName, f.manifestOfSource())
	return f
}

func (f *fixture) setFile(name, content string) {
	f.files[name] = testFile{content: []byte(content), mode: 0o644}
}

func (f *fixture) setMetadata(t *testing.T, meta map[string]any) {
	content, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	f.files["plugin.json"] = testFile{content: content, mode: 0o644}
}

// editMetadata changes plugin.json through its generic JSON form.
func (f *fixture) editMetadata(t *testing.T, edit func(meta map[string]any)) {
	var meta map[string]any
	if err := json.Unmarshal(f.files["plugin.json"].content, &meta); err != nil {
		t.Fatal(err)
	}
	edit(meta)
	f.setMetadata(t, meta)
}

func (f *fixture) editInfo(t *testing.T, edit func(info map[string]any)) {
	f.editMetadata(t, func(meta map[string]any) { edit(meta["info"].(map[string]any)) })
}

func (f *fixture) setSourceMap(t *testing.T, sources map[string]string) {
	m := map[string]any{"version": 3, "file": "module.js", "mappings": "AAAA", "names": []any{}}
	var names, contents []any
	for _, name := range sortedKeys(sources) {
		names = append(names, name)
		contents = append(contents, sources[name])
	}
	m["sources"], m["sourcesContent"] = names, contents
	content, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	f.files["module.js.map"] = testFile{content: content, mode: 0o644}
}

// manifestOfSource is the Go build manifest the SDK writes for f.source.
func (f *fixture) manifestOfSource() string {
	var lines []string
	for _, name := range sortedKeys(f.source) {
		if strings.HasSuffix(name, ".go") && !strings.HasPrefix(name, "node_modules/") {
			lines = append(lines, sha256String([]byte(f.source[name]))+":"+name)
		}
	}
	return strings.Join(lines, "\n") + "\n"
}

// write creates the archive and the checkout in a temporary directory.
func (f *fixture) write(t *testing.T) (archivePath, sourceDir string) {
	dir := t.TempDir()
	sourceDir = filepath.Join(dir, "source")
	for name, content := range f.source {
		p := filepath.Join(sourceDir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	entries := map[string]testFile{}
	for name, file := range f.files {
		if f.root != "" {
			name = f.root + "/" + name
		}
		entries[name] = file
	}
	for name, file := range f.extra {
		entries[name] = file
	}
	var archive bytes.Buffer
	w := zip.NewWriter(&archive)
	names := make([]string, 0, len(entries))
	for name := range entries {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		header := &zip.FileHeader{Name: name, Method: zip.Deflate}
		header.SetMode(entries[name].mode)
		out, err := w.CreateHeader(header)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := out.Write(entries[name].content); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	archivePath = filepath.Join(dir, f.archiveName)
	if err := os.WriteFile(archivePath, archive.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return archivePath, sourceDir
}

func pngImage(t *testing.T) []byte {
	var out bytes.Buffer
	if err := png.Encode(&out, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func formatFindings(findings []finding) string {
	var b strings.Builder
	for _, f := range findings {
		fmt.Fprintln(&b, f)
	}
	return b.String()
}
