#!/usr/bin/env bash
# Builds the debian:bookworm fixture: debootstrap --variant=minbase from the mirror
# apt is configured with. Usage: build-debian.sh OUT.tar
set -euo pipefail
out=$1
command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >/dev/null
# The first non-security Debian URI of an active (uncommented) apt source line.
mirror=$( (cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true) \
  | grep -vE '^\s*#' | grep -oE 'https?://[^ ]*debian/?' | grep -v security | head -n1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/log" 2>&1 \
  || { tail -n 20 "$work/log" >&2; exit 1; }
rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/*
tar --numeric-owner --xattrs -C "$work/rootfs" -cf "$out.part" .
mv "$out.part" "$out"
