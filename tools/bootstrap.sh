#!/usr/bin/env bash
# Set up vjhost on a fresh Debian/Ubuntu machine: system libraries (when root),
# a virtual environment in .venv with the CPU/CUDA torch wheel pinned, vjhost,
# its built-in plugins and the persona packs.  Safe to run again: it only adds
# what is missing.
#
#   bash tools/bootstrap.sh          # for the show
#   bash tools/bootstrap.sh --test   # plus what the tests need (pytest, JACK, Xvfb, MLflow, onnx)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

# Mesa EGL (headless GL), PortAudio (audio in/out); for tests also JACK (a
# real-time audio/MIDI server with a dummy backend), Xvfb (a window without a
# display) and Chromium with its driver (the web surface's browser tests).
pkgs="libegl1 libegl-mesa0 libgl1-mesa-dri libgl1 libportaudio2 gcc"
[ $want_test = 1 ] && pkgs="$pkgs jackd2 xvfb chromium chromium-driver"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "bootstrap: installing system packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "bootstrap: please install these system packages first (as root):$missing" >&2
    exit 1
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv"
  "$PY" -m venv .venv
fi
pip=(.venv/bin/python -m pip --disable-pip-version-check -q)
# torch is pinned: an unpinned install pulls a multi-GB CUDA build where a CPU wheel is wanted.
if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  echo "bootstrap: installing torch (pinned)"
  "${pip[@]}" install "torch==${VJHOST_TORCH_VERSION:-2.13.0}"
fi
extra="[link]"
[ $want_test = 1 ] && extra="[link,train,test,videogen,mlops,dev,outputs]"
echo "bootstrap: installing vjhost and the persona packs"
"${pip[@]}" install -e ".${extra}" $(for d in persona_packs/*/; do [ -f "$d/pyproject.toml" ] && echo "-e $d"; done)
echo "bootstrap: done ($(.venv/bin/vjhost packs | wc -l) pack(s) installed)"
