# Grafana with the Go pprof plugin built from this checkout, so that
# `docker compose up` needs nothing but Docker.

FROM node:20-bookworm AS frontend
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
RUN if [ "$TARGETARCH" = "arm64" ]; then go tool mage -v build:linuxARM64; else go tool mage -v build:linux; fi

FROM grafana/grafana:13.1.2
# Outside /var/lib/grafana, so a data volume kept across rebuilds never
# shadows a newly built plugin with an old copy.
ENV GF_PATHS_PLUGINS=/opt/grafana-plugins
COPY --from=frontend /src/dist /opt/grafana-plugins/goscope-pprof-datasource
COPY --from=backend /src/dist/ /opt/grafana-plugins/goscope-pprof-datasource/
