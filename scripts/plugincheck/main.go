// Command plugincheck checks a packaged Grafana plugin archive (the zip that
// scripts/package-plugin.sh writes) the way Grafana's plugin validator does
// before a plugin is published or installed.
//
// It follows the validator's offline analyzers, rule by rule, with our own
// implementation, because the validator itself (github.com/grafana/plugin-validator)
// cannot be installed on our machines or CI: its Go module is refused by the
// module proxy and its npm wrapper downloads a release binary from GitHub.
// Analyzers that need the network (grafana.com account and version lookups,
// link checking) or third-party scanners are left out.
//
// Usage:
//
//	go run ./scripts/plugincheck [-source dir] plugin.zip
//
// With -source naming the checkout the archive was built from, the Go build
// manifest is compared with the Go files there, the source map with src/, and
// the plugin version with package.json. Each finding is printed as one line,
// "ok|warning|error <analyzer>: <message>"; the exit status is 1 when any
// finding is an error.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	sourceDir := flag.String("source", "", "checkout the archive was built from, to compare the Go manifest, source map and version with")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: plugincheck [-source dir] plugin.zip")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if *sourceDir != "" {
		if info, err := os.Stat(*sourceDir); err != nil || !info.IsDir() {
			fmt.Fprintf(os.Stderr, "plugincheck: -source %s is not a directory\n", *sourceDir)
			os.Exit(2)
		}
	}

	findings := checkArchive(flag.Arg(0), *sourceDir)
	failed := false
	for _, f := range findings {
		fmt.Println(f)
		if f.severity == severityError {
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}
