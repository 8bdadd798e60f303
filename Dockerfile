# syntax=docker/dockerfile:1
#
# dlprelay container image: a static binary on distroless, running as the
# unprivileged user 65532.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t dlprelay .
#   docker run -v ./etc:/etc/dlprelay:ro -v dlprelay-data:/var/lib/dlprelay \
#       -p 10025:10025 -p 8025:8025 dlprelay
#
# /etc/dlprelay must hold dlprelay.yaml and the customer list it names. The
# defaults listen on 127.0.0.1, which is unreachable from outside a container:
# the config should set smtp.listen: ":10025", admin.listen: ":8025" and
# data_dir: /var/lib/dlprelay (quarantine and spool, a volume owned by 65532).
#
# Read-only root filesystem: the relay writes only to data_dir, so
#   docker run --read-only --cap-drop ALL --security-opt no-new-privileges ...
# (or Kubernetes readOnlyRootFilesystem: true) works as long as
# /var/lib/dlprelay is a writable volume. Attachment extraction also spools
# archives, documents and PDFs to unlinked temporary files in $TMPDIR (and
# SQLite may put its temporary files there); TMPDIR is set to the data
# volume below, so /tmp need not be writable. To keep them off the data
# volume instead, run with --tmpfs /tmp -e TMPDIR=/tmp (tmpfs is memory:
# size it for scan.max_part_bytes times the concurrent messages).

ARG GO_VERSION=1.27

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
# .git is not in the build context (.dockerignore), so the version comes from
# the VERSION build argument and VCS stamping is off.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -buildvcs=false \
        -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/dlprelay ./cmd/dlprelay \
 && mkdir -p /out/etc/dlprelay /out/var/lib/dlprelay

# distroless/static has CA certificates (for upstream STARTTLS), tzdata and
# /etc/passwd entries for nonroot (65532), and no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/dlprelay /dlprelay
COPY --from=build /out/etc/dlprelay /etc/dlprelay
COPY --from=build --chown=65532:65532 /out/var/lib/dlprelay /var/lib/dlprelay
USER 65532:65532
VOLUME ["/etc/dlprelay", "/var/lib/dlprelay"]
# 10025: SMTP from the company MTA; 8025: /metrics, /healthz, /readyz.
EXPOSE 10025 8025
# Temporary files go to the data volume (see the read-only note above).
ENV TMPDIR=/var/lib/dlprelay
# `dlprelay healthcheck` GETs /readyz on the config's admin.listen (":8025"
# is asked on 127.0.0.1) and exits 0 on 200, 1 otherwise; it needs no shell
# or curl. /readyz also fails while the upstream has not answered within
# admin.ready_upstream_within, so "unhealthy" can mean the upstream is down.
# With admin.tls it asks https://127.0.0.1:... and verifies the certificate
# against the system roots: the certificate must name 127.0.0.1, or override
# the HEALTHCHECK with -insecure added.
# HEALTHCHECK is kept only in the Docker image format (docker build, or
# buildah/podman build --format docker); OCI images drop it. On Kubernetes,
# use an httpGet readinessProbe on :8025/readyz instead.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD ["/dlprelay", "healthcheck", "-config", "/etc/dlprelay/dlprelay.yaml"]
ENTRYPOINT ["/dlprelay"]
CMD ["serve", "-config", "/etc/dlprelay/dlprelay.yaml"]
