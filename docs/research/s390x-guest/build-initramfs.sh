#!/bin/bash
# Build (cached, idempotent) an s390x boot kit for qemu-system-s390x:
#   Debian bookworm linux-image-<abi>-s390x + busybox-static:s390x -> initramfs.cpio.gz
# Never touches host apt config: uses a private apt state under $CACHE/apt-s390x.
# Output: prints KERNEL=... INITRD=... ; also symlinks them into $OUT.
# Env: CACHE (default /root/.cache/docrun), OUT (default /tmp/research/guest/out),
#      KPKG (default: whatever linux-image-s390x depends on), EXTRA_MODULES, REFRESH=1
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${CACHE:-/root/.cache/docrun}
OUT=${OUT:-/tmp/research/guest/out}
MODULES="virtio_blk virtio_net 9pnet_virtio 9p ext4 crc32c_generic ${EXTRA_MODULES:-}"
D=$CACHE/apt-s390x
A=(-o Dir::State="$D/state" -o Dir::Cache="$D/cache" -o Dir::Etc::SourceList="$D/sources.list"
   -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::status=/dev/null
   -o APT::Architecture=s390x -o APT::Architectures=s390x -o APT::Sandbox::User=root
   -o Debug::NoLocking=1 -q)
log() { echo "[build-initramfs] $*" >&2; }

# 1. private apt state (mirror URL taken from the host's deb822 sources)
mkdir -p "$D/state/lists/partial" "$D/cache/archives/partial" "$CACHE/debs" "$OUT"
if [ ! -s "$D/sources.list" ]; then
  MIRROR=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
  KR=/usr/share/keyrings/debian-archive-keyring.gpg
  printf 'deb [signed-by=%s] %s bookworm main\ndeb [signed-by=%s] %s bookworm-updates main\n' \
    "$KR" "$MIRROR" "$KR" "$MIRROR" > "$D/sources.list"
fi
if [ "${REFRESH:-0}" = 1 ] || ! ls "$D"/state/lists/*_Packages* >/dev/null 2>&1; then
  log "apt-get update (s390x, private state)"
  apt-get "${A[@]}" update >&2
fi

# 2. resolve + download packages (cached)
if [ -z "${KPKG:-}" ]; then
  KPKG=$(apt-cache "${A[@]}" depends linux-image-s390x | awk '/Depends: linux-image-/{print $2; exit}')
fi
[ -n "$KPKG" ] || { log "cannot resolve kernel package"; exit 1; }
debfile() { # pkg -> cached .deb path (download if missing)
  local pkg=$1 ver f
  ver=$(apt-cache "${A[@]}" show "$pkg" | awk '/^Version:/{print $2; exit}')
  f=$(ls "$CACHE/debs/${pkg}_"*"$(echo "${ver#*:}")_s390x.deb" 2>/dev/null | head -1 || true)
  if [ -z "$f" ]; then
    log "download $pkg $ver"
    (cd "$CACHE/debs" && apt-get "${A[@]}" download "$pkg" >&2)
    f=$(ls "$CACHE/debs/${pkg}_"*"${ver#*:}_s390x.deb" | head -1)
  fi
  echo "$f"
}
KDEB=$(debfile "$KPKG"); BDEB=$(debfile busybox-static)
KDIR=$CACHE/s390x/$(basename "$KDEB" .deb); BDIR=$CACHE/s390x/$(basename "$BDEB" .deb)
for p in "$KDEB:$KDIR" "$BDEB:$BDIR"; do
  if [ ! -e "${p#*:}/.extracted" ]; then
    log "extract $(basename "${p%%:*}")"; rm -rf "${p#*:}"; dpkg-deb -x "${p%%:*}" "${p#*:}"; touch "${p#*:}/.extracted"
  fi
done
KERNEL=$(ls "$KDIR"/boot/vmlinuz-* | head -1)
KVER=${KERNEL##*/vmlinuz-}
MDIR=$KDIR/lib/modules/$KVER

# 3. module closure in load order (deps first), read from each .ko's .modinfo "depends="
# (the .deb ships no modules.dep; modules are uncompressed .ko: CONFIG_MODULE_COMPRESS_NONE=y)
declare -A PATHOF SEEN
while IFS= read -r f; do b=${f##*/}; b=${b%.ko*}; PATHOF[${b//-/_}]=$f; done < <(find "$MDIR/kernel" -name '*.ko*')
ORDER=()
visit() {
  local m=${1//-/_} f deps d
  [ -n "${SEEN[$m]:-}" ] && return; SEEN[$m]=1
  f=${PATHOF[$m]:-}
  if [ -z "$f" ]; then
    grep -q "/$m.ko" "$MDIR/modules.builtin" && return   # built in
    log "module $m not found"; exit 1
  fi
  deps=$(tr '\0' '\n' < "$f" | sed -n 's/^depends=//p' | head -1)
  for d in ${deps//,/ }; do visit "$d"; done
  ORDER+=("${f#$MDIR/}")
}
for m in $MODULES; do visit "$m"; done

# 4. initramfs (cache key = inputs)
KEY=$( { echo "$KDEB $BDEB ${ORDER[*]}"; cat "$HERE/guest-init.sh" "$HERE/mkcpio.py" "$HERE/build-initramfs.sh"; } | sha256sum | cut -c1-16)
INITRD=$CACHE/s390x/initramfs-$KVER-$KEY.cpio.gz
if [ ! -s "$INITRD" ]; then
  log "build $INITRD"
  TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
  printf "$KVER/%s\n" "${ORDER[@]}" > "$TMP/modules.load"
  {
    for d in bin sbin usr usr/bin usr/sbin etc dev proc sys tmp mnt run root lib lib/modules "lib/modules/$KVER"; do
      printf 'dir\t%s\t755\n' "$d"; done
    printf 'nod\tdev/console\t600\tc\t5\t1\nnod\tdev/null\t666\tc\t1\t3\n'
    printf 'file\tbin/busybox\t755\t%s\n' "$BDIR/bin/busybox"
    printf 'slink\tbin/sh\tbusybox\n'
    printf 'file\tinit\t755\t%s\n' "$HERE/guest-init.sh"
    printf 'file\tetc/modules.load\t644\t%s\n' "$TMP/modules.load"
    declare -A DIRS
    for m in "${ORDER[@]}"; do
      dd=$(dirname "$m"); p=""
      for c in ${dd//\// }; do p=${p:+$p/}$c; [ -z "${DIRS[$p]:-}" ] && { DIRS[$p]=1; printf 'dir\tlib/modules/%s/%s\t755\n' "$KVER" "$p"; }; done
      printf 'file\tlib/modules/%s/%s\t644\t%s\n' "$KVER" "$m" "$MDIR/$m"
    done
  } | python3 "$HERE/mkcpio.py" "$INITRD"
fi
ln -sfn "$KERNEL" "$OUT/vmlinuz"; ln -sfn "$INITRD" "$OUT/initrd.cpio.gz"
echo "KERNEL=$KERNEL"
echo "INITRD=$INITRD"
echo "KVER=$KVER"
echo "MODULES=${ORDER[*]}"
