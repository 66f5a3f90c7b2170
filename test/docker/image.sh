#!/usr/bin/env bash
# The image the real-daemon proof (daemon.test.ts) runs every container in: no registry is reachable,
# so it is built here from Debian bookworm (debootstrap --variant=minbase) with what the stand-ins
# need — nodejs (the stand-in engine), nginx-light (the proxy), python3-minimal (the engines'
# healthcheck; python3 for its http module), curl, prometheus + prometheus-alertmanager + prometheus-node-exporter (the
# monitoring containers and the node exporter, Debian's packages), the docker CLI of the host's
# docker.io (the watchdog acts through the Docker API with it) — and imported with `docker import`. GPUFLEET_ROOTFS_CACHE names a tarball to
# reuse between local runs; CI sets none and builds it fresh.
set -euo pipefail
IMAGE="${1:-gpufleet-test/bookworm:2}"
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "$IMAGE: present"
  exit 0
fi
cache="${GPUFLEET_ROOTFS_CACHE:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -n "$cache" ] && [ -s "$cache" ]; then
  tarball="$cache"
else
  debootstrap --variant=minbase --include=nodejs,nginx-light,python3-minimal,curl,ca-certificates \
    bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }
  # Packages whose maintainer scripts would start services: policy-rc.d keeps them stopped.
  printf '#!/bin/sh\nexit 101\n' >"$work/rootfs/usr/sbin/policy-rc.d"
  chmod 0755 "$work/rootfs/usr/sbin/policy-rc.d"
  chroot "$work/rootfs" apt-get install -y -qq --no-install-recommends \
    python3 prometheus prometheus-alertmanager prometheus-node-exporter >>"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; exit 1; }
  rm -f "$work/rootfs/usr/sbin/policy-rc.d"
  # The watchdog's Docker API client: the docker CLI of Debian's docker.io (one binary, libc only).
  install -m 0755 /usr/bin/docker "$work/rootfs/usr/local/bin/docker"
  chroot "$work/rootfs" apt-get clean
  tarball="$work/rootfs.tgz"
  tar -C "$work/rootfs" -czf "$tarball" .
  if [ -n "$cache" ]; then cp "$tarball" "$cache"; fi
fi
docker import "$tarball" "$IMAGE" >/dev/null
echo "$IMAGE: imported"
