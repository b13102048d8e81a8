#!/usr/bin/env bash
# Builds the busybox:latest fixture: a rootfs from Debian's busybox-static package
# with /etc/passwd and /etc/group. Usage: build-busybox.sh OUT.tar
set -euo pipefail
out=$1
command -v busybox >/dev/null && [ -x /bin/busybox ] || apt-get install -y -q busybox-static >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,proc,sys,dev,home,var/tmp}
chmod 1777 "$root/tmp" "$root/var/tmp"
chmod 700 "$root/root"
cp /bin/busybox "$root/bin/busybox"
# One symlink per applet, where busybox itself would install it.
"$root/bin/busybox" --list-full | while read -r applet; do
  [ "$applet" = bin/busybox ] && continue
  mkdir -p "$root/$(dirname "$applet")"
  ln -sf /bin/busybox "$root/$applet"
done
cat > "$root/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > "$root/etc/group" <<'G'
root:x:0:
nogroup:x:65534:
G
tar --numeric-owner -C "$root" -cf "$out.part" .
mv "$out.part" "$out"
