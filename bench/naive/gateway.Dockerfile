# Naive single-stage build of the same server as images/gateway (for size comparison only; bench/images.py).
# What a typical Dockerfile does: one stage on the distro image, the package installed with apt
# (no recommends, apt lists removed), curl for the health check. Build context: images/.
ARG BASE_IMAGE=aistack/debian-base:sid
FROM ${BASE_IMAGE}
RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl nginx \
 && rm -rf /var/lib/apt/lists/*
COPY gateway/nginx.conf /etc/nginx/nginx.conf
USER 65532:65532
EXPOSE 8080
HEALTHCHECK CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/sbin/nginx", "-g", "daemon off;"]
