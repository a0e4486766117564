# Naive single-stage build of the same server as images/prometheus (for size comparison only; bench/images.py).
# What a typical Dockerfile does: one stage on the distro image, the package installed with apt
# (no recommends, apt lists removed), curl for the health check. Build context: images/.
ARG BASE_IMAGE=aistack/debian-base:sid
FROM ${BASE_IMAGE}
RUN apt-get -o Acquire::Check-Valid-Until=false update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl prometheus \
 && rm -rf /var/lib/apt/lists/*
COPY prometheus/prometheus.yml /etc/prometheus/prometheus.yml
USER 65532:65532
EXPOSE 9090
HEALTHCHECK CMD curl -fsS http://127.0.0.1:9090/-/healthy || exit 1
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus", "--web.listen-address=:9090"]
