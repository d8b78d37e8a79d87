// A background block's grace race (does it fail at once?) leaves no timer behind once it is
// decided: a pending Timeout would hold the process (and the next block's timing) for nothing.
import { describe, expect, it } from 'vitest'
import { runAction } from '../../src/run/block-action.js'
import type { TargetPool } from '../../src/run/pool.js'
import type { Step } from '../../src/plan/types.js'

const step = { id: 'bg', index: 0, action: 'run', background: true, target: { kind: 'host', name: 'host' }, content: 'false', attrs: {} } as unknown as Step
const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

describe('background grace race', () => {
  it('a background command that fails at once decides its block and leaves no timer pending', async () => {
    const pool = { get: async () => ({}), background: async () => ({ exited: Promise.resolve(3), pid: 1, redirect: () => {} }) } as unknown as TargetPool
    const before = timeouts()
    const started = performance.now()
    const r = await runAction(step, pool, () => {}, { signal: new AbortController().signal, backgroundLog: '/dev/null' })
    expect(r.res.status).toBe(3)
    expect(performance.now() - started).toBeLessThan(500)
    expect(timeouts()).toBe(before)
  })
})
