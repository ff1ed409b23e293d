# storybot container image.
#
#   docker build -t storybot:local --build-arg VERSION=$(git describe --always --dirty) .
#
# Build stage: a static, trimmed Go binary. Runtime stage: distroless static
# (CA certificates, /etc/passwd with nonroot, no shell), running as nonroot.
# No "# syntax=" line on purpose: it would make BuildKit fetch a frontend image,
# and the file must also build with the classic builder on engines that cannot
# reach a registry (see scripts/prepare-base-images).

ARG GO_IMAGE=golang:1.26-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/static-debian12:nonroot

FROM ${GO_IMAGE} AS build
WORKDIR /src
# Empty = Go's default (https://proxy.golang.org,direct); set it to use a mirror.
ARG GOPROXY
ENV CGO_ENABLED=0
# Dependencies first, so this layer is reused until go.mod/go.sum change.
COPY go.mod go.sum ./
RUN go mod download && go mod verify
COPY . .
ARG VERSION=dev
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/storybot ./cmd/storybot \
 && mkdir -p /out/rootfs/data \
 && chown 65532:65532 /out/rootfs/data \
 && chmod 0750 /out/rootfs/data

FROM ${RUNTIME_IMAGE}
# /data is copied as a child of /out/rootfs/ so --chown applies to the
# directory itself: a fresh named volume inherits owner 65532 from the image.
COPY --from=build --chown=65532:65532 /out/rootfs/ /
COPY --from=build /out/storybot /storybot
# The binary embeds GPL-licensed data (see NOTICE): its licence travels with it.
COPY LICENSE NOTICE /usr/share/doc/storybot/
USER 65532:65532
ENV CACHE_DIR=/data \
    HTTP_ADDR=:8080
VOLUME /data
EXPOSE 8080
# The image has no shell or curl: the binary checks its own /healthz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/storybot", "healthcheck"]
ENTRYPOINT ["/storybot"]
CMD ["serve"]
