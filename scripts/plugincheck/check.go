package main

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"sort"
)

type severity string

const (
	severityOK      severity = "ok"
	severityWarning severity = "warning"
	severityError   severity = "error"
)

type finding struct {
	severity severity
	analyzer string
	message  string
}

func (f finding) String() string {
	return fmt.Sprintf("%s %s: %s", f.severity, f.analyzer, f.message)
}

// reporter collects the findings of one analyzer.
type reporter struct {
	analyzer string
	findings []finding
}

func (r *reporter) errorf(format string, args ...any) {
	r.findings = append(r.findings, finding{severityError, r.analyzer, fmt.Sprintf(format, args...)})
}

func (r *reporter) warnf(format string, args ...any) {
	r.findings = append(r.findings, finding{severityWarning, r.analyzer, fmt.Sprintf(format, args...)})
}

// requirement is what an analyzer needs the earlier analyzers to have found.
// An analyzer whose requirement is not met is skipped: the earlier failure
// has already been reported and explains why.
type requirement int

const (
	needsArchive     requirement = iota // a readable zip
	needsPluginDir                      // its single root directory
	needsRawMetadata                    // every plugin.json is a JSON object
	needsMetadata                       // every plugin.json has the field types the analyzers read
)

type analyzer struct {
	name  string
	needs requirement
	// run reports problems through r and returns the message printed when
	// it reported none.
	run func(c *pluginContext, r *reporter) string
}

// analyzers run in this order; archive and metadata come first because they
// find the plugin directory and plugin.json the others read.
var analyzers = []analyzer{
	{"archive", needsArchive, checkArchiveLayout},
	{"metadata", needsPluginDir, loadMetadata},
	{"archivename", needsMetadata, checkArchiveName},
	{"metadatavalid", needsRawMetadata, checkMetadataSchema},
	{"includesnested", needsMetadata, checkNestedPlugins},
	{"org", needsMetadata, checkOrg},
	{"pluginname", needsMetadata, checkPluginName},
	{"typesuffix", needsMetadata, checkTypeSuffix},
	{"version", needsMetadata, checkVersion},
	{"grafanadependency", needsMetadata, checkGrafanaDependency},
	{"metadatapaths", needsMetadata, checkMetadataPaths},
	{"includeddashboards", needsMetadata, checkIncludedDashboards},
	{"logos", needsMetadata, checkLogos},
	{"screenshots", needsMetadata, checkScreenshots},
	{"modulejs", needsMetadata, checkModuleJS},
	{"jssourcemap", needsMetadata, checkSourceMaps},
	{"backendbinary", needsMetadata, checkBackendBinary},
	{"binarypermissions", needsMetadata, checkBinaryPermissions},
	{"gomanifest", needsMetadata, checkGoManifest},
	{"readme", needsPluginDir, checkReadme},
	{"templatereadme", needsPluginDir, checkTemplateReadme},
	{"changelog", needsPluginDir, checkChangelog},
	{"license", needsPluginDir, checkLicense},
	{"unsafesvg", needsPluginDir, checkUnsafeSVG},
}

// pluginContext is what the analyzers look at: the archive and, once the
// earlier analyzers have found them, the plugin directory and its metadata.
type pluginContext struct {
	archivePath string
	zip         *zip.Reader
	sourceDir   string // checkout the archive was built from; "" when not given

	rootName string // the archive's single top-level directory
	plugin   fs.FS  // the plugin's files: that directory, or its legacy dist/

	// Every plugin.json in the plugin by its path in plugin; "plugin.json" is
	// the main one and any other is a plugin nested in an app.
	rawMetadata map[string]map[string]any
	metadata    map[string]*pluginJSON
}

func (c *pluginContext) main() *pluginJSON { return c.metadata[mainMetadataPath] }

func (c *pluginContext) satisfies(need requirement) bool {
	switch need {
	case needsPluginDir:
		return c.plugin != nil
	case needsRawMetadata:
		return c.rawMetadata != nil
	case needsMetadata:
		return c.metadata != nil
	}
	return c.zip != nil
}

// metadataPaths lists the plugin.json paths in a stable order, main first.
func (c *pluginContext) metadataPaths() []string {
	paths := make([]string, 0, len(c.rawMetadata))
	for p := range c.rawMetadata {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool {
		if (paths[i] == mainMetadataPath) != (paths[j] == mainMetadataPath) {
			return paths[i] == mainMetadataPath
		}
		return paths[i] < paths[j]
	})
	return paths
}

// checkArchive runs every analyzer on the archive at archivePath.
func checkArchive(archivePath, sourceDir string) []finding {
	zr, err := zip.OpenReader(archivePath)
	// An insecure entry name still yields a reader; the archive analyzer
	// reports each such name.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return []finding{{severityError, "archive", fmt.Sprintf("cannot read %s as a zip archive: %v", archivePath, err)}}
	}
	defer zr.Close()

	c := &pluginContext{archivePath: archivePath, zip: &zr.Reader, sourceDir: sourceDir}
	var findings []finding
	for _, a := range analyzers {
		if !c.satisfies(a.needs) {
			continue
		}
		r := &reporter{analyzer: a.name}
		okMessage := a.run(c, r)
		if len(r.findings) == 0 {
			r.findings = append(r.findings, finding{severityOK, a.name, okMessage})
		}
		findings = append(findings, r.findings...)
	}
	return findings
}

// readPluginFile reads a file of the plugin, reporting whether it exists.
func readPluginFile(c *pluginContext, name string) ([]byte, bool) {
	content, err := fs.ReadFile(c.plugin, name)
	return content, err == nil
}

func isBlank(content []byte) bool {
	return len(bytes.TrimSpace(content)) == 0
}
