# Naive single-stage build of the same server as images/model-fetch (for size comparison only; bench/images.py).
# What a typical Dockerfile does: one stage on the distro image, the package installed with apt
# (no recommends, apt lists removed), curl for the health check. Build context: images/.
ARG BASE_IMAGE=aistack/debian-base:sid
FROM ${BASE_IMAGE}
RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl busybox-static \
 && rm -rf /var/lib/apt/lists/*
COPY model-fetch/fetch-model.sh /usr/local/bin/fetch-model
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/fetch-model"]
