#!/usr/bin/env bash
# Debian packages the test suite uses, installed when missing (npm test runs this first,
# so `npm ci && npm test` works on a fresh machine; .ci/run relies on it too):
# - cloud-init: its own schema validator checks every rendered bootstrap document;
# - kubectl (Debian's kubernetes-client when the machine has none): reads the
#   kubeconfigs Slipway hands out;
# - isoinfo and genisoimage (genisoimage), xorriso, blkid (util-linux): read back the
#   NoCloud ISOs Slipway builds, and build reference images to compare with;
# - chromium: the dashboard's browser tests drive it through playwright-core (never a
#   downloaded browser);
# - etcd (etcd-server): the etcd store tests start a 3-member cluster on loopback.
set -euo pipefail

packages=()
command -v cloud-init >/dev/null || packages+=(cloud-init)
command -v kubectl >/dev/null || packages+=(kubernetes-client)
command -v isoinfo >/dev/null || packages+=(genisoimage)
command -v xorriso >/dev/null || packages+=(xorriso)
[ -x /usr/bin/chromium ] || packages+=(chromium)
command -v etcd >/dev/null || packages+=(etcd-server)
PATH="$PATH:/usr/sbin:/sbin" command -v blkid >/dev/null || packages+=(util-linux)
((${#packages[@]})) || exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "The tests need these Debian packages: ${packages[*]}." >&2
  echo "Install them (sudo apt-get install ${packages[*]}) and run the tests again." >&2
  exit 1
fi
echo "Installing Debian packages the tests need: ${packages[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
