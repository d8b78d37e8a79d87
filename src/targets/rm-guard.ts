// `rm` in the session's PATH: a recursive rm of a tree with a mount below it would delete
// through the mount (after `mount --rbind /dev ROOT/dev`, `rm -rf ROOT` deletes the host's
// /dev). Refuse, and say how to unmount first; anything else goes to the real rm.

export const RM_GUARD = String.raw`#!/bin/sh
self_dir=$(cd "$(dirname "$0")" && pwd)
recursive=
opts=1
for a in "$@"; do
  if [ -n "$opts" ]; then
    case $a in
      --) opts= ;;
      --recursive) recursive=1 ;;
      --*) ;;
      -*[rR]*) recursive=1 ;;
    esac
  fi
done
if [ -n "$recursive" ] && [ -r /proc/self/mountinfo ]; then
  opts=1
  for a in "$@"; do
    if [ -n "$opts" ]; then
      case $a in --) opts=; continue ;; -*) continue ;; esac
    fi
    [ -d "$a" ] || continue
    p=$(cd -P -- "$a" 2>/dev/null && pwd) || continue
    [ "$p" = / ] && p=
    hits=$(awk -v p="$p/" 'index($5, p) == 1 && $5 != p { print $5 }' /proc/self/mountinfo | head -5)
    if [ -n "$hits" ]; then
      echo "docrun: refusing to rm -r $a: something is mounted below it, and rm would delete through the mount:" >&2
      echo "$hits" | sed 's/^/  /' >&2
      echo "docrun: unmount first (umount -R, innermost first), or let \`docrun clean\` do it" >&2
      exit 1
    fi
  done
fi
old_ifs=$IFS; IFS=:
for d in $PATH; do
  [ "$d" = "$self_dir" ] && continue
  if [ -x "$d/rm" ]; then IFS=$old_ifs; exec "$d/rm" "$@"; fi
done
IFS=$old_ifs
echo "docrun: no rm found in PATH" >&2
exit 127
`
