#!/usr/bin/env bash
# cibuildwheel's before-all on its manylinux_2_28 images (AlmaLinux 8) and musllinux_1_2 images
# (Alpine), for CI services: the build dependencies README.md names, which these images lack or
# have too old (nlohmann-json 3.10+, toml++ 3+, a static libseccomp 2.5+), from their release
# tarballs, each checked by sha256, into /usr/local. On Alpine the image's gcc builds against
# musl itself: the extension and the preload library need libc.musl-ARCH.so.1 only. Not run on this project's own machines (no container runtime there);
# scripts/build_wheels.sh is the release path that is tested (docs/packaging.md).
set -euo pipefail
if command -v apk >/dev/null; then
  apk add --no-cache -q gperf curl linux-headers
else
  dnf install -y -q gperf
fi
work=$(mktemp -d)
cd "$work"
fetch() {  # URL SHA256
  curl -fsSL -o "$(basename "$1")" "$1"
  echo "$2  $(basename "$1")" | sha256sum -c -
}
fetch https://github.com/seccomp/libseccomp/releases/download/v2.5.5/libseccomp-2.5.5.tar.gz \
  248a2c8a4d9b9858aa6baf52712c34afefcf9c9e94b76dce02c1c9aa25fb3375
fetch https://github.com/nlohmann/json/releases/download/v3.11.3/json.tar.xz \
  d6c65aca6b1ed68e7a182f4757257b107ae403032760ed6ef121c9d55e81757d
fetch https://github.com/marzer/tomlplusplus/archive/v3.4.0.tar.gz \
  8517f65938a4faae9ccf8ebb36631a38c1cadfb5efa85d9a72e15b9e97d25155
tar -xzf libseccomp-2.5.5.tar.gz
(cd libseccomp-2.5.5 && ./configure -q --prefix=/usr/local --enable-static --disable-shared \
  CFLAGS="-O2 -fPIC" && make -s -j"$(nproc)" install)
tar -xJf json.tar.xz
cmake -S json -B json-build -DJSON_BuildTests=OFF -DCMAKE_INSTALL_PREFIX=/usr/local >/dev/null
cmake --install json-build >/dev/null
tar -xzf v3.4.0.tar.gz
cp -r tomlplusplus-3.4.0/include/toml++ /usr/local/include/
rm -rf "$work"
