// Command gpx_pprof is the backend of the Go pprof data source. Grafana
// starts it as a plugin process and talks to it over gRPC.
package main

import (
	"os"

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/goscope/pprof/pkg/plugin"
)

func main() {
	// Manage serves until Grafana stops the process, creating one instance
	// per data source and replacing it whenever its settings change.
	if err := datasource.Manage("goscope-pprof-datasource", plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error(err.Error())
		os.Exit(1)
	}
}
