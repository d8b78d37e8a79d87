#!/usr/bin/env bash
# The daily loop's parts done by hand, for the side-by-side figure of README "The s390 loop":
# one change to the BPF verifier, the incremental kernel and selftests build typed in the
# toolchain chroot (ccache as the runbook sets it up), then a boot and test_verifier typed raw
# on the console (bench/s390-test-verifier.mjs, ONLY=raw). Run in a workspace where
# runbooks/s390-bpf.md has run (its kept mounts in place); then time the same loop through
# docrun: `docrun run runbooks/s390-bpf.md -w WS --resume --to 4` after the next change.
#   bash bench/s390-loop-by-hand.sh WORKSPACE MARK
set -euo pipefail
ws=${1:?workspace}; mark=${2:?a word for the change, e.g. hand1}
root=$ws/s390-toolchain
echo "static int __maybe_unused docrun_loop_$mark;" >> "$root/root/linux/kernel/bpf/verifier.c"
t0=$(date +%s.%N)
chroot "$root" /bin/bash -c 'cd /root/linux && export PATH=/usr/lib/ccache:$PATH CCACHE_DIR=/var/cache/ccache &&
  make -j2 ARCH=s390 CROSS_COMPILE=s390x-linux-gnu- bzImage modules scripts_gdb >/dev/null &&
  make -j2 ARCH=s390 CROSS_COMPILE=s390x-linux-gnu- -C tools/testing/selftests/bpf test_verifier bpf_testmod.ko >/dev/null'
t1=$(date +%s.%N)
echo "build by hand: $(echo "$t1 - $t0" | bc) s"
ONLY=raw node "$(dirname "$0")/s390-test-verifier.mjs" "$ws" 1
t2=$(date +%s.%N)
echo "loop by hand (build, boot, test_verifier): $(echo "$t2 - $t0" | bc) s"
