// The resource ledger against the kernel's real mount table: mount ids are reused, so a
// recorded mount is only "ours" at the same id and the same place; kept mounts that vanished
// make their block run again.
import { execa } from 'execa'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { readMounts } from '../src/resources/mountinfo.js'
import { pendingFrom, probe, teardown, type Resource } from '../src/resources/ledger.js'
import { workspacePaths } from '../src/state/paths.js'
import { docrun, events, workspace } from './helpers/cli.js'

const made: string[] = []
afterEach(async () => {
  for (const m of made.splice(0).reverse()) await execa('umount', ['-l', m], { reject: false })
})

async function mountTmpfs(dir: string) {
  mkdirSync(dir, { recursive: true })
  await execa('mount', ['-t', 'tmpfs', 'docrun-test', dir])
  made.push(dir)
  const m = (await readMounts()).find((x) => x.mountPoint === dir)!
  return m
}

describe('ledger', () => {
  it('never unmounts a mount that reuses the id of one it recorded', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (mount)')
    const ws = workspace()
    const a = await mountTmpfs(join(ws, 'a'))
    const recorded: Resource = {
      kind: 'mount',
      mountPoint: a.mountPoint,
      fsType: 'tmpfs',
      source: 'docrun-test',
      mountId: a.id,
      block: 'x',
      runId: 'r',
      keep: false,
    }
    await execa('umount', [a.mountPoint])
    // The kernel hands out the lowest free id: the next mount gets a's id back.
    const b = await mountTmpfs(join(ws, 'b'))
    expect(b.id).toBe(a.id)
    expect(await teardown([recorded])).toEqual([{ resource: recorded, ok: true }])
    expect((await readMounts()).some((m) => m.id === b.id && m.mountPoint === b.mountPoint)).toBe(true)
  })

  it('a kept mount that vanished makes its block run again on --resume, without stacking', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (mount)')
    const ws = workspace()
    writeFileSync(
      join(ws, 'rb.md'),
      '# Keep\n\n```sh {name=mnt keep}\nmkdir -p m && mount -t tmpfs kept m\n```\n\n```sh {name=set}\nexport V=set\n```\n\n```sh {name=use}\ntest -n "$ok" && mountpoint -q m && echo "using m, V=$V"\n```\n',
    )
    const r1 = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r1.exitCode, r1.all).toBe(1)
    await execa('umount', [join(ws, 'm')])
    const r2 = await docrun(['run', 'rb.md', '--resume'], { cwd: ws, env: { ok: 'yes' } })
    expect(r2.exitCode, r2.all).toBe(0)
    expect(r2.all).toContain('block mnt runs again: what it made and kept is gone')
    // The shell state is the one the last done block left: what `set` exported is still there.
    expect(r2.all).toContain('using m, V=set')
    expect(
      events(ws)
        .filter((e) => e.type === 'block-start')
        .map((e) => e.step),
    ).toEqual(['mnt', 'use'])
    const mine = (await readMounts()).filter((m) => m.mountPoint === join(ws, 'm'))
    made.push(join(ws, 'm'))
    expect(mine).toHaveLength(1)
    await docrun(['clean', 'rb.md'], { cwd: ws })
    expect((await readMounts()).filter((m) => m.mountPoint === join(ws, 'm'))).toHaveLength(0)
  })

  it('--only a block after a kept mount that is gone (docrun clean) runs the mount block first', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (mount)')
    const ws = workspace()
    writeFileSync(
      join(ws, 'rb.md'),
      '# Keep\n\n```sh {name=mnt keep}\nmkdir -p m && mount -t tmpfs kept m\n```\n\n```sh {name=other}\ntrue\n```\n\n```sh {name=use}\nmountpoint -q m && echo using m\n```\n',
    )
    made.push(join(ws, 'm'))
    expect((await docrun(['run', 'rb.md'], { cwd: ws })).exitCode).toBe(0)
    const cleaned = await docrun(['clean', 'rb.md'], { cwd: ws })
    expect(cleaned.exitCode, cleaned.all).toBe(0)
    expect(cleaned.stdout).toContain('the next run makes again what block mnt kept')
    expect((await docrun(['status', 'rb.md'], { cwd: ws })).stdout).toMatch(
      /removed by `docrun clean`; the next run makes them again:\n {2}mount .*\/m .*block mnt, removed /,
    )
    const r = await docrun(['run', 'rb.md', '--only', 'use'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.all).toContain('block mnt runs again before the selected blocks: what it made and kept for them is gone')
    expect(r.all).toContain('using m')
    const starts = events(ws).filter((e) => e.type === 'block-start')
    expect(starts.slice(-2).map((e) => e.step)).toEqual(['mnt', 'use'])
    expect((await readMounts()).filter((m) => m.mountPoint === join(ws, 'm'))).toHaveLength(1)
    expect((await docrun(['status', 'rb.md'], { cwd: ws })).stdout).not.toContain('removed by `docrun clean`')
    // With the mount in place, --only runs just the selection.
    const again = await docrun(['run', 'rb.md', '--only', 'use'], { cwd: ws })
    expect(again.exitCode, again.all).toBe(0)
    expect(again.all).not.toContain('runs again')
    await docrun(['clean', 'rb.md'], { cwd: ws })
  })

  it('a mount another running docrun makes in its workspace while our block runs is not ours', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (mount)')
    const a = workspace()
    const b = workspace()
    made.push(join(b, 'm'))
    writeFileSync(
      join(a, 'a.md'),
      `# A\n\n\`\`\`sh {name=wait}\ntouch started; while [ ! -e ${b}/mounted ]; do sleep 0.1; done\n\`\`\`\n\n\`\`\`sh {name=done}\ntouch ${a}/finished\n\`\`\`\n`,
    )
    writeFileSync(
      join(b, 'b.md'),
      `# B\n\n\`\`\`sh {name=mnt keep}\nwhile [ ! -e ${a}/started ]; do sleep 0.1; done; mkdir -p m && mount -t tmpfs other-run m && touch mounted\n\`\`\`\n\n\`\`\`sh {name=hold}\nwhile [ ! -e ${a}/finished ]; do sleep 0.1; done\n\`\`\`\n`,
    )
    const [ra, rb] = await Promise.all([docrun(['run', 'a.md'], { cwd: a }), docrun(['run', 'b.md'], { cwd: b })])
    expect(ra.exitCode, ra.all).toBe(0)
    expect(rb.exitCode, rb.all).toBe(0)
    expect(ra.all).toContain(`not in the ledger: mount other-run on ${join(b, 'm')}`)
    expect(ra.all).toContain(`in another docrun workspace (${b})`)
    const sa = JSON.parse((await docrun(['status', 'a.md', '--json'], { cwd: a })).stdout) as { resources: unknown[] }
    expect(sa.resources).toEqual([])
    // B's kept mount is B's, still there after A's run ended.
    expect((await readMounts()).some((m) => m.mountPoint === join(b, 'm'))).toBe(true)
    expect(rb.all).toContain('ledger: mount other-run on')
    await docrun(['clean', 'b.md'], { cwd: b })
  })

  it('a resource that could not be torn down stays in the ledger, and only that one (t2 is not t)', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (mount)')
    const ws = workspace()
    writeFileSync(join(ws, 'rb.md'), '# T\n\n```sh {name=a}\ntrue\n```\n')
    expect((await docrun(['run', 'rb.md'], { cwd: ws })).exitCode).toBe(0)
    // Two temp dirs left by an earlier run, one path a prefix of the other; rm refuses the one with a mount below it.
    const [free, busy] = [join(ws, 't'), join(ws, 't2')]
    await mountTmpfs(join(busy, 'm'))
    const stateFile = workspacePaths(ws, join(ws, 'rb.md')).state
    const leave = (path: string) => {
      mkdirSync(path, { recursive: true })
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { resources: unknown[] }
      state.resources.push({ kind: 'dir', path, description: 'a temp dir', block: 'a', runId: 'old', keep: false })
      writeFileSync(stateFile, JSON.stringify(state))
    }
    const ledger = async () =>
      (JSON.parse((await docrun(['status', 'rb.md', '--json'], { cwd: ws })).stdout) as { resources: { path: string }[] }).resources.map((r) => r.path)
    leave(free)
    leave(busy)
    const r = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.all).toContain(`could not clean up: rm -r ${busy}: something is mounted below it`)
    expect(existsSync(free)).toBe(false)
    expect(await ledger()).toEqual([busy])
    leave(free)
    const c = await docrun(['clean', 'rb.md'], { cwd: ws })
    expect(c.exitCode, c.all).toBe(1)
    expect(c.stdout).toContain('clean: 1 removed, 0 already gone, 1 failed')
    expect(await ledger()).toEqual([busy])
  })

  it('a crashed run that mounted a workspace image outside the workspace: docrun clean unmounts it, then detaches the loop', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (losetup, mount)')
    const ws = workspace()
    writeFileSync(join(ws, 'rb.md'), '# T\n\n```sh {name=a}\ntrue\n```\n')
    expect((await docrun(['run', 'rb.md'], { cwd: ws })).exitCode).toBe(0)
    const img = join(ws, 'disk.img')
    await execa('truncate', ['-s', '8M', img])
    await execa('mkfs.ext2', ['-q', '-F', img])
    // The state as a docrun killed while block a ran leaves it: the probe from before the block.
    const stateFile = workspacePaths(ws, join(ws, 'rb.md')).state
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>
    state.pending = pendingFrom(await probe(), 'a', 'dead-run', false)
    writeFileSync(stateFile, JSON.stringify(state))
    const dev = (await execa('losetup', ['-f', '--show', img])).stdout.trim()
    const mnt = workspace('docrun-test-mnt-')
    try {
      await execa('mount', [dev, mnt])
      made.push(mnt)
      const c = await docrun(['clean', 'rb.md'], { cwd: ws })
      expect(c.exitCode, c.all).toBe(0)
      expect(c.stdout).toContain(`it left: mount ${dev} on ${mnt} (ext2); loop ${dev} → ${img}`)
      expect(c.stdout).toContain(`umount ${mnt}`)
      expect((await readMounts()).some((m) => m.mountPoint === mnt)).toBe(false)
      expect((await execa('losetup', ['-j', img])).stdout.trim()).toBe('')
    } finally {
      await execa('umount', ['-l', mnt], { reject: false })
      await execa('losetup', ['-d', dev], { reject: false })
    }
  })
})
