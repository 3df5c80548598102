package settings

import (
	"strings"
	"testing"
)

func TestDumpBuckets(t *testing.T) {
	secrets := map[string]string{
		SecretObjectStorageAccessKey: "store-ak", SecretObjectStorageSecretKey: "store-sk",
		DumpBucketAccessKey("other"): "other-ak", DumpBucketSecretKey("other"): "other-sk",
	}
	s, err := load(t, `{
		"objectStorage":{"endpoint":"http://seaweedfs:8333","bucket":"pprof","prefix":"store","pathStyle":true},
		"dumpBuckets":[
			{"name":"holmes","prefix":"holmes/api","glob":"goroutine.*"},
			{"name":"other","endpoint":"https://s3.eu-west-1.amazonaws.com","region":"eu-west-1","bucket":"crash-cores","prefix":"/cores/"},
			{"name":"public","endpoint":"https://minio.example:9000","bucket":"open-dumps"}
		]}`, secrets)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.DumpBuckets) != 3 {
		t.Fatalf("%+v", s.DumpBuckets)
	}
	shared, other, public := s.DumpBuckets[0], s.DumpBuckets[1], s.DumpBuckets[2]
	if c := shared.S3; c.Endpoint != "http://seaweedfs:8333" || c.Bucket != "pprof" || c.Prefix != "holmes/api" || !c.PathStyle ||
		c.AccessKey != "store-ak" || shared.Glob != "goroutine.*" {
		t.Errorf("a source sharing the store's endpoint: %+v", shared)
	}
	if c := other.S3; c.Bucket != "crash-cores" || c.Prefix != "cores" || c.Region != "eu-west-1" || c.PathStyle || c.AccessKey != "other-ak" || c.SecretKey != "other-sk" {
		t.Errorf("a source with its own endpoint and keys: %+v", other)
	}
	if c := public.S3; c.AccessKey != "" || c.SecretKey != "" {
		t.Errorf("a source of its own without keys is anonymous: %+v", public)
	}
}

func TestDumpBucketsRefused(t *testing.T) {
	for _, c := range []struct{ json, want string }{
		{`{"dumpBuckets":[{"name":"a","prefix":"x"}]}`, "configure object storage for it to share"},
		{`{"dumpBuckets":[{"name":"a b","endpoint":"http://s3:8333","bucket":"bkt"}]}`, "a name of letters"},
		{`{"dumpBuckets":[{"name":"a","endpoint":"http://s3:8333","bucket":"bkt"},{"name":"a","endpoint":"http://s3:8333","bucket":"bkt"}]}`, "used twice"},
		{`{"dumpBuckets":[{"name":"a","endpoint":"ftp://s3","bucket":"bkt"}]}`, `dump bucket "a": endpoint "ftp://s3" is not an http(s) URL`},
		{`{"dumpBuckets":[{"name":"a","endpoint":"http://s3:8333","bucket":"bkt","prefix":"../up"}]}`, "is not a clean path"},
		{`{"dumpBuckets":[{"name":"a","endpoint":"http://s3:8333","bucket":"bkt","glob":"["}]}`, "glob"},
		{`{"dumpBuckets":[{"name":"a","endpoint":"http://s3:8333","bucket":"bkt","executable":"../app"}]}`, "not a clean key"},
	} {
		_, err := load(t, c.json, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.json, err, c.want)
		}
	}
}
