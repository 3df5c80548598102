package objstore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/goscope/pprof/pkg/internal/s3server"
	"github.com/goscope/pprof/pkg/objstore"
)

func TestDir(t *testing.T) {
	b, err := objstore.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testBucket(t, b)
}

func TestS3(t *testing.T) {
	srv := s3server.Shared(t)
	b, err := objstore.OpenS3(objstore.S3Config{
		Endpoint: srv.Endpoint, Region: "us-east-1", Bucket: srv.NewBucket(t), Prefix: "team/pprof",
		PathStyle: true, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	testBucket(t, b)
}

func TestS3ExplainsWhatIsWrong(t *testing.T) {
	srv := s3server.Shared(t)
	bucket := srv.NewBucket(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		cfg  objstore.S3Config
		want string
	}{
		{"wrong secret", objstore.S3Config{Bucket: bucket, AccessKey: srv.AccessKey, SecretKey: "wrong"}, "access denied"},
		{"no such bucket", objstore.S3Config{Bucket: "absent-bucket", AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}, "does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Endpoint, tc.cfg.PathStyle, tc.cfg.Region = srv.Endpoint, true, "us-east-1"
			b, err := objstore.OpenS3(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = b.Check(ctx)
			if err == nil {
				_, err = b.List(ctx, "")
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), srv.SecretKey) {
				t.Fatalf("error shows the secret: %v", err)
			}
		})
	}
	for _, bad := range []string{"", "ftp://host", "http://host/path", "not a url"} {
		if _, err := objstore.OpenS3(objstore.S3Config{Endpoint: bad, Bucket: bucket}); err == nil {
			t.Errorf("endpoint %q accepted", bad)
		}
	}
}

func TestDirRemovesWhatACrashLeft(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "a"), 0o750); err != nil {
		t.Fatal(err)
	}
	half := filepath.Join(root, "a", ".tmp-123")
	if err := os.WriteFile(half, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := objstore.OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(half); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary file kept: %v", err)
	}
	if objs, _ := b.List(context.Background(), ""); len(objs) != 0 {
		t.Fatalf("listed %v", objs)
	}
}

// testBucket checks the guarantees every implementation gives.
func testBucket(t *testing.T, b objstore.Bucket) {
	ctx := context.Background()
	put := func(key, body string) {
		t.Helper()
		if err := b.Put(ctx, key, strings.NewReader(body), int64(len(body))); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	get := func(key string) string {
		t.Helper()
		rc, obj, err := b.Get(ctx, key)
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		if obj.Size != int64(len(data)) || obj.Key != key {
			t.Fatalf("get %s described as %+v for %d bytes", key, obj, len(data))
		}
		return string(data)
	}

	put("dumps/a.json", "one")
	put("dumps/a.json", "two")
	put("dumps/b.dump", strings.Repeat("x", 1000))
	put("dumpsother/c", "c")
	put("leases/x", "x")
	if got := get("dumps/a.json"); got != "two" {
		t.Fatalf("replaced object reads %q", got)
	}
	objs, err := b.List(ctx, "dumps/")
	if err != nil {
		t.Fatal(err)
	}
	if keys := keysOf(objs); keys != "dumps/a.json dumps/b.dump" {
		t.Fatalf("list dumps/ = %s", keys)
	}
	if objs[1].Size != 1000 || objs[1].Modified.IsZero() {
		t.Fatalf("listed %+v", objs[1])
	}
	objs, err = b.List(ctx, "dumps")
	if err != nil {
		t.Fatal(err)
	}
	if keys := keysOf(objs); keys != "dumps/a.json dumps/b.dump dumpsother/c" {
		t.Fatalf("list dumps = %s", keys)
	}
	if objs, err := b.List(ctx, "absent/"); err != nil || len(objs) != 0 {
		t.Fatalf("list absent/ = %v, %v", objs, err)
	}
	if info, err := b.Stat(ctx, "dumps/b.dump"); err != nil || info.Size != 1000 {
		t.Fatalf("stat = %+v, %v", info, err)
	}
	if _, err := b.Stat(ctx, "dumps/absent"); !errors.Is(err, objstore.ErrNotExist) {
		t.Fatalf("stat of a missing object: %v", err)
	}
	if _, _, err := b.Get(ctx, "dumps/absent"); !errors.Is(err, objstore.ErrNotExist) {
		t.Fatalf("get of a missing object: %v", err)
	}
	if _, err := objstore.ReadAll(ctx, b, "dumps/b.dump", 999); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("ReadAll beyond its bound: %v", err)
	}

	if err := b.Delete(ctx, "dumps/a.json"); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "dumps/a.json"); err != nil {
		t.Fatalf("deleting a missing object: %v", err)
	}
	if _, err := b.Stat(ctx, "dumps/a.json"); !errors.Is(err, objstore.ErrNotExist) {
		t.Fatalf("deleted object: %v", err)
	}

	for _, bad := range []string{"", "/abs", "a/../b", "a//b", "./a", "a/", ".tmp-x", "a\\b"} {
		if err := b.Put(ctx, bad, strings.NewReader("x"), 1); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}

	// A claim: of many racing writers exactly one wins, and the object is
	// the winner's.
	const racers = 8
	var wg sync.WaitGroup
	results := make([]error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := []byte{byte('a' + i)}
			results[i] = b.PutIfAbsent(ctx, "claims/slot-1", bytes.NewReader(body), 1)
		}()
	}
	wg.Wait()
	winner := -1
	for i, err := range results {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("claims %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, objstore.ErrExists):
			t.Fatalf("claim %d: %v", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no claim won")
	}
	if got := get("claims/slot-1"); got != string(rune('a'+winner)) {
		t.Fatalf("claimed object reads %q, winner was %d", got, winner)
	}
}

func keysOf(objs []objstore.Object) string {
	var keys []string
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	return strings.Join(keys, " ")
}
