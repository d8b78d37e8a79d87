// Mount propagation on systemd-like hosts, where `/` is shared: after `mount --rbind /dev
// ROOT/dev`, unmounting ROOT/dev's submounts also unmounts the source's own submounts
// (/dev/shm, /dev/pts) unless the rbind was made a slave first. These machines mount
// everything private, so the test builds the shared case itself in its own mount namespace.
import { describe, expect, it } from 'vitest'
import { execa } from 'execa'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLI, workspace } from './helpers/cli.js'
import { requireTool } from './helpers/chroot.js'

const SCRIPT = String.raw`
set -eu
ws=$1 mode=$2
mount -t tmpfs scratch "$ws/shared"
mount --make-shared "$ws/shared"
mkdir -p "$ws/shared/fakehost/dev" "$ws/shared/root/dev"
mount -t tmpfs fakedev "$ws/shared/fakehost/dev"
mkdir -p "$ws/shared/fakehost/dev/shm"
mount -t tmpfs fakeshm "$ws/shared/fakehost/dev/shm"
touch "$ws/shared/fakehost/dev/shm/marker"
cd "$ws"
if [ "$mode" = docrun ]; then
  node "$CLI" run --quiet rbind.md || true
else
  # What a careless teardown does: rbind, then umount the submount, no rslave.
  mount --rbind shared/fakehost/dev shared/root/dev
  umount shared/root/dev/shm; umount shared/root/dev
fi
if grep -q " $ws/shared/fakehost/dev/shm " /proc/self/mountinfo; then echo SOURCE-SUBMOUNT-INTACT; else echo SOURCE-SUBMOUNT-GONE; fi
if grep -q " $ws/shared/root/dev" /proc/self/mountinfo; then echo ROOT-STILL-MOUNTED; else echo ROOT-CLEAN; fi
`

describe('mount propagation', () => {
  it("a shared rbind torn down naively takes the source submount with it; docrun's teardown does not", async () => {
    await requireTool('unshare', 'util-linux')
    const ws = workspace('docrun-prop-')
    await execa('mkdir', ['-p', join(ws, 'shared')])
    writeFileSync(join(ws, 'prop.sh'), SCRIPT)
    writeFileSync(
      join(ws, 'rbind.md'),
      ['# Rbind', '', '```sh', 'mount --rbind shared/fakehost/dev shared/root/dev', '```', '', '```sh', 'exit 1', '```', ''].join('\n'),
    )
    const run = (mode: string) =>
      execa('unshare', ['-m', '--propagation', 'shared', 'sh', join(ws, 'prop.sh'), ws, mode], { env: { CLI }, reject: false, all: true })

    // The hazard is real in this namespace: the naive way loses the source's /dev/shm.
    const naive = await run('naive')
    expect(naive.stdout, naive.all).toContain('SOURCE-SUBMOUNT-GONE')

    const safe = await run('docrun')
    expect(safe.stdout, safe.all).toContain('SOURCE-SUBMOUNT-INTACT')
    expect(safe.stdout).toContain('ROOT-CLEAN')
  })
})
