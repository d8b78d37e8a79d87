// `sudo` as the runbook's author meant it. As root without sudo installed (containers,
// CI, a first-boot guest) it runs the command directly; otherwise it is the real sudo,
// never prompting: a block that would wait for a password fails and says why.

export const SUDO_SHIM = String.raw`#!/bin/sh
self_dir=$(cd "$(dirname "$0")" && pwd)
real=
old_ifs=$IFS; IFS=:
for d in $PATH; do
  [ "$d" = "$self_dir" ] && continue
  if [ -x "$d/sudo" ]; then real=$d/sudo; break; fi
done
IFS=$old_ifs
if [ -n "$real" ]; then
  if ! "$real" -n true 2>/dev/null; then
    echo "docrun: sudo would ask for a password, and nobody is there to type it. Run docrun as root, or allow these commands without a password (NOPASSWD)." >&2
    exit 1
  fi
  exec "$real" -n "$@"
fi
if [ "$(id -u)" != 0 ]; then
  echo "docrun: sudo is not installed and docrun does not run as root: cannot run: $*" >&2
  exit 1
fi
while [ $# -gt 0 ]; do
  case $1 in
    -E|-H|-n|-S|-k|-P|--preserve-env|--preserve-env=*|--non-interactive|--set-home) shift ;;
    -u|--user) case $2 in root|0|'#0') shift 2 ;; *) echo "docrun: sudo -u $2 needs the real sudo" >&2; exit 1 ;; esac ;;
    --user=root) shift ;;
    --) shift; break ;;
    -*) echo "docrun: sudo option $1 needs the real sudo" >&2; exit 1 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || exit 0
exec env "$@"
`
