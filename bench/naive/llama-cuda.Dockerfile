# Naive single-stage build of the same server as images/llama-cuda (for size comparison only; bench/images.py).
# What a typical Dockerfile does: one stage on the distro image, the packages installed with apt
# (no recommends, apt lists removed), curl for the health check. Build context: images/.
ARG BASE_IMAGE=aistack/debian-base:sid
FROM ${BASE_IMAGE}
RUN sed -i -E '/^deb /{/ contrib/! s/ main( |$)/ main contrib non-free non-free-firmware\1/}' /etc/apt/sources.list \
 && apt-get -o Acquire::Check-Valid-Until=false update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl \
      llama.cpp-tools libggml0-backend-cuda \
 && rm -rf /var/lib/apt/lists/*
USER 65532:65532
ENV LLAMA_ARG_HOST=0.0.0.0 LLAMA_ARG_PORT=8080
EXPOSE 8080
HEALTHCHECK CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["/usr/bin/llama-server"]
