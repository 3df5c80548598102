package main

import (
	"strings"
	"testing"
)

func TestGoodArchivePassesEveryAnalyzer(t *testing.T) {
	for _, withSource := range []bool{true, false} {
		archive, source := goodFixture(t).write(t)
		if !withSource {
			source = ""
		}
		findings := checkArchive(archive, source)
		ran := map[string]bool{}
		for _, f := range findings {
			ran[f.analyzer] = true
			if f.severity != severityOK {
				t.Errorf("with source %v: unexpected finding: %s", withSource, f)
			}
		}
		for _, a := range analyzers {
			if !ran[a.name] {
				t.Errorf("with source %v: analyzer %s did not run:\n%s", withSource, a.name, formatFindings(findings))
			}
		}
	}
}

func TestBrokenArchivesFailTheRightAnalyzer(t *testing.T) {
	tests := []struct {
		name     string
		breakIt  func(t *testing.T, f *fixture)
		analyzer string
		severity severity // error unless given
		message  string   // a part of the expected finding's message
	}{
		// archive
		{"empty archive", func(t *testing.T, f *fixture) { f.files = map[string]testFile{} }, "archive", "", "empty"},
		{"second top-level directory", func(t *testing.T, f *fixture) {
			f.extra["__MACOSX/._plugin.json"] = testFile{content: []byte("x"), mode: 0o644}
		}, "archive", "", "2 top-level entries"},
		{"plugin files at the top level", func(t *testing.T, f *fixture) { f.root = "" }, "archive", "", "top-level entries"},
		{"single file at the top level", func(t *testing.T, f *fixture) {
			f.files = map[string]testFile{}
			f.extra["plugin.json"] = testFile{content: []byte("{}"), mode: 0o644}
		}, "archive", "", "file \"plugin.json\" at its top level"},
		{"entry escaping the archive", func(t *testing.T, f *fixture) {
			f.extra["../evil.sh"] = testFile{content: []byte("x"), mode: 0o755}
		}, "archive", "", "../evil.sh"},
		{"nested zip by name", func(t *testing.T, f *fixture) { f.setFile("vendor/bundle.zip", "not really") }, "archive", "", "bundle.zip is an archive"},
		{"nested gzip by content", func(t *testing.T, f *fixture) { f.setFile("data.bin", "\x1f\x8b\x08\x00rest") }, "archive", "", "data.bin is an archive"},
		{"legacy dist directory", func(t *testing.T, f *fixture) { f.root = testPluginID + "/dist" }, "archive", "", "dist/ holds the build output"},

		// includeddashboards
		{"included dashboard missing", func(t *testing.T, f *fixture) { delete(f.files, "dashboards/overview.json") }, "includeddashboards", "", "dashboards/overview.json is not in the archive"},
		{"included dashboard not a dashboard", func(t *testing.T, f *fixture) { f.setFile("dashboards/overview.json", `{"title": "Overview"}`) }, "includeddashboards", "", "not a dashboard's JSON model"},
		{"included dashboard not JSON", func(t *testing.T, f *fixture) { f.setFile("dashboards/overview.json", "uid: x") }, "includeddashboards", "", "invalid character"},
		{"included dashboard outside the plugin", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) {
				m["includes"] = []any{map[string]any{"type": "dashboard", "name": "Overview", "path": "/etc/overview.json"}}
			})
		}, "includeddashboards", "", "must be relative to plugin.json"},

		// archivename
		{"root directory not the plugin id", func(t *testing.T, f *fixture) { f.root = "demo" }, "archivename", "", "must contain a directory named " + testPluginID},
		{"archive file name", func(t *testing.T, f *fixture) { f.archiveName = "plugin.zip" }, "archivename", severityWarning, "myorg-demo-datasource-1.2.3.zip"},

		// metadata
		{"no plugin.json", func(t *testing.T, f *fixture) { delete(f.files, "plugin.json") }, "metadata", "", "plugin.json is missing"},
		{"plugin.json not JSON", func(t *testing.T, f *fixture) { f.setFile("plugin.json", "{\"id\": ") }, "metadata", "", "not a JSON object"},
		{"plugin.json an array", func(t *testing.T, f *fixture) { f.setFile("plugin.json", "[]") }, "metadata", "", "not a JSON object"},

		// metadatavalid
		{"backend not a boolean", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { m["backend"] = "true" })
		}, "metadatavalid", "", "backend: must be true or false"},
		{"no keywords", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) { delete(info, "keywords") })
		}, "metadatavalid", "", "info.keywords: is required"},
		{"empty keywords", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) { info["keywords"] = []any{} })
		}, "metadatavalid", "", "at least one keyword"},
		{"no dependencies", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { delete(m, "dependencies") })
		}, "metadatavalid", "", "dependencies: is required"},
		{"id with capitals", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { m["id"] = "MyOrg-demo-datasource" })
		}, "metadatavalid", "", "id: \"MyOrg-demo-datasource\" does not match"},
		{"unknown type", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { m["type"] = "widget" })
		}, "metadatavalid", "", "type: \"widget\" is not one of"},
		{"unknown info property", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) { info["homepage"] = "https://example.com" })
		}, "metadatavalid", "", "info.homepage: is not allowed"},
		{"logo not a string", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) { info["logos"] = map[string]any{"small": 1, "large": "img/logo.svg"} })
		}, "metadatavalid", "", "info.logos.small: must be a string, not a number"},
		{"relative link URL", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) {
				info["links"] = []any{map[string]any{"name": "Docs", "url": "docs/index.html"}}
			})
		}, "metadatavalid", "", "info.links[0].url"},
		{"updated not a date", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) { info["updated"] = "yesterday" })
		}, "metadatavalid", "", "info.updated"},
		{"grafanaDependency not a string", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { m["dependencies"] = map[string]any{"grafanaDependency": 12} })
		}, "metadatavalid", "", "dependencies.grafanaDependency: must be a string"},
		{"unknown top-level property", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { m["alertng"] = true })
		}, "metadatavalid", severityWarning, "alertng"},

		// includesnested
		{"nested plugin in a data source", func(t *testing.T, f *fixture) {
			f.files["nested/plugin.json"] = f.files["plugin.json"]
		}, "includesnested", "", "only app plugins may bundle"},

		// org, pluginname, typesuffix
		{"id without org", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { m["id"] = "-demo-datasource" })
		}, "org", "", "does not start with an org"},
		{"name is the id", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { m["name"] = testPluginID })
		}, "pluginname", "", "human-friendly"},
		{"id of two parts", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { m["id"] = "myorg-datasource" })
		}, "pluginname", "", "at least three parts"},
		{"id ending with another type", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { m["id"] = "myorg-demo-panel" })
		}, "typesuffix", "", "must end with its type, -datasource"},

		// version
		{"version placeholder", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) { info["version"] = "%VERSION%" })
		}, "version", "", "%VERSION% placeholder"},
		{"updated placeholder", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) { info["updated"] = "%TODAY%" })
		}, "version", "", "%TODAY% placeholder"},
		{"version not semver", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) { info["version"] = "1.2" })
		}, "version", "", "not a semantic version"},
		{"version not package.json's", func(t *testing.T, f *fixture) {
			f.source["package.json"] = `{"version": "1.3.0"}`
		}, "version", "", "differs from version 1.3.0"},

		// grafanadependency
		{"no grafanaDependency", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { m["dependencies"] = map[string]any{} })
		}, "grafanadependency", "", "missing"},
		{"grafanaDependency not a range", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { m["dependencies"] = map[string]any{"grafanaDependency": ">=twelve"} })
		}, "grafanadependency", "", "not a semver range"},
		{"Grafana Labs plugin without pre-release", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) { info["author"] = map[string]any{"name": "Grafana Labs"} })
		}, "grafanadependency", severityWarning, ">=12.0.0-0"},

		// metadatapaths
		{"logo not in the archive", func(t *testing.T, f *fixture) { delete(f.files, "img/logo.svg") }, "metadatapaths", "", "small logo img/logo.svg is not in the archive"},
		{"logo path with leading ./", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) {
				info["logos"] = map[string]any{"small": "./img/logo.svg", "large": "img/logo.svg"}
			})
		}, "metadatapaths", "", "must be relative to plugin.json"},
		{"screenshot URL", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) {
				info["screenshots"] = []any{map[string]any{"name": "x", "path": "https://example.com/x.png"}}
			})
		}, "metadatapaths", "", "must be relative to plugin.json"},

		// logos
		{"empty logo path", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) { info["logos"] = map[string]any{"small": "img/logo.svg", "large": " "} })
		}, "logos", "", "empty large logo path"},
		{"logo not an image", func(t *testing.T, f *fixture) { f.setFile("img/logo.svg", "TODO: draw a logo") }, "logos", "", "is not an SVG, PNG"},

		// screenshots
		{"no screenshots", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) { delete(info, "screenshots") })
		}, "screenshots", severityWarning, "no screenshots"},
		{"screenshot with empty path", func(t *testing.T, f *fixture) {
			f.editInfo(t, func(info map[string]any) { info["screenshots"] = []any{map[string]any{"name": "x", "path": ""}} })
		}, "screenshots", "", "empty path"},
		{"screenshot not an image", func(t *testing.T, f *fixture) { f.setFile("img/overview.png", "not a picture") }, "screenshots", "", "img/overview.png is not an SVG, PNG"},

		// modulejs
		{"no module.js", func(t *testing.T, f *fixture) { delete(f.files, "module.js") }, "modulejs", "", "module.js is missing"},
		{"empty module.js", func(t *testing.T, f *fixture) { f.setFile("module.js", "\n") }, "modulejs", "", "module.js is empty"},

		// jssourcemap
		{"no source map", func(t *testing.T, f *fixture) { delete(f.files, "module.js.map") }, "jssourcemap", "", "module.js.map is missing"},
		{"source map not JSON", func(t *testing.T, f *fixture) { f.setFile("module.js.map", "//# not json") }, "jssourcemap", "", "not a source map"},
		{"source map without contents", func(t *testing.T, f *fixture) {
			f.setFile("module.js.map", `{"version": 3, "sources": ["webpack://x/./module.ts"], "mappings": ""}`)
		}, "jssourcemap", "", "version 3 source map"},
		{"source changed since the build", func(t *testing.T, f *fixture) {
			f.source["src/module.ts"] = "export const plugin = 2;\n"
		}, "jssourcemap", "", "module.ts (differs)"},
		{"mapped source missing from src", func(t *testing.T, f *fixture) {
			delete(f.source, "src/components/Editor.ts")
		}, "jssourcemap", "", "components/Editor.ts (not in src/)"},

		// backendbinary
		{"no backend binary", func(t *testing.T, f *fixture) {
			delete(f.files, "gpx_demo_linux_amd64")
			delete(f.files, "gpx_demo_windows_amd64.exe")
		}, "backendbinary", "", "no gpx_demo* binary"},
		{"alerting without backend", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { m["backend"] = false })
		}, "backendbinary", "", "alerting is true but backend is false"},
		{"executable without backend", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { m["backend"], m["alerting"] = false, false })
		}, "backendbinary", "", "executable is \"gpx_demo\" but backend is false"},
		{"backend without executable", func(t *testing.T, f *fixture) {
			f.editMetadata(t, func(m map[string]any) { delete(m, "executable") })
		}, "backendbinary", "", "no executable is declared"},
		{"binary without platform suffix", func(t *testing.T, f *fixture) {
			f.files["gpx_demo.sh"] = testFile{content: []byte("#!/bin/sh"), mode: 0o755}
		}, "backendbinary", severityWarning, "gpx_demo.sh is not named gpx_demo_<os>_<arch>"},

		// binarypermissions
		{"binary not executable", func(t *testing.T, f *fixture) {
			f.files["gpx_demo_linux_amd64"] = testFile{content: []byte("\x7fELF"), mode: 0o644}
		}, "binarypermissions", "", "has mode 0644"},
		{"binary group-writable", func(t *testing.T, f *fixture) {
			f.files["gpx_demo_linux_amd64"] = testFile{content: []byte("\x7fELF"), mode: 0o775}
		}, "binarypermissions", "", "has mode 0775"},

		// gomanifest
		{"no Go manifest", func(t *testing.T, f *fixture) { delete(f.files, goManifestName) }, "gomanifest", "", "go_plugin_build_manifest is missing"},
		{"malformed Go manifest", func(t *testing.T, f *fixture) { f.setFile(goManifestName, "abc pkg/main.go\n") }, "gomanifest", "", "line 1 is not <sha256>:<path>"},
		{"Go file changed since the build", func(t *testing.T, f *fixture) {
			f.source["pkg/main.go"] += "// changed\n"
		}, "gomanifest", "", "1 Go files differ from the versions go_plugin_build_manifest lists (rebuild the backend): pkg/main.go"},
		{"Go file added since the build", func(t *testing.T, f *fixture) {
			f.source["pkg/extra.go"] = "package main\n"
		}, "gomanifest", "", "are not in go_plugin_build_manifest (rebuild the backend): pkg/extra.go"},
		{"Go file removed since the build", func(t *testing.T, f *fixture) {
			delete(f.source, "pkg/main_test.go")
		}, "gomanifest", "", "are not in the source: pkg/main_test.go"},

		// readme, templatereadme, changelog, license
		{"no README", func(t *testing.T, f *fixture) { delete(f.files, "README.md") }, "readme", "", "README.md is missing"},
		{"blank README", func(t *testing.T, f *fixture) { f.setFile("README.md", " \n") }, "readme", "", "README.md is empty"},
		{"README with comments", func(t *testing.T, f *fixture) {
			f.setFile("README.md", "# Demo\n<!-- TODO -->\nShows demo data.\n")
		}, "readme", severityWarning, "HTML comments"},
		{"create-plugin repository README", func(t *testing.T, f *fixture) {
			f.setFile("README.md", "# Grafana data source plugin template\n\nThis template is a starting point.\n")
		}, "templatereadme", "", "create-plugin template"},
		{"create-plugin src README", func(t *testing.T, f *fixture) {
			f.setFile("README.md", "<!-- This README file is going to be the one displayed on the Grafana.com website for your plugin. -->\n# Demo\n")
		}, "templatereadme", "", "create-plugin template"},
		{"no CHANGELOG", func(t *testing.T, f *fixture) { delete(f.files, "CHANGELOG.md") }, "changelog", severityWarning, "CHANGELOG.md is missing"},
		{"no LICENSE", func(t *testing.T, f *fixture) { delete(f.files, "LICENSE") }, "license", "", "LICENSE is missing"},
		{"unaccepted LICENSE", func(t *testing.T, f *fixture) { f.setFile("LICENSE", "All rights reserved.\n") }, "license", "", "not a license grafana.com accepts"},
		{"LICENSE with template placeholders", func(t *testing.T, f *fixture) {
			f.setFile("LICENSE", "Apache License\nVersion 2.0, January 2004\n\nCopyright {yyyy} {name of copyright owner}\n")
		}, "license", severityWarning, "{yyyy} {name of copyright owner}"},

		// unsafesvg
		{"SVG with script", func(t *testing.T, f *fixture) {
			f.setFile("img/logo.svg", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
		}, "unsafesvg", "", "<script> element"},
		{"SVG with event handler", func(t *testing.T, f *fixture) {
			f.setFile("img/logo.svg", `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)
		}, "unsafesvg", "", "event handler attribute onload"},
		{"SVG with javascript: link", func(t *testing.T, f *fixture) {
			f.setFile("img/extra.svg", `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href=" JavaScript:alert(1)"><rect/></a></svg>`)
		}, "unsafesvg", "", "javascript: URL in href"},
		{"SVG not well-formed", func(t *testing.T, f *fixture) {
			f.setFile("img/extra.svg", `<svg xmlns="http://www.w3.org/2000/svg"><g></svg>`)
		}, "unsafesvg", "", "not well-formed XML"},
	}

	for _, test := range tests {
		t.Run(test.name, func(t *testing.T) {
			want := test.severity
			if want == "" {
				want = severityError
			}
			f := goodFixture(t)
			test.breakIt(t, f)
			archive, source := f.write(t)
			findings := checkArchive(archive, source)
			for _, finding := range findings {
				if finding.analyzer == test.analyzer && finding.severity == want && strings.Contains(finding.message, test.message) {
					return
				}
			}
			t.Errorf("want %s %s: ...%s...; got:\n%s", want, test.analyzer, test.message, formatFindings(findings))
		})
	}
}

func TestUnreadableArchive(t *testing.T) {
	f := goodFixture(t)
	archive, _ := f.write(t)
	findings := checkArchive(archive+".missing", "")
	if len(findings) != 1 || findings[0].severity != severityError || findings[0].analyzer != "archive" {
		t.Errorf("want one archive error, got:\n%s", formatFindings(findings))
	}
}

func TestAppWithDeclaredNestedPluginPasses(t *testing.T) {
	f := goodFixture(t)
	nested := f.files["plugin.json"]
	f.files["datasource/plugin.json"] = nested
	f.files["datasource/module.js"] = f.files["module.js"]
	f.files["datasource/module.js.map"] = f.files["module.js.map"]
	f.files["datasource/gpx_demo_linux_amd64"] = f.files["gpx_demo_linux_amd64"]
	f.files["datasource/img/logo.svg"] = f.files["img/logo.svg"]
	f.files["datasource/img/overview.png"] = f.files["img/overview.png"]
	f.files["datasource/dashboards/overview.json"] = f.files["dashboards/overview.json"]
	f.editMetadata(t, func(m map[string]any) {
		m["id"], m["type"] = "myorg-demo-app", "app"
		m["includes"] = []any{map[string]any{"type": "datasource", "name": "Demo", "path": "datasource/plugin.json"}}
	})
	f.root = "myorg-demo-app"
	f.archiveName = "myorg-demo-app-1.2.3.zip"
	archive, source := f.write(t)
	for _, finding := range checkArchive(archive, source) {
		if finding.severity == severityError {
			t.Errorf("unexpected: %s", finding)
		}
	}
}

func TestGoManifestAcceptsWindowsLineEndings(t *testing.T) {
	f := goodFixture(t)
	// Checked out with CRLF on Windows and hashed there: the manifest holds
	// the CRLF hash while the checkout given to the check has LF.
	crlf := strings.ReplaceAll(f.source["pkg/main.go"], "\n", "\r\n")
	f.setFile(goManifestName, strings.Replace(f.manifestOfSource(), sha256String([]byte(f.source["pkg/main.go"])), sha256String([]byte(crlf)), 1)+"\r\n")
	archive, source := f.write(t)
	for _, finding := range checkArchive(archive, source) {
		if finding.analyzer == "gomanifest" && finding.severity != severityOK {
			t.Errorf("unexpected: %s", finding)
		}
	}
}

func TestParseVersionRange(t *testing.T) {
	valid := []string{
		">=12.0.0", ">=10.4.0-0", "^11.3.0", "~9.5", "10.x", "*", ">=9.0.0 <12.0.0", ">= 10.4.0",
		"<=11.0.0 || >=12.1.0", "9.0.0 - 10.0.0", "=10.1.2", "v10.0.0", ">=10.0.0-beta.1+build.5",
	}
	for _, text := range valid {
		if err := parseVersionRange(text); err != nil {
			t.Errorf("%q: %v", text, err)
		}
	}
	invalid := []string{">=twelve", ">>10.0.0", "10.0.0.0", "|| >=10.0.0", ">=10.0.0 ||", "=>10.0.0", ">=01.0.0", "latest"}
	for _, text := range invalid {
		if parseVersionRange(text) == nil {
			t.Errorf("%q: accepted", text)
		}
	}
}
