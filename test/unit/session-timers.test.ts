// Defect 6: a timer raced against a promise must end with the race. A settled session command,
// boot or shutdown leaves no Timeout behind (a left one keeps docrun's event loop alive for
// its whole length, and each command adds one more).
import { createHook, type AsyncHook } from 'node:async_hooks'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ShellSession } from '../../src/shell/session.js'
import { realTargets } from '../../src/targets/factory.js'
import { FakeSerialPeer } from '../helpers/serial-peer.js'
import { fakeConsole } from '../helpers/fake-targets.js'

/** Timers docrun's own code (src/) started while `watch` was on that are still pending and keep the process alive. */
function docrunTimers() {
  const made: { timer: { _destroyed?: boolean; hasRef?: () => boolean }; stack: string }[] = []
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type !== 'Timeout') return
      const at: { stack?: string } = {}
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = 50
      Error.captureStackTrace(at)
      Error.stackTraceLimit = limit
      made.push({ timer: resource as never, stack: at.stack ?? '' })
    },
  }).enable()
  hooks.push(hook)
  const pending = () => made.filter((m) => m.stack.includes('/src/') && !m.timer._destroyed && m.timer.hasRef?.())
  return () =>
    pending().map((m) =>
      m.stack
        .split('\n')
        .find((l) => l.includes('/src/'))
        ?.trim(),
    )
}

const hooks: AsyncHook[] = []
const dirs: string[] = []
afterEach(() => {
  for (const h of hooks.splice(0)) h.disable()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('no timer outlives its race', () => {
  it('session start, run, exec and sync leave no Timeout', async () => {
    const left = docrunTimers()
    const s = new ShellSession(new FakeSerialPeer(), '/tmp/docrun-fake')
    await s.start()
    expect((await s.run('hello', { timeoutMs: 60_000 })).status).toBe(0)
    expect((await s.exec('again')).output).toBe('again\n')
    await s.sync([':'])
    expect(left()).toEqual([])
  })

  it('a block that ignores its interrupt gives up after the grace, and its own limit timer goes with it', async () => {
    const left = docrunTimers()
    const s = new ShellSession(new FakeSerialPeer(), '/tmp/docrun-fake', { answerGraceMs: 300 })
    await s.start()
    const stop = new AbortController()
    setTimeout(() => stop.abort(), 50)
    const r = await s.run('SILENT', { timeoutMs: 600_000, signal: stop.signal })
    expect(r.error).toMatch(/did not stop the block within/)
    expect(left()).toEqual([])
  })

  it('a guest boot (terminal check included) and its shutdown leave no Timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docrun-timers-'))
    dirs.push(dir)
    const left = docrunTimers()
    const guest = realTargets.guest({ boot: { name: 'vm' }, command: fakeConsole(), logFile: join(dir, 'console.log'), bootTimeoutMs: 30_000 })
    const { session, notes } = await guest.open()
    expect(notes.join('\n')).toMatch(/the shell owns its terminal/)
    expect((await session.exec('in the guest')).output).toBe('in the guest\n')
    expect(left()).toEqual([])
    expect(await guest.close()).toMatch(/guest vm shut down after .* \(sync; poweroff -f\)/)
    expect(left()).toEqual([])
  })
})
