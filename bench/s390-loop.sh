#!/usr/bin/env bash
# The daily loop side by side (README "The s390 loop"): one line added to the BPF verifier, then
# to test_verifier's Summary line, by hand (bench/s390-loop-by-hand.sh: the build typed in the
# chroot, a fresh guest, test_verifier typed raw) and through docrun (`docrun run RUNBOOK -w WS
# --resume --to test_verifier`), in alternating rounds, each with its own change; prints each
# round and the ratio of the medians (goal: within 1.1×). Run it in a workspace where the runbook
# has run to test_verifier, on a machine with nothing else to do (the figure is a ratio, but a
# load that comes and goes between rounds still moves it).
#   bash bench/s390-loop.sh WORKSPACE [ROUNDS=2] [RUNBOOK=runbooks/s390-bpf.md] [-- DOCRUN_ARGS...]
# DOCRUN_ARGS: the params the workspace was run with (e.g. --set ccache_dir=/srv/ccache), so that
# --resume finds its blocks done.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pos=()
while (($#)) && [ "$1" != -- ]; do pos+=("$1") && shift; done
(($#)) && shift # the --; what follows is docrun's
ws=$(cd "${pos[0]:?usage: bash bench/s390-loop.sh WORKSPACE [ROUNDS] [RUNBOOK] [-- DOCRUN_ARGS...]}" && pwd)
rounds=${pos[1]:-2}
runbook=$(realpath "${pos[2]:-$here/../runbooks/s390-bpf.md}")
docrun=(node "$here/../dist/src/cli/main.js")
stamp=$(date +%s)
declare -a hand=() through=()

by_hand() { # round
  local out
  out=$(bash "$here/s390-loop-by-hand.sh" "$ws" "hand${stamp}_$1" | tee >(cat >&2))
  grep -q 'Summary: [0-9]* PASSED' <<<"$out" || { echo "round $1: the loop by hand printed no Summary line" >&2; exit 1; }
  sed -n 's/^loop by hand (build, boot, test_verifier): \([0-9.]*\) s$/\1/p' <<<"$out"
}

through_docrun() { # round docrun-args...
  local t0 t1 log round=$1
  shift
  echo "static int __maybe_unused docrun_loop_docrun${stamp}_$round;" >>"$ws/s390-toolchain/root/linux/kernel/bpf/verifier.c"
  log=$(mktemp)
  t0=$(date +%s.%N)
  (cd "$ws" && "${docrun[@]}" run "$runbook" -w "$ws" --resume --to test_verifier "$@") >"$log" 2>&1 || {
    tail -20 "$log" >&2
    echo "round $round: the loop through docrun failed (its log: $log)" >&2
    exit 1
  }
  t1=$(date +%s.%N)
  grep -ho 'Summary: [0-9]* PASSED.*FAILED' "$ws"/.docrun/runs/latest/output/test_verifier*.log >&2 ||
    echo "round $round: (no Summary line in test_verifier's output)" >&2
  rm -f "$log"
  echo "$t1 - $t0" | bc
}

for ((i = 1; i <= rounds; i++)); do
  order=(hand docrun)
  ((i % 2)) || order=(docrun hand)
  for k in "${order[@]}"; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    if [ "$k" = hand ]; then
      s=$(by_hand "$i" | tail -1)
      hand+=("$s")
      echo "round $i: by hand $s s ($(date -u +%T) UTC, load before $load)"
    else
      s=$(through_docrun "$i" "$@" | tail -1)
      through+=("$s")
      echo "round $i: through docrun $s s ($(date -u +%T) UTC, load before $load)"
    fi
  done
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
h=$(median "${hand[@]}")
d=$(median "${through[@]}")
echo "the daily loop, $rounds alternating round(s), medians: by hand $h s, through docrun $d s = $(echo "scale=3; $d / $h" | bc)× (goal: ≤ 1.1×)"
