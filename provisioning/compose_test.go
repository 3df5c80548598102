package provisioning

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/goscope/pprof/pkg/settings"
)

// The compose file and the image files it builds, checked for the defaults
// a newcomer starts with: nothing reachable from other hosts, anonymous
// visitors who can look but not change, and builds that agree with the
// versions the frontend is built and tested with.

type composeFile struct {
	Services map[string]struct {
		Ports       []string          `yaml:"ports"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
	} `yaml:"services"`
}

// defaultOf replaces each ${VAR:-default} with its default, as compose does
// when VAR is unset.
var defaultOf = regexp.MustCompile(`\$\{[A-Z_]+:-([^}]*)\}`)

func readCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	raw, err := os.ReadFile("../docker-compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestComposePublishesOnLoopbackOnly(t *testing.T) {
	c := readCompose(t)
	for _, name := range []string{"grafana", "demo"} {
		if len(c.Services[name].Ports) == 0 {
			t.Errorf("service %s publishes no port", name)
		}
	}
	for name, svc := range c.Services {
		for _, p := range svc.Ports {
			resolved := defaultOf.ReplaceAllString(p, "$1")
			if parts := strings.Split(resolved, ":"); len(parts) != 3 || parts[0] != "127.0.0.1" {
				t.Errorf("service %s publishes %q (by default %q); want 127.0.0.1:HOST:CONTAINER", name, p, resolved)
			}
		}
	}
	// The demo's misbehave endpoints must never reach other hosts, whatever is set.
	for _, p := range c.Services["demo"].Ports {
		if !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("the demo publishes %q; it must be on 127.0.0.1 with no variable to change that", p)
		}
	}
}

func TestComposeAnonymousVisitorsAreViewers(t *testing.T) {
	env := readCompose(t).Services["grafana"].Environment
	if env["GF_AUTH_ANONYMOUS_ENABLED"] == "true" && env["GF_AUTH_ANONYMOUS_ORG_ROLE"] != "Viewer" {
		t.Errorf("anonymous visitors get the role %q; want Viewer", env["GF_AUTH_ANONYMOUS_ORG_ROLE"])
	}
	if env["GF_SECURITY_ADMIN_USER"] == "" || env["GF_SECURITY_ADMIN_PASSWORD"] == "" {
		t.Error("no admin login is set, so nobody can change anything")
	}
	if got := env["GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"]; got != pluginType {
		t.Errorf("unsigned plugins allowed: %q; want exactly %s", got, pluginType)
	}
}

func TestImageBuildsAgreeWithTheToolchain(t *testing.T) {
	root := readFile(t, "../Dockerfile")
	demo := readFile(t, "../demo/Dockerfile")
	var pkg struct {
		Engines      map[string]string `json:"engines"`
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal([]byte(readFile(t, "../package.json")), &pkg); err != nil {
		t.Fatal(err)
	}
	nvmrc := strings.TrimSpace(readFile(t, "../.nvmrc"))

	// The legacy builder (DOCKER_BUILDKIT=0) knows no cache mounts or heredocs.
	for name, text := range map[string]string{"Dockerfile": root, "demo/Dockerfile": demo} {
		if strings.Contains(text, "--mount=") || strings.Contains(text, "<<") {
			t.Errorf("%s uses BuildKit-only syntax", name)
		}
	}
	// The legacy builder leaves TARGETARCH empty.
	for _, line := range strings.Split(root, "\n") {
		if strings.Contains(line, "$TARGETARCH") || (strings.Contains(line, "${TARGETARCH") && !strings.Contains(line, "${TARGETARCH:-")) {
			t.Errorf("Dockerfile reads TARGETARCH without a fallback: %s", strings.TrimSpace(line))
		}
	}

	grafana := regexp.MustCompile(`(?m)^FROM grafana/grafana:(\S+)`).FindStringSubmatch(root)
	if grafana == nil || grafana[1] != pkg.Dependencies["@grafana/data"] {
		t.Errorf("Dockerfile's Grafana image %v differs from the @grafana/data the frontend is built against, %s", grafana, pkg.Dependencies["@grafana/data"])
	}
	node := regexp.MustCompile(`(?m)^FROM node:(\d+)-`).FindStringSubmatch(root)
	if node == nil || node[1] != nvmrc || pkg.Engines["node"] != ">="+nvmrc {
		t.Errorf("Node versions disagree: .nvmrc %s, engines %q, Dockerfile %v", nvmrc, pkg.Engines["node"], node)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The s3 profile's data source is the default one with its dump store in
// the profile's SeaweedFS bucket, and its settings are valid.
func TestObjectStorageDatasource(t *testing.T) {
	var f datasourcesFile
	decodeStrict(t, "object-storage/datasources.yml", &f)
	if len(f.Datasources) != 1 {
		t.Fatalf("%d data sources", len(f.Datasources))
	}
	js, _ := json.Marshal(f.Datasources[0].JSONData)
	var j settings.JSONData
	if err := json.Unmarshal(js, &j); err != nil {
		t.Fatal(err)
	}
	s, err := settings.FromJSON(j, nil)
	if err != nil {
		t.Fatalf("the provisioned settings are invalid: %v", err)
	}
	if c := s.ObjectStorage; c == nil || c.Endpoint != "http://seaweedfs:8333" || c.Bucket != "go-pprof" || !c.PathStyle {
		t.Errorf("object storage %+v", c)
	}
	mounted := false
	for _, v := range readCompose(t).Services["grafana-s3"].Volumes {
		mounted = mounted || strings.HasPrefix(v, "./provisioning/object-storage/datasources.yml:/etc/grafana/provisioning/datasources/datasources.yml")
	}
	if !mounted {
		t.Error("grafana-s3 does not provision the object storage data source")
	}
}
