# syntax=docker/dockerfile:1
# The Twilio SIEM Forwarder image (Docs/DEPLOYMENT.md): `docker build -t twilio-siem-forwarder .`
#
#   build          compiles the release binary in the official Swift image
#   binary-source  what `build` made: the binary and the example pipelines
#   binary-prebuilt  the same two taken from the build context instead; with
#                  `--build-arg BINARY=prebuilt` and a context holding `siem-forwarder` and
#                  `pipelines/`, scripts/image-smoke builds the runtime stage from a binary built
#                  outside, so this file stays the one description of the image
#   runtime-base   slim Debian with only what the binary needs, and its non-root user
#   runtime        the image (the last stage, built by default)
#
# Needs BuildKit (Docker 23 and later, buildah): the stage the BINARY argument does not name is skipped.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim
ARG BINARY=source

FROM ${SWIFT_IMAGE} AS build
# Debian's current versions: pinning would break the build at the archive's next security update.
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libsqlite3-dev zlib1g-dev libdeflate-dev libnats-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
COPY Benchmarks/Sources ./Benchmarks/Sources
# Stripped on install: the symbols are half of the binary's 170 MB.
RUN swift build -c release --static-swift-stdlib --product siem-forwarder \
    && install -D -s -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/siem-forwarder" \
        /out/usr/local/bin/siem-forwarder
COPY pipelines /out/usr/share/siem-forwarder/pipelines

FROM scratch AS binary-source
COPY --from=build /out/ /

FROM scratch AS binary-prebuilt
COPY siem-forwarder /usr/local/bin/siem-forwarder
COPY pipelines /usr/share/siem-forwarder/pipelines

# binary-source or binary-prebuilt, a stage of this file rather than an image to tag.
# hadolint ignore=DL3006
FROM binary-${BINARY} AS binary

FROM ${RUNTIME_IMAGE} AS runtime-base
# The binary's shared libraries (scripts/check-runtime-libs compares them with this list) and the
# CA certificates for https to Twilio. Current versions, as in the build stage.
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libsqlite3-0 zlib1g libdeflate0 libnats3.4 libssl3 libprotobuf-c1 libstdc++6 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 siem-forwarder \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /var/lib/twilio-siem-forwarder \
        --shell /usr/sbin/nologin siem-forwarder \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/twilio-siem-forwarder \
    && install -d -o 10001 -g 10001 -m 0755 /var/log/twilio \
    && install -d -m 0755 /etc/siem-forwarder

FROM runtime-base AS runtime
COPY --from=binary /usr/local/bin/siem-forwarder /usr/local/bin/siem-forwarder
COPY --from=binary /usr/share/siem-forwarder /usr/share/siem-forwarder
# `run`, `health`, `validate` and `checkpoint` read the pipeline file named here when --config is
# not given; mount yours there, or point this at one of /usr/share/siem-forwarder/pipelines/.
# STATE_DIR and OUTPUT_DIR are the volumes, and what the example pipelines use by default.
ENV SIEM_FORWARDER_CONFIG=/etc/siem-forwarder/pipeline.yaml \
    STATE_DIR=/var/lib/twilio-siem-forwarder \
    OUTPUT_DIR=/var/log/twilio
USER 10001:10001
WORKDIR /var/lib/twilio-siem-forwarder
VOLUME ["/var/lib/twilio-siem-forwarder", "/var/log/twilio"]
# 8080: Event Streams webhooks (server.listen); 9464: /healthz, /readyz, /status, /metrics (operations.listen).
EXPOSE 8080 9464
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["siem-forwarder", "health"]
ENTRYPOINT ["siem-forwarder", "run"]
