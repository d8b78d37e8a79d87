// `rm` in the session's PATH: a recursive rm of a tree with a mount below it would delete
// through the mount (after `mount --rbind /dev ROOT/dev`, `rm -rf ROOT` deletes the host's
// /dev). Refuse, and say how to unmount first; anything else goes to the real rm.
//
// It runs for every rm a block makes — kbuild runs `rm -f` after every object it compiles — so
// the common path forks nothing but the real rm: no `dirname`, no command substitution (each a
// fork, 1–4 ms on a loaded VM). A plain rm cannot remove a directory, so only a recursive one
// reads the mount table, and it reads it with `read`, not awk. The real rm is the first `rm` in
// PATH that is not this file (`-ef`: the same file, however PATH spells its directory).

export const RM_GUARD = String.raw`#!/bin/sh
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
    hits= n=0
    while read -r _ _ _ _ mp _; do
      case $mp in "$p"/?*) [ $n -lt 5 ] && hits="$hits  $mp
"; n=$((n + 1)) ;; esac
    done < /proc/self/mountinfo
    if [ -n "$hits" ]; then
      echo "docrun: refusing to rm -r $a: something is mounted below it, and rm would delete through the mount:" >&2
      printf '%s' "$hits" >&2
      echo "docrun: unmount first (umount -R, innermost first), or let \`docrun clean\` do it" >&2
      exit 1
    fi
  done
fi
old_ifs=$IFS; IFS=:
for d in $PATH; do
  [ -x "$d/rm" ] || continue
  [ "$d/rm" -ef "$0" ] && continue
  IFS=$old_ifs; exec "$d/rm" "$@"
done
IFS=$old_ifs
echo "docrun: no rm found in PATH" >&2
exit 127
`
