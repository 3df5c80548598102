# Grafana with the Go pprof plugin built from this checkout, so that
# `docker compose up` needs nothing but Docker. Builds with BuildKit and with
# the legacy builder (DOCKER_BUILDKIT=0): no cache mounts, no heredocs, and
# the target architecture falls back to the build container's own when the
# builder does not set TARGETARCH.

# Node as in .nvmrc.
FROM node:22-bookworm AS frontend
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY .config ./.config
COPY tsconfig.json eslint.config.mjs .prettierrc.js README.md CHANGELOG.md LICENSE ./
COPY src ./src
RUN npm run build

FROM golang:1.26-bookworm AS backend
ARG TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY Magefile.go package.json ./
COPY src/plugin.json ./src/plugin.json
COPY pkg ./pkg
RUN arch="${TARGETARCH:-$(go env GOARCH)}"; \
    case "$arch" in \
      amd64) go tool mage -v build:linux ;; \
      arm64) go tool mage -v build:linuxARM64 ;; \
      *) echo "no backend build for $arch: use amd64 or arm64" >&2; exit 1 ;; \
    esac

# The Grafana release whose @grafana/* packages the frontend is built against
# (package.json), checked against the npm registry's published versions.
FROM grafana/grafana:13.1.1
# Outside /var/lib/grafana, so a data volume kept across rebuilds never
# shadows a newly built plugin with an old copy.
ENV GF_PATHS_PLUGINS=/opt/grafana-plugins
COPY --from=frontend /src/dist /opt/grafana-plugins/goscope-pprof-datasource
COPY --from=backend /src/dist/ /opt/grafana-plugins/goscope-pprof-datasource/
