package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// referencedFile is a file plugin.json points to, by a path relative to the
// directory of that plugin.json.
type referencedFile struct {
	kind     string // what it is, for messages: "small logo", "screenshot"
	metadata string // the plugin.json naming it
	path     string
}

// location is the file's path in the plugin, or false when the reference is
// not a plain relative path.
func (f referencedFile) location() (string, bool) {
	u, err := url.Parse(f.path)
	if err != nil || u.IsAbs() || strings.HasPrefix(f.path, ".") || strings.HasPrefix(f.path, "/") {
		return "", false
	}
	return path.Join(path.Dir(f.metadata), f.path), true
}

func referencedFiles(c *pluginContext) []referencedFile {
	var files []referencedFile
	for _, p := range c.metadataPaths() {
		info := c.metadata[p].Info
		files = append(files,
			referencedFile{"small logo", p, info.Logos.Small},
			referencedFile{"large logo", p, info.Logos.Large})
		for _, s := range info.Screenshots {
			files = append(files, referencedFile{"screenshot", p, s.Path})
		}
	}
	return files
}

// checkMetadataPaths checks that the logos and screenshots plugin.json names
// are files in the archive, given as paths relative to plugin.json, which is
// how Grafana and grafana.com resolve them.
func checkMetadataPaths(c *pluginContext, r *reporter) string {
	checked := 0
	for _, f := range referencedFiles(c) {
		if strings.TrimSpace(f.path) == "" {
			continue // reported by logos and screenshots
		}
		checked++
		if _, err := url.Parse(f.path); err != nil {
			r.errorf("%s: %s path %q is not a valid path: %v", f.metadata, f.kind, f.path, err)
			continue
		}
		location, ok := f.location()
		if !ok {
			r.errorf("%s: %s path %q must be relative to plugin.json, without a leading '.', '/' or URL scheme (e.g. img/logo.svg)", f.metadata, f.kind, f.path)
			continue
		}
		if _, err := fs.Stat(c.plugin, location); err != nil {
			r.errorf("%s: %s %s is not in the archive", f.metadata, f.kind, location)
		}
	}
	return fmt.Sprintf("all %d logo and screenshot paths exist in the archive", checked)
}

// checkIncludedDashboards checks that every dashboard plugin.json includes
// is in the archive, at its path relative to that plugin.json (where
// Grafana reads it to offer on the Dashboards tab), and is a dashboard's
// JSON model: an object with a title and a list of panels.
func checkIncludedDashboards(c *pluginContext, r *reporter) string {
	checked := 0
	for _, p := range c.metadataPaths() {
		for _, include := range c.metadata[p].Includes {
			if include.Type != "dashboard" {
				continue
			}
			checked++
			f := referencedFile{"dashboard", p, strings.TrimPrefix(include.Path, "./")}
			location, ok := f.location()
			if !ok {
				r.errorf("%s: dashboard path %q must be relative to plugin.json (e.g. dashboards/overview.json)", p, include.Path)
				continue
			}
			raw, err := fs.ReadFile(c.plugin, location)
			if err != nil {
				r.errorf("%s: included dashboard %s is not in the archive", p, location)
				continue
			}
			var model struct {
				Title  string            `json:"title"`
				Panels []json.RawMessage `json:"panels"`
			}
			switch err := json.Unmarshal(raw, &model); {
			case err != nil:
				r.errorf("%s: included dashboard %s is not JSON: %v", p, location, err)
			case model.Title == "" || model.Panels == nil:
				r.errorf("%s: included dashboard %s is not a dashboard's JSON model (an object with a title and panels)", p, location)
			}
		}
	}
	return fmt.Sprintf("all %d included dashboards are in the archive", checked)
}

// checkLogos checks that every plugin names a small and a large logo, which
// Grafana shows in its plugin catalog, and that each is an image.
func checkLogos(c *pluginContext, r *reporter) string {
	for _, f := range referencedFiles(c) {
		if f.kind == "screenshot" {
			continue
		}
		if strings.TrimSpace(f.path) == "" {
			r.errorf("%s: info.logos has an empty %s path", f.metadata, f.kind)
			continue
		}
		checkImage(c, r, f)
	}
	logos := c.main().Info.Logos
	return fmt.Sprintf("logos %s and %s are images", logos.Small, logos.Large)
}

// checkScreenshots checks the screenshots grafana.com shows on the plugin's
// page: there should be some, each with a path to an image.
func checkScreenshots(c *pluginContext, r *reporter) string {
	screenshots := c.main().Info.Screenshots
	if len(screenshots) == 0 {
		r.warnf("plugin.json lists no screenshots in info.screenshots; grafana.com shows them on the plugin's page")
	}
	for _, f := range referencedFiles(c) {
		if f.kind != "screenshot" {
			continue
		}
		if strings.TrimSpace(f.path) == "" {
			r.errorf("%s: a screenshot in info.screenshots has an empty path", f.metadata)
			continue
		}
		checkImage(c, r, f)
	}
	return fmt.Sprintf("%d screenshots, each an image", len(screenshots))
}

// checkImage reports a referenced file that exists but is not an image; a
// missing or malformed path is reported by metadatapaths.
func checkImage(c *pluginContext, r *reporter, f referencedFile) {
	location, ok := f.location()
	if !ok {
		return
	}
	content, ok := readPluginFile(c, location)
	if ok && !isImage(content) {
		r.errorf("%s: %s %s is not an SVG, PNG, JPEG, GIF or WebP image", f.metadata, f.kind, location)
	}
}

func isImage(content []byte) bool {
	switch http.DetectContentType(content) {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return isSVG(content)
}

// isSVG reports whether content is an XML document whose root is <svg>.
func isSVG(content []byte) bool {
	decoder := xml.NewDecoder(bytes.NewReader(content))
	for {
		token, err := decoder.Token()
		if err != nil {
			return false
		}
		if start, ok := token.(xml.StartElement); ok {
			return start.Name.Local == "svg"
		}
	}
}
