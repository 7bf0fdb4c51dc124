# kg serve in a container: the graph is built when the image is built, and served read-only.
#   docker build -t supplement-kg .
#   docker run --rm -p 7878:7878 supplement-kg
# Every dependency comes from PyPI (the Oxigraph server is the 'oxigraph' wheel's command).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv/kg
COPY pyproject.toml README.md ./
COPY kg ./kg
COPY ontology ./ontology
COPY queries ./queries
RUN pip install '.[serve]' && useradd --system --home-dir /srv/kg kg

# The shipped monographs (add data files to kg/monographs, or mount a folder and build it instead);
# --outputs graph writes graph.nt, metadata.ttl and the Oxigraph store, not the pictures.
RUN kg build --outputs graph --out /srv/kg/output && chown -R kg /srv/kg/output
USER kg
EXPOSE 7878
# 0.0.0.0 inside the container only: publish the port on the host's loopback or behind a proxy.
CMD ["kg", "serve", "--graph", "/srv/kg/output", "--host", "0.0.0.0", "--port", "7878"]
