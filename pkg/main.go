// Command gpx_pprof is the backend of the Go pprof data source. Grafana
// starts it as a plugin process and talks to it over gRPC.
package main

import (
	"net/http"
	_ "net/http/pprof" // served only when debugAddrEnv is set
	"os"

	"github.com/KimMachineGun/automemlimit/memlimit"
	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/goscope/pprof/pkg/plugin"
)

// memoryLimitRatio is the share of a container's memory limit given to
// the Go runtime as its soft limit. Go lets the heap grow to twice what is
// live before collecting, and a parsed million-goroutine dump is hundreds
// of MiB live: under a container limit that slack is what gets a process
// killed. The rest of the limit is for what the runtime does not count,
// above all dump files mapped while they are parsed (page cache, which
// the kernel can reclaim).
const memoryLimitRatio = 0.75

// debugAddrEnv, when set (e.g. 127.0.0.1:6061), makes the process serve
// its own net/http/pprof endpoints there, for measuring the plugin itself
// (scripts/bench-targets.sh reads its heap profile). Unset, nothing
// listens.
const debugAddrEnv = "GOSCOPE_PPROF_DEBUG_ADDR"

func main() {
	if addr := os.Getenv(debugAddrEnv); addr != "" {
		go func() {
			err := http.ListenAndServe(addr, nil)
			log.DefaultLogger.Error("the plugin's own pprof endpoints stopped", "address", addr, "error", err)
		}()
	}
	// GOMEMLIMIT, when set, wins; without a cgroup limit nothing is set.
	if _, err := memlimit.Set(memlimit.WithRatio(memoryLimitRatio)); err != nil {
		log.DefaultLogger.Debug("no soft memory limit from the container", "error", err)
	}
	// Manage serves until Grafana stops the process, creating one instance
	// per data source and replacing it whenever its settings change.
	if err := datasource.Manage("goscope-pprof-datasource", plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error(err.Error())
		os.Exit(1)
	}
}
