package main

import (
	"bytes"
	"regexp"
	"strings"
)

// checkReadme checks README.md, which Grafana's plugin catalog and
// grafana.com show as the plugin's page.
func checkReadme(c *pluginContext, r *reporter) string {
	content, ok := readPluginFile(c, "README.md")
	switch {
	case !ok:
		r.errorf("README.md is missing; the plugin catalog shows it as the plugin's page")
	case isBlank(content):
		r.errorf("README.md is empty; the plugin catalog shows it as the plugin's page")
	case bytes.Contains(content, []byte("<!--")):
		r.warnf("README.md contains HTML comments, which grafana.com may show as text")
	}
	return "README.md is present"
}

// createPluginReadmes match the READMEs @grafana/create-plugin scaffolds:
// the repository README and the src/README.md that the build packages.
var createPluginReadmes = []*regexp.Regexp{
	regexp.MustCompile(`(?i)grafana\s+(app|panel|data\s*source|data\s*source\s+backend|scenes\s+app)\s+plugin\s+template`),
	regexp.MustCompile(`(?i)this\s+readme\s+file\s+is\s+going\s+to\s+be\s+the\s+one\s+displayed\s+on\s+the\s+grafana\.com\s+website`),
}

// checkTemplateReadme checks that README.md describes this plugin rather than
// being one @grafana/create-plugin scaffolded.
func checkTemplateReadme(c *pluginContext, r *reporter) string {
	content, ok := readPluginFile(c, "README.md")
	if !ok {
		return "no README.md to compare with the templates"
	}
	for _, template := range createPluginReadmes {
		if match := template.Find(content); match != nil {
			r.errorf("README.md is the @grafana/create-plugin template (%q); it should describe the plugin", match)
			break
		}
	}
	return "README.md is not a @grafana/create-plugin template"
}

func checkChangelog(c *pluginContext, r *reporter) string {
	content, ok := readPluginFile(c, "CHANGELOG.md")
	switch {
	case !ok:
		r.warnf("CHANGELOG.md is missing; the plugin catalog shows it as the plugin's change history")
	case isBlank(content):
		r.warnf("CHANGELOG.md is empty")
	}
	return "CHANGELOG.md is present"
}

// licenseSignatures recognise, by phrases of their texts, the license
// families grafana.com accepts for plugins: Apache 2.0, MIT, BSD, 0BSD and
// the GNU GPL, LGPL and AGPL version 3.
var licenseSignatures = []struct {
	name    string
	phrases []string
}{
	{"AGPL-3.0", []string{"gnu affero general public license", "version 3"}},
	{"LGPL-3.0", []string{"gnu lesser general public license", "version 3"}},
	{"GPL-3.0", []string{"gnu general public license", "version 3"}},
	{"Apache-2.0", []string{"apache license", "version 2.0"}},
	{"MIT", []string{"permission is hereby granted, free of charge, to any person obtaining a copy"}},
	{"BSD", []string{"redistribution and use in source and binary forms, with or without modification, are permitted"}},
	{"0BSD", []string{"permission to use, copy, modify, and/or distribute this software for any purpose with or without fee is hereby granted."}},
}

// licenseTemplatePlaceholders are left in a license text copied from a
// template without filling in the copyright line.
var licenseTemplatePlaceholders = []string{"{yyyy}", "{name of copyright owner}", "[yyyy]", "[name of copyright owner]"}

// checkLicense checks that the archive carries a LICENSE that grafana.com
// accepts for plugins.
func checkLicense(c *pluginContext, r *reporter) string {
	content, ok := readPluginFile(c, "LICENSE")
	if !ok {
		r.errorf("LICENSE is missing; the archive must include the plugin's license")
		return ""
	}
	text := strings.ToLower(strings.Join(strings.Fields(string(content)), " "))
	license := ""
	for _, signature := range licenseSignatures {
		if containsAll(text, signature.phrases) {
			license = signature.name
			break
		}
	}
	if license == "" {
		r.errorf("LICENSE is not a license grafana.com accepts for plugins (Apache 2.0, MIT, BSD, 0BSD, GPL-3.0, LGPL-3.0 or AGPL-3.0)")
		return ""
	}
	var placeholders []string
	for _, placeholder := range licenseTemplatePlaceholders {
		if strings.Contains(text, placeholder) {
			placeholders = append(placeholders, placeholder)
		}
	}
	if len(placeholders) > 0 {
		r.warnf("LICENSE still contains the template placeholders %s; fill in the copyright line", strings.Join(placeholders, " "))
	}
	return "LICENSE is " + license
}

func containsAll(text string, phrases []string) bool {
	for _, phrase := range phrases {
		if !strings.Contains(text, phrase) {
			return false
		}
	}
	return true
}
