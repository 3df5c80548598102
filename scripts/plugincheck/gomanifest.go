package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// goManifestName is the file the plugin SDK's mage build writes next to the
// binaries: one "<sha256>:<path>" line for every Go file of the checkout, so
// reviewers can tie the binaries to the source they are given.
const goManifestName = "go_plugin_build_manifest"

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkGoManifest checks that a backend plugin carries the Go build manifest
// and, given the source checkout, that it lists exactly that checkout's Go
// files with their current contents.
func checkGoManifest(c *pluginContext, r *reporter) string {
	if !c.main().Backend {
		return "not a backend plugin, no Go build manifest needed"
	}
	content, ok := readPluginFile(c, goManifestName)
	if !ok {
		r.errorf("%s is missing; the Go plugin SDK's mage build writes it next to the binaries", goManifestName)
		return ""
	}
	manifest, err := parseGoManifest(content)
	if err != nil {
		r.errorf("%s: %v", goManifestName, err)
		return ""
	}
	if c.sourceDir == "" {
		return fmt.Sprintf("%s lists %d Go files (give -source to compare them with the checkout)", goManifestName, len(manifest))
	}

	sourceHashes, err := goSourceHashes(c.sourceDir)
	if err != nil {
		r.errorf("cannot hash the Go files of %s: %v", c.sourceDir, err)
		return ""
	}
	if len(sourceHashes) == 0 {
		r.warnf("%s has no Go files to compare %s with", c.sourceDir, goManifestName)
		return ""
	}
	var unlisted, changed, removed []string
	for _, file := range sortedKeys(sourceHashes) {
		listed, ok := manifest[file]
		hashes := sourceHashes[file]
		switch {
		case !ok:
			unlisted = append(unlisted, file)
		case listed != hashes.lf && listed != hashes.crlf:
			changed = append(changed, file)
		}
	}
	for _, file := range sortedKeys(manifest) {
		// The source walk leaves node_modules out, as the SDK's does.
		if _, ok := sourceHashes[file]; !ok && !inNodeModules(file) {
			removed = append(removed, file)
		}
	}
	// A stale build can make many files differ: one line per kind of difference.
	if len(unlisted) > 0 {
		r.errorf("%d Go files of the source are not in %s (rebuild the backend): %s", len(unlisted), goManifestName, summarize(unlisted, 10))
	}
	if len(changed) > 0 {
		r.errorf("%d Go files differ from the versions %s lists (rebuild the backend): %s", len(changed), goManifestName, summarize(changed, 10))
	}
	if len(removed) > 0 {
		r.errorf("%d Go files in %s are not in the source: %s", len(removed), goManifestName, summarize(removed, 10))
	}
	return fmt.Sprintf("%s matches the %d Go files of the source", goManifestName, len(sourceHashes))
}

// parseGoManifest maps each listed file, with slash separators, to its hash.
func parseGoManifest(content []byte) (map[string]string, error) {
	manifest := map[string]string{}
	scanner := bufio.NewScanner(bytes.NewReader(content))
	for lineNumber := 1; scanner.Scan(); lineNumber++ {
		line := strings.TrimSpace(scanner.Text())
		if line == "" {
			continue
		}
		hash, file, ok := strings.Cut(line, ":")
		hash, file = strings.TrimSpace(hash), strings.TrimSpace(file)
		if !ok || strings.Contains(file, ":") || !sha256Hex.MatchString(hash) || file == "" {
			return nil, fmt.Errorf("line %d is not <sha256>:<path>: %q", lineNumber, line)
		}
		manifest[strings.ReplaceAll(file, `\`, "/")] = hash
	}
	if err := scanner.Err(); err != nil {
		return nil, err
	}
	if len(manifest) == 0 {
		return nil, fmt.Errorf("lists no Go files")
	}
	return manifest, nil
}

// sourceHash holds a file's hash with LF and with CRLF line endings, since a
// manifest written on Windows hashes the CRLF form.
type sourceHash struct{ lf, crlf string }

// goSourceHashes hashes the Go files under dir the way the SDK's manifest
// does, leaving out node_modules, which the SDK skips.
func goSourceHashes(dir string) (map[string]sourceHash, error) {
	hashes := map[string]sourceHash{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "node_modules" {
			return fs.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		content, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		lf := bytes.ReplaceAll(content, []byte("\r\n"), []byte("\n"))
		crlf := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
		hashes[filepath.ToSlash(rel)] = sourceHash{lf: sha256String(lf), crlf: sha256String(crlf)}
		return nil
	})
	return hashes, err
}

func inNodeModules(file string) bool {
	return strings.HasPrefix(file, "node_modules/") || strings.Contains(file, "/node_modules/")
}

func sha256String(content []byte) string {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:])
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
