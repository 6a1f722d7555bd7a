# The worker image: Beam's Python SDK harness with corpusforge and its dependencies installed as the lock
# pins them, so that workers run the launcher's library versions (the extractors' output depends on them:
# same input and config, same bytes). For Dataflow, Flink and Spark (run_configs/dataflow.yaml, flink.yaml,
# spark.yaml), from the repository root:
#   docker build -t <registry>/corpusforge-beam:0.1.0 . && docker push <registry>/corpusforge-beam:0.1.0
# The launcher must run the image's Python minor version and apache-beam version (the lock's); another
# Python: --build-arg PYTHON_VERSION=3.12. A Dask worker image (README, Running at scale) from Dask's own:
#   docker build --build-arg BASE=ghcr.io/dask/dask:2026.8.0-py3.11 --build-arg EXTRAS=dask,gcp,aws \
#     -t <registry>/corpusforge-dask:0.1.0 .
ARG PYTHON_VERSION=3.11
ARG BEAM_VERSION=2.77.0
ARG BASE=apache/beam_python${PYTHON_VERSION}_sdk:${BEAM_VERSION}
FROM ${BASE}
# gcp and aws: Beam's gs:// and s3:// filesystems inside the workers.
ARG EXTRAS=gcp,aws

WORKDIR /opt/corpusforge
COPY pyproject.toml constraints.txt README.md ./
COPY pipeline pipeline
COPY transforms transforms
COPY tokenizer tokenizer
# The base image's entrypoint stays: Beam's boot program (it starts the SDK harness), or Dask's.
RUN pip install --no-cache-dir -c constraints.txt ".[${EXTRAS}]"
