package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// nestedArchiveSuffixes and nestedArchiveMagic recognise archives packed
// inside the plugin archive: Grafana installs the files as they are, so an
// archive inside is either a packaging mistake or content nobody reviewed.
var nestedArchiveSuffixes = []string{".zip", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".7z", ".rar", ".jar"}

var nestedArchiveMagic = [][]byte{
	[]byte("PK\x03\x04"),         // zip, jar
	[]byte("\x1f\x8b"),           // gzip
	[]byte("7z\xbc\xaf\x27\x1c"), // 7-Zip
	[]byte("Rar!\x1a\x07"),       // RAR
	[]byte("\xfd7zXZ\x00"),       // xz
}

// checkArchiveLayout checks that the archive holds exactly one directory,
// which Grafana installs as the plugin, and finds the plugin's files in it.
func checkArchiveLayout(c *pluginContext, r *reporter) string {
	for _, f := range c.zip.File {
		if name := strings.TrimSuffix(f.Name, "/"); !fs.ValidPath(name) || strings.Contains(name, `\`) {
			r.errorf("entry %q is not a relative slash-separated path inside the archive; extracting it could write outside the plugin directory", f.Name)
		}
	}
	if len(r.findings) > 0 {
		return ""
	}

	topLevel := topLevelEntries(c.zip.File)
	switch {
	case len(topLevel) == 0:
		r.errorf("archive is empty")
		return ""
	case len(topLevel) > 1:
		names := make([]string, 0, len(topLevel))
		for name := range topLevel {
			names = append(names, name)
		}
		sort.Strings(names)
		r.errorf("archive has %d top-level entries (%s); it must hold a single directory named after the plugin id", len(names), strings.Join(names, ", "))
		return ""
	}
	var rootName string
	var isDir bool
	for name, dir := range topLevel { // the only entry
		rootName, isDir = name, dir
	}
	if !isDir {
		r.errorf("archive holds the file %q at its top level; it must hold a single directory named after the plugin id", rootName)
		return ""
	}

	for _, f := range c.zip.File {
		if !f.FileInfo().IsDir() && isArchive(f) {
			r.errorf("%s is an archive inside the plugin archive; Grafana does not unpack nested archives", f.Name)
		}
	}

	// Sub only fails on an invalid path, and every entry name was checked.
	root, _ := fs.Sub(c.zip, rootName)
	c.rootName = rootName
	c.plugin = root
	if info, err := fs.Stat(root, "dist"); err == nil && info.IsDir() {
		// Old packaging put the build output under <id>/dist; Grafana still
		// loads it from there, so the other analyzers look there too.
		r.errorf("%s/dist/ holds the build output; the plugin files must sit directly in %s/", rootName, rootName)
		c.plugin, _ = fs.Sub(root, "dist")
	}
	return fmt.Sprintf("a single root directory %s/, no nested archives", rootName)
}

// topLevelEntries maps each top-level name in the archive to whether it is a
// directory.
func topLevelEntries(files []*zip.File) map[string]bool {
	entries := map[string]bool{}
	for _, f := range files {
		first, _, hasSlash := strings.Cut(f.Name, "/")
		entries[first] = entries[first] || hasSlash
	}
	return entries
}

func isArchive(f *zip.File) bool {
	lower := strings.ToLower(f.Name)
	for _, suffix := range nestedArchiveSuffixes {
		if strings.HasSuffix(lower, suffix) {
			return true
		}
	}
	rc, err := f.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	head := make([]byte, 6)
	n, _ := io.ReadFull(rc, head)
	for _, magic := range nestedArchiveMagic {
		if bytes.HasPrefix(head[:n], magic) {
			return true
		}
	}
	return false
}

// checkArchiveName checks that the root directory is named after the plugin
// id, since Grafana installs the plugin under that directory name, and that
// the file follows the <id>-<version>[.<os>_<arch>].zip naming Grafana's
// packaging documentation uses.
func checkArchiveName(c *pluginContext, r *reporter) string {
	meta := c.main()
	if meta.ID != "" && c.rootName != meta.ID {
		r.errorf("root directory is %s/ but the plugin id is %s; the archive must contain a directory named %s", c.rootName, meta.ID, meta.ID)
	}
	fileName := filepath.Base(c.archivePath)
	expected := meta.ID + "-" + meta.Info.Version
	if base := strings.TrimSuffix(fileName, path.Ext(fileName)); path.Ext(fileName) != ".zip" || (base != expected && !strings.HasPrefix(base, expected+".")) {
		r.warnf("archive file is named %s; Grafana's packaging names it %s.zip (or %s.<os>_<arch>.zip)", fileName, expected, expected)
	}
	return fmt.Sprintf("root directory %s/ matches the plugin id, file %s", c.rootName, fileName)
}
