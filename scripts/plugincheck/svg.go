package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
)

// scriptingSVGElements run script or embed another active document. Grafana
// serves plugin SVGs from its own origin, where such content would run with
// the user's session.
var scriptingSVGElements = map[string]bool{
	"script": true, "handler": true, "iframe": true, "frame": true, "frameset": true,
	"embed": true, "object": true, "applet": true,
}

// linkAttributes can carry a javascript: URL that runs when followed or
// loaded.
var linkAttributes = map[string]bool{"href": true, "src": true, "action": true, "formaction": true}

// checkUnsafeSVG checks every SVG in the plugin for script.
func checkUnsafeSVG(c *pluginContext, r *reporter) string {
	var checked []string
	err := fs.WalkDir(c.plugin, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.EqualFold(path.Ext(p), ".svg") {
			return err
		}
		content, err := fs.ReadFile(c.plugin, p)
		if err != nil {
			return err
		}
		checked = append(checked, p)
		for _, problem := range svgScriptProblems(content) {
			r.errorf("%s is unsafe: %s", p, problem)
		}
		return nil
	})
	if err != nil {
		r.errorf("cannot read the plugin's SVG files: %v", err)
	}
	if len(checked) == 0 {
		return "no SVG files"
	}
	return "no script in " + summarize(checked, 10)
}

// svgScriptProblems lists what in an SVG document could run script: scripting
// elements, event handler attributes (on...) and javascript: URLs. A document
// that does not parse is a problem too, since browsers parse leniently what
// this check cannot.
func svgScriptProblems(content []byte) []string {
	var problems []string
	decoder := xml.NewDecoder(bytes.NewReader(content))
	decoder.Entity = xml.HTMLEntity
	for {
		token, err := decoder.Token()
		if errors.Is(err, io.EOF) {
			return problems
		}
		if err != nil {
			return append(problems, "it is not well-formed XML: "+err.Error())
		}
		start, ok := token.(xml.StartElement)
		if !ok {
			continue
		}
		element := strings.ToLower(start.Name.Local)
		if scriptingSVGElements[element] {
			problems = append(problems, fmt.Sprintf("<%s> element", start.Name.Local))
		}
		for _, attr := range start.Attr {
			name := strings.ToLower(attr.Name.Local)
			value := strings.ToLower(strings.Join(strings.Fields(attr.Value), ""))
			switch {
			case strings.HasPrefix(name, "on"):
				problems = append(problems, fmt.Sprintf("event handler attribute %s on <%s>", attr.Name.Local, start.Name.Local))
			case linkAttributes[name] && strings.HasPrefix(value, "javascript:"):
				problems = append(problems, fmt.Sprintf("javascript: URL in %s on <%s>", attr.Name.Local, start.Name.Local))
			}
		}
	}
}
