// The pool against a fake target factory: host and chroot are fake serial peers in this process,
// a guest is a real GuestTarget whose "QEMU" is the fake console. No root, no QEMU, milliseconds.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Step, TargetRef } from '../../src/plan/types.js'
import { GuestError, TargetPool, type PoolOptions } from '../../src/run/pool.js'
import type { TargetFactory } from '../../src/targets/factory.js'
import { brokenConsole, fakeConsole, fakeFactory, FakeTarget } from '../helpers/fake-targets.js'

const HOST: TargetRef = { kind: 'host', name: 'host' }
const CHROOT: TargetRef = { kind: 'chroot', name: 'tc', root: 'tc-root' }
const VM: TargetRef = { kind: 'guest', name: 'vm' }

function bootStep(target: TargetRef, guest = 'vm'): Step {
  return { id: `boot-${guest}`, target, content: 'qemu-system-s390x -nographic', action: 'boot', boot: { guest } } as Step
}

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function pool(log: string[], notes: string[], factory = fakeFactory(log)) {
  const runDir = mkdtempSync(join(tmpdir(), 'docrun-pool-'))
  dirs.push(runDir)
  const guests: string[] = []
  const opts: PoolOptions = {
    workspace: runDir,
    runDir,
    params: { GREETING: 'hi' },
    note: async (m) => void notes.push(m),
    onGuest: async (name, e) => void guests.push(`${name} ${'pid' in e ? 'booted' : e.end}`),
  }
  return { pool: new TargetPool(opts, factory), guests }
}

describe('the target pool', () => {
  it('opens a target on first use only, and closes innermost (last opened) first', async () => {
    const log: string[] = []
    const { pool: p } = pool(log, [])
    const host = await p.get(HOST)
    expect(await p.get(HOST)).toBe(host)
    await p.get(CHROOT)
    await p.get(HOST)
    await p.closeAll()
    expect(log).toEqual(['open host', 'open tc', 'close tc', 'close host'])
  })

  it('starts a guest through the factory from its target, runs in it, and shuts it down first', async () => {
    const log: string[] = []
    const { pool: p, guests } = pool(log, [])
    const session = await p.boot(bootStep(CHROOT))
    expect(p.guestStatus('vm')).toEqual({ state: 'running' })
    expect((await session.exec('in the guest')).output).toBe('in the guest\n')
    expect(await p.get(VM)).toBe(session)
    await p.closeAll()
    expect(log).toEqual(['open tc', 'detached on tc: qemu-system-s390x -nographic', 'guest vm from on the host (fake console)', 'close vm', 'close tc'])
    expect(guests).toEqual(['vm booted', expect.stringMatching(/^vm guest vm shut down after/)])
    expect(p.guestStatus('vm')).toEqual({ state: 'stopped', reason: 'it was shut down' })
  })

  it('a failed boot says why, and closeAll still closes what was open', async () => {
    const log: string[] = []
    const notes: string[] = []
    const { pool: p, guests } = pool(log, notes, fakeFactory(log, brokenConsole()))
    await p.get(HOST)
    const failed = await p.boot(bootStep(HOST)).catch((e: GuestError) => e)
    expect(failed).toBeInstanceOf(GuestError)
    expect((failed as GuestError).message).toMatch(/the guest did not boot: QEMU exited with status 1/)
    expect((failed as GuestError).consoleTail).toContain('qemu: could not load kernel')
    expect(guests).toEqual([expect.stringMatching(/^vm did not boot/)])
    await expect(p.get(VM)).rejects.toThrow(/guest vm is gone/)
    await p.closeAll()
    expect(log).toEqual(['open host', 'detached on host: qemu-system-s390x -nographic', 'guest vm from on the host (broken console)', 'close vm', 'close host'])
  })

  it('what a shell writes on its stderr outside a block is said as a note at once; a burst is coalesced', async () => {
    const log: string[] = []
    const notes: string[] = []
    let say: ((c: Buffer) => void) | undefined
    const factory: TargetFactory = { ...fakeFactory(log), host: (o) => new FakeTarget('host', 'host', log, fakeConsole(), (say = o.onNoise)) }
    const { pool: p } = pool(log, notes, factory)
    await p.get(HOST)
    await p.get(CHROOT)
    const said = () => notes.filter((n) => n.includes('stderr'))
    await vi.waitFor(() => expect(said()).toHaveLength(2))
    expect(said()).toEqual([
      "the host's bash wrote on its stderr: host: a startup file complains",
      "chroot tc-root's shell wrote on its stderr: tc: a startup file complains",
    ])
    // A flood within the quiet interval: held, cut at 2 KiB, said once when the shell closes.
    for (let i = 0; i < 1000; i++) say!(Buffer.from(`noise line ${i}\n`))
    await p.closeAll()
    expect(said()).toHaveLength(3)
    expect(said()[2]).toMatch(/^the host's bash wrote on its stderr: noise line 0\n.*… \(\d+ bytes more not shown\)$/s)
    expect(said()[2]!.length).toBeLessThan(2300)
  })
})
