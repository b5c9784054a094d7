# vjhost container images (docs/deploy.md).
#
#   docker build --target cpu -t vjhost:cpu .   # Debian + Mesa llvmpipe EGL, torch 2.13.0 CPU: runs anywhere
#   docker build --target gpu -t vjhost:gpu .   # CUDA runtime + torch 2.13.0 CUDA 13.0 build + the NVIDIA driver's EGL
#   docker run --rm -v "$PWD/out:/out" vjhost:cpu                            # renders /out/demo.mp4
#   docker run --rm --gpus all -v "$PWD/out:/out" vjhost:gpu                 # the same on the GPU
#
# ONNX Runtime runs on the CPU in both (the GPU image decodes with torch on CUDA).
# Both images hold vjhost, its built-in plugins, every persona pack (weights
# included) and, with VJHOST_EXTRAS=train (the default), what `vjhost train`
# needs to log to an MLflow server.  Each target is two stages: a build stage
# with compilers makes the virtual environment, the runtime stage copies it.
#
# Offline or behind a TLS-inspecting proxy: wheels put in docker/wheels/ are
# preferred over the index (e.g. the torch CPU wheel), and CA certificates put in
# docker/certs/*.crt are trusted by apt and pip during the build.

ARG CPU_BASE=debian:bookworm-slim
# torch 2.13.0 on PyPI is the CUDA 13.0 build (driver >= 580); for older drivers
# pick another CUDA base and TORCH_INDEX_URL (https://download.pytorch.org/whl/cu126).
ARG CUDA_BASE=nvidia/cuda:13.0.0-runtime-ubuntu24.04

# ------------------------------------------------------------------ CPU / Mesa
FROM ${CPU_BASE} AS cpu-runtime-base
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt
COPY docker/certs/ /usr/local/share/ca-certificates/
# Mesa EGL (headless GL on llvmpipe), PortAudio (sounddevice), Python 3.11
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates python3 python3-venv libegl1 libegl-mesa0 libgl1-mesa-dri libgl1 libportaudio2 \
    && update-ca-certificates \
    && rm -rf /var/lib/apt/lists/*

FROM cpu-runtime-base AS cpu-build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc python3-dev \
    && rm -rf /var/lib/apt/lists/*
ARG TORCH_SPEC=torch==2.13.0+cpu
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG VJHOST_EXTRAS=train
COPY docker/wheels/ /wheels/
RUN python3 -m venv /opt/vjhost \
    && /opt/vjhost/bin/pip install --find-links /wheels --extra-index-url "${TORCH_INDEX_URL}" "${TORCH_SPEC}"
# dependencies first (from pyproject.toml alone), so a change in the sources rebuilds only the last layer
COPY pyproject.toml /src/pyproject.toml
RUN /opt/vjhost/bin/python -c "import sys, tomllib; p = tomllib.load(open('/src/pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + [r for x in sys.argv[1].split(',') if x for r in p['optional-dependencies'][x]]))" \
        "${VJHOST_EXTRAS}" > /tmp/requirements.txt \
    && /opt/vjhost/bin/pip install --find-links /wheels -r /tmp/requirements.txt
COPY . /src
RUN set -- && for d in /src/persona_packs/*/; do if [ -f "$d/pyproject.toml" ]; then set -- "$@" "$d"; fi; done \
    && /opt/vjhost/bin/pip install --no-deps /src "$@" \
    && /opt/vjhost/bin/pip check \
    && /opt/vjhost/bin/vjhost packs

FROM cpu-runtime-base AS cpu
LABEL org.opencontainers.image.title="vjhost (CPU / Mesa)" \
      org.opencontainers.image.description="Real-time AI-driven VJ host: decoders on the CPU, GL on Mesa llvmpipe" \
      org.opencontainers.image.licenses="MIT"
COPY --from=cpu-build /opt/vjhost /opt/vjhost
RUN useradd --create-home --uid 1000 vj && mkdir -p /out /data && chown vj:vj /out /data
ENV PATH=/opt/vjhost/bin:$PATH \
    VJHOST_DATA=/data
USER 1000:1000
WORKDIR /out
CMD ["vjhost", "demo", "--offline", "--out", "/out/demo.mp4"]

# ------------------------------------------------------------------ NVIDIA GPU
FROM ${CUDA_BASE} AS gpu-runtime-base
ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility,graphics,video
COPY docker/certs/ /usr/local/share/ca-certificates/
# glvnd's EGL dispatch + the vendor file that points it at the driver's libEGL_nvidia
# (the NVIDIA container toolkit mounts the driver libraries when "graphics" is asked for).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates python3 python3-venv libglvnd0 libegl1 libgl1 libgles2 libopengl0 libportaudio2 \
    && update-ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /usr/share/glvnd/egl_vendor.d \
    && printf '{\n    "file_format_version" : "1.0.0",\n    "ICD" : {\n        "library_path" : "libEGL_nvidia.so.0"\n    }\n}\n' \
        > /usr/share/glvnd/egl_vendor.d/10_nvidia.json

FROM gpu-runtime-base AS gpu-build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc python3-dev \
    && rm -rf /var/lib/apt/lists/*
ARG TORCH_SPEC=torch==2.13.0
ARG TORCH_INDEX_URL=https://pypi.org/simple
ARG VJHOST_EXTRAS=train
COPY docker/wheels/ /wheels/
RUN python3 -m venv /opt/vjhost \
    && /opt/vjhost/bin/pip install --find-links /wheels --index-url "${TORCH_INDEX_URL}" \
        --extra-index-url https://pypi.org/simple "${TORCH_SPEC}"
# dependencies first (from pyproject.toml alone), so a change in the sources rebuilds only the last layer
COPY pyproject.toml /src/pyproject.toml
RUN /opt/vjhost/bin/python -c "import sys, tomllib; p = tomllib.load(open('/src/pyproject.toml', 'rb'))['project']; \
print('\n'.join(p['dependencies'] + [r for x in sys.argv[1].split(',') if x for r in p['optional-dependencies'][x]]))" \
        "${VJHOST_EXTRAS}" > /tmp/requirements.txt \
    && /opt/vjhost/bin/pip install --find-links /wheels -r /tmp/requirements.txt
COPY . /src
RUN set -- && for d in /src/persona_packs/*/; do if [ -f "$d/pyproject.toml" ]; then set -- "$@" "$d"; fi; done \
    && /opt/vjhost/bin/pip install --no-deps /src "$@" \
    && /opt/vjhost/bin/pip check \
    && /opt/vjhost/bin/vjhost packs

FROM gpu-runtime-base AS gpu
LABEL org.opencontainers.image.title="vjhost (NVIDIA GPU)" \
      org.opencontainers.image.description="Real-time AI-driven VJ host: CUDA decoders, GL through the NVIDIA driver's EGL" \
      org.opencontainers.image.licenses="MIT"
COPY --from=gpu-build /opt/vjhost /opt/vjhost
# uid 1000 like the CPU image (Ubuntu's images give it to a user "ubuntu")
RUN (userdel --remove ubuntu 2>/dev/null || true) \
    && useradd --create-home --uid 1000 vj && mkdir -p /out /data && chown vj:vj /out /data
# the decoder takes CUDA and the GL context the driver's EGL device when they are there, else the CPU
ENV PATH=/opt/vjhost/bin:$PATH \
    VJHOST_DATA=/data
USER 1000:1000
WORKDIR /out
CMD ["vjhost", "demo", "--offline", "--out", "/out/demo.mp4"]
