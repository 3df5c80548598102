package main

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
)

// executablePermissions is the exact mode the validator requires of backend
// binaries: Grafana starts them directly, so they must be executable, and
// nobody but the owner may write them.
const executablePermissions fs.FileMode = 0o755

// checkBackendBinary checks that plugin.json's backend, alerting and
// executable fields agree and that the declared executable was packaged.
func checkBackendBinary(c *pluginContext, r *reporter) string {
	var summaries []string
	for _, p := range c.metadataPaths() {
		meta := c.metadata[p]
		switch {
		case meta.Alerting && !meta.Backend:
			r.errorf("%s: alerting is true but backend is false; Grafana only runs alert queries on backend plugins", p)
			continue
		case meta.Executable != "" && !meta.Backend:
			r.errorf("%s: executable is %q but backend is false; set backend to true or remove the executable", p, meta.Executable)
			continue
		case meta.Backend && meta.Executable == "":
			r.errorf("%s: backend is true but no executable is declared", p)
			continue
		case meta.Executable == "":
			continue
		}

		binaries := executableFiles(c, p, meta.Executable, false)
		if len(binaries) == 0 {
			r.errorf("%s: backend is true but the archive has no %s* binary next to it", p, meta.Executable)
			continue
		}
		// Grafana looks for <executable>_<os>_<arch>[.exe] and ignores
		// anything else.
		platformName := regexp.MustCompile(`^` + regexp.QuoteMeta(path.Base(meta.Executable)) + `_[0-9a-z]+_[0-9a-z]+(\.exe)?$`)
		for _, binary := range binaries {
			if !platformName.MatchString(path.Base(binary)) {
				r.warnf("%s is not named %s_<os>_<arch>, so Grafana will not start it", binary, path.Base(meta.Executable))
			}
		}
		summaries = append(summaries, strings.Join(binaries, ", "))
	}
	if len(summaries) == 0 {
		return "no backend declared"
	}
	return "backend binaries " + strings.Join(summaries, "; ")
}

// checkBinaryPermissions checks that every backend binary except Windows
// ones, whose permissions Windows ignores, has exactly mode 0755.
func checkBinaryPermissions(c *pluginContext, r *reporter) string {
	var checked []string
	for _, p := range c.metadataPaths() {
		meta := c.metadata[p]
		if meta.Executable == "" {
			continue
		}
		binaries := executableFiles(c, p, meta.Executable, true)
		if len(binaries) == 0 {
			r.errorf("%s: no binary for the executable %s was found", p, meta.Executable)
			continue
		}
		for _, binary := range binaries {
			if strings.HasSuffix(binary, ".exe") {
				continue
			}
			info, err := fs.Stat(c.plugin, binary)
			if err != nil {
				r.errorf("cannot read the permissions of %s: %v", binary, err)
				continue
			}
			if mode := info.Mode().Perm(); mode != executablePermissions {
				r.errorf("%s has mode %04o; backend binaries must have mode %04o (%s)", binary, mode, executablePermissions, executablePermissions)
				continue
			}
			checked = append(checked, binary)
		}
	}
	if len(checked) == 0 {
		return "no backend binaries to check"
	}
	return fmt.Sprintf("%s: mode %04o", strings.Join(checked, ", "), executablePermissions)
}

// executableFiles lists the regular files whose names start with the
// executable's name in the executable's directory (relative to the
// plugin.json at metadataPath) and, with recursive, below it.
func executableFiles(c *pluginContext, metadataPath, executable string, recursive bool) []string {
	dir := path.Join(path.Dir(metadataPath), path.Dir(executable))
	prefix := path.Base(executable)
	var found []string
	_ = fs.WalkDir(c.plugin, dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return fs.SkipDir // the directory is missing: nothing found
		case d.IsDir() && p != dir && !recursive:
			return fs.SkipDir
		case d.Type().IsRegular() && strings.HasPrefix(d.Name(), prefix):
			found = append(found, p)
		}
		return nil
	})
	sort.Strings(found)
	return found
}
