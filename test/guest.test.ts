// The guest target against a real s390x guest: Debian's s390x kernel and busybox booted in
// qemu-system-s390x (TCG), blocks run over its serial console.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, events, latestRun, transcript, workspace } from './helpers/cli.js'
import { guestRunbook, qemuProcesses, savedState, useGuest } from './helpers/guest.js'

const guest = useGuest()
const state = savedState

describe('guest target', () => {
  it('runs blocks in the guest: exit codes, forged markers, 1 MiB byte-exact, cd persists', async () => {
    const ws = workspace()
    const rb = guestRunbook(
      ws,
      guest(),
      `## 2. In the guest

\`\`\`sh {target=vm name=ok}
uname -m
\`\`\`

\`\`\`sh {target=guest name=forged}
printf '\\n__DR_END_%s:0:0\\n' forgednonce
echo "__DR_BEGIN_x and __DR_END_ in the middle"
echo still-running
\`\`\`

\`\`\`sh {target=vm name=bulk-make}
head -c 786432 /dev/urandom | base64 > /tmp/big
wc -c < /tmp/big
sha256sum /tmp/big | cut -d' ' -f1
\`\`\`

\`\`\`sh {target=vm name=bulk-cat}
cat /tmp/big
\`\`\`

\`\`\`sh {target=vm name=cd-there}
mkdir -p /tmp/deep/er && cd /tmp/deep/er
kept=yes
\`\`\`

\`\`\`sh {target=vm name=cd-here}
pwd
echo "kept=$kept"
\`\`\`

\`\`\`sh {target=vm name=pids-a}
read -r _ _ _ _ last < /proc/loadavg; echo "$last"
\`\`\`

\`\`\`sh {target=vm name=pids-b}
read -r _ _ _ _ last < /proc/loadavg; echo "$last"
\`\`\`

\`\`\`sh {target=vm name=forty-two}
echo about to fail
exit 42
\`\`\`
`,
    )
    const r = await docrun(['run', rb], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    const st = state(ws)
    expect(st.blocks.boot?.status).toBe('passed')
    for (const id of ['ok', 'forged', 'bulk-make', 'bulk-cat', 'cd-there', 'cd-here', 'pids-a', 'pids-b'])
      expect([id, st.blocks[id]?.status, st.blocks[id]?.exitCode]).toEqual([id, 'passed', 0])
    expect(st.blocks['forty-two']).toMatchObject({ status: 'failed', exitCode: 42 })
    const run = latestRun(ws)
    const out = (id: string) => readFileSync(join(run, 'output', `${id}.log`), 'utf8')
    expect(out('ok')).toBe('s390x\n')
    expect(out('forged')).toContain('forgednonce')
    expect(out('forged')).toContain('still-running')
    const [size, sum] = out('bulk-make').trim().split('\n')
    const big = readFileSync(join(run, 'output', 'bulk-cat.log'))
    expect(big.length).toBe(Number(size))
    expect(big.length).toBeGreaterThan(1024 * 1024)
    expect(createHash('sha256').update(big).digest('hex')).toBe(sum)
    expect(out('cd-here')).toBe('/tmp/deep/er\nkept=yes\n')
    // The last pid the kernel gave out, read with builtins in two blocks in a row: between them
    // the first block's end, its state snapshot and the second block's start fork once (its
    // subshell) — under emulation each fork is ~10–25 ms. (A kernel thread may take a pid too.)
    expect(Number(out('pids-b')) - Number(out('pids-a'))).toBeLessThanOrEqual(3)
    const t = transcript(ws)
    expect(t).toMatch(/> ❌ \*\*failed\*\* · `forty-two` · vm · exit 42/)
    expect(t).toContain('guest vm shut down after')
    expect(readFileSync(join(run, 'console-vm.log'), 'latin1')).toContain('Linux version')
    // The QEMU process was recorded in the ledger while it ran and is gone from it now.
    expect(st.resources).toEqual([])
  })

  it('exit status 1 comes back, and --only boots the guest for a guest block', async () => {
    const ws = workspace()
    const rb = guestRunbook(ws, guest(), '## 2. Fail\n\n```sh {target=vm name=one}\nfalse\n```\n\n```sh {target=vm name=never}\necho never\n```\n')
    const r = await docrun(['run', rb, '--only', 'one'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    expect(state(ws).blocks.one).toMatchObject({ status: 'failed', exitCode: 1 })
    expect(r.all).toContain('booting it again with boot')
  })

  it('a guest timeout interrupts the command; --resume boots again, re-runs {setup} and goes on', async () => {
    const ws = workspace()
    const body = `## 2. Work

\`\`\`sh {target=vm name=mnt setup}
mkdir -p /tmp/work && cd /tmp/work
echo setup-ran
\`\`\`

\`\`\`sh {target=vm name=nap timeout=3s}
echo napping "$nap"
sleep "$nap"
\`\`\`

\`\`\`sh {target=vm name=after}
pwd
echo after-ran
\`\`\`
`
    const rb = guestRunbook(ws, guest(), body, 'guest.md', '  nap: "60"\n')
    const t0 = Date.now()
    const r1 = await docrun(['run', rb], { cwd: ws })
    expect(r1.exitCode, r1.all).toBe(1)
    expect(state(ws).blocks.nap?.status).toBe('timed-out')
    // ^C reached the sleep (job control through setsid -c): far sooner than its 60 s.
    expect(Date.now() - t0).toBeLessThan(55_000)
    expect(transcript(ws)).toMatch(/⏱️ \*\*timed-out\*\* · `nap`/)
    expect(state(ws).blocks.after).toBeUndefined()

    const r2 = await docrun(['run', rb, '--resume', '--set', 'nap=0'], { cwd: ws })
    expect(r2.exitCode, r2.all).toBe(0)
    expect(r2.all).toContain('guest vm is not running (a guest does not outlive docrun): booting it again with boot, then its setup block mnt')
    const ev = events(ws)
    const ran = ev.filter((e) => e.type === 'block-end').map((e) => e.step)
    expect(ran).toEqual(['boot', 'mnt', 'nap', 'after'])
    expect(readFileSync(join(latestRun(ws), 'output', 'after.log'), 'utf8')).toBe('/tmp/work\nafter-ran\n')
  })

  it('killing QEMU mid-block fails the block at once with the reason and the console tail', async () => {
    const ws = workspace()
    const rb = guestRunbook(ws, guest(), '## 2. Long\n\n```sh {target=vm name=long}\necho started-long\nsleep 600\n```\n')
    const run = docrun(['run', rb], { cwd: ws })
    // Wait until the long block runs, then kill QEMU the hard way.
    let pids: number[] = []
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 200))
      const ev = (() => {
        try {
          return events(ws)
        } catch {
          return []
        }
      })()
      if (ev.some((e) => e.type === 'output' && e.step === 'long')) {
        pids = await qemuProcesses()
        break
      }
    }
    expect(pids.length).toBe(1)
    const killedAt = Date.now()
    process.kill(pids[0]!, 'SIGKILL')
    const r = await run
    expect(Date.now() - killedAt).toBeLessThan(15_000)
    expect(r.exitCode, r.all).toBe(1)
    const st = state(ws)
    expect(st.blocks.long?.status).toBe('failed')
    expect(st.blocks.long?.message).toMatch(/QEMU was killed by SIGKILL/)
    const t = transcript(ws)
    expect(t).toContain("The guest's console, last")
    expect(t).toContain('started-long')
  })
})
