// Command demo is a small Go service that misbehaves on request so the Go
// pprof data source has something real to show: it serves net/http/pprof
// under /debug/pprof/ and Prometheus metrics under /metrics, and on request
// piles goroutines up behind a lock-order deadlock, blocks them on channels,
// leaks them slowly, holds memory, leaks OS threads and burns CPU. A reset
// releases everything.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

// shutdownGrace bounds how long in-flight requests (a running CPU profile,
// say) may take once SIGTERM arrives.
const shutdownGrace = 5 * time.Second

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	svc := &service{}
	var recordFlight func(context.Context)
	if cfg.dumpDir != "" {
		if recordFlight, err = startFlightRecorder(cfg.dumpDir, func() bool { return svc.heldGoroutines() > 0 }); err != nil {
			log.Printf("flight recorder: %v", err)
		}
	}
	if err := svc.startScenario(cfg.scenario); err != nil {
		log.Fatalf("scenario %q: %v", cfg.scenario, err)
	}
	go forceGCEvery(ctx, cfg.gcInterval)
	if cfg.dumpDir != "" {
		go dumpEvery(ctx, cfg.dumpDir, cfg.dumpInterval)
	}
	if recordFlight != nil {
		go recordFlight(ctx)
	}

	srv := &http.Server{
		Addr:              cfg.addr,
		Handler:           svc.handler(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			log.Printf("shutdown: %v", err)
		}
	}()

	log.Printf("demo listening on %s (scenario %q, GC every %s)", cfg.addr, cfg.scenario, cfg.gcInterval)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
	log.Print("demo stopped")
}

// forceGCEvery runs a garbage collection every interval until ctx ends; a
// zero interval disables it. The runtime stamps the moment a goroutine began
// waiting only when a GC finds it blocked, and a goroutine dump prints
// "N minutes" only for stamped goroutines. A mostly idle service allocates
// too little to trigger GCs on its own, so without this its dumps would never
// show how long goroutines have been stuck.
func forceGCEvery(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		return
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			runtime.GC()
		}
	}
}
