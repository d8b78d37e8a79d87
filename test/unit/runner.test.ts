// The runner over fake targets (a real ShellSession over an in-memory shell) and a fixed view
// of the system: ordering, stop on failure, resume, the record on disk. No root, no processes.
import { mkdtempSync, readFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { EXIT } from '../../src/common/exit-codes.js'
import { EventBus, type RunEvent } from '../../src/events/events.js'
import type { Plan } from '../../src/plan/types.js'
import { executePlan } from '../../src/run/runner.js'
import { workspacePaths } from '../../src/state/paths.js'
import { loadStateSync, type State } from '../../src/state/state.js'
import { FakeShell, fakeTargets } from './fake-shell.js'
import { passed, plan, state } from './fixtures.js'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

async function run(
  p: Plan,
  st: State,
  opts: { resume?: boolean; signal?: AbortSignal; onRun?: (script: string, paths: ReturnType<typeof workspacePaths>) => void; ws?: string } = {},
) {
  const ws = opts.ws ?? mkdtempSync(join(tmpdir(), 'docrun-unit-'))
  if (!opts.ws) dirs.push(ws)
  const paths = workspacePaths(ws, join(ws, 'r.md'))
  const shell = new FakeShell((script) => opts.onRun?.(script, paths))
  const bus = new EventBus()
  const events: RunEvent[] = []
  bus.subscribe((e) => void events.push(e))
  const outcome = await executePlan({
    plan: p,
    paths,
    state: st,
    runId: 'r1',
    runDir: join(ws, 'run'),
    bus,
    resume: opts.resume ?? false,
    signal: opts.signal ?? new AbortController().signal,
    targetFactory: fakeTargets(shell),
    probe: async () => ({ mounts: [], loops: [] }),
  })
  const onDisk = JSON.parse(readFileSync(paths.state, 'utf8')) as State
  return { outcome, events, shell, onDisk, ws }
}
const started = (events: RunEvent[]) => events.flatMap((e) => (e.type === 'block-start' ? [e.step] : []))
const skipped = (events: RunEvent[]) => events.flatMap((e) => (e.type === 'block-skip' ? [`${e.step}: ${e.reason}`] : []))

describe('runner', () => {
  const abc = () => plan({ id: 'a', content: 'echo one' }, { id: 'b', content: 'echo two' }, { id: 'c', content: 'echo three' })

  it('runs the steps in order and records each', async () => {
    const r = await run(abc(), state([]))
    expect(r.outcome).toEqual({ status: 'passed', exitCode: EXIT.ok, counts: { passed: 3, failed: 0, 'timed-out': 0, interrupted: 0, skipped: 0 } })
    expect(started(r.events)).toEqual(['a', 'b', 'c'])
    expect(r.shell.ran).toEqual(['echo one', 'echo two', 'echo three'])
    expect(Object.values(r.onDisk.blocks).map((b) => `${b.status}:${b.snapshot}`)).toEqual(['passed:true', 'passed:true', 'passed:true'])
    expect(r.onDisk.lastRun).toBe('r1')
    expect(r.onDisk.pending).toBeUndefined()
  })

  it('stops at the first block that fails, and records it failed with its exit status', async () => {
    const p = plan({ id: 'a', content: 'echo one' }, { id: 'b', content: 'exit 3' }, { id: 'c', content: 'echo never' })
    const r = await run(p, state([]))
    expect(r.outcome).toMatchObject({ status: 'failed', exitCode: EXIT.failed, failed: 'b', counts: { passed: 1, failed: 1 } })
    expect(started(r.events)).toEqual(['a', 'b'])
    expect(r.onDisk.blocks.b).toMatchObject({ status: 'failed', exitCode: 3, message: 'exited with status 3', runId: 'r1' })
    expect(r.onDisk.blocks.c).toBeUndefined()
    const end = r.events.find((e) => e.type === 'block-end' && e.step === 'b')
    expect(end).toMatchObject({ result: { status: 'failed', exitCode: 3, message: 'exited with status 3' } })
  })

  it('--resume skips the done blocks and runs from the first one not done', async () => {
    const r = await run(abc(), state([passed('a', { snapshot: true }), passed('b', { status: 'failed', exitCode: 1 })]), { resume: true })
    expect(r.outcome.status).toBe('passed')
    expect(skipped(r.events)).toEqual(['a: done in an earlier run'])
    expect(started(r.events)).toEqual(['b', 'c'])
    expect(r.outcome.counts).toMatchObject({ passed: 2, skipped: 1 })
    expect(r.onDisk.blocks.a!.runId).toBe('r0')
  })

  it('a fresh run forgets earlier results of the blocks it runs', async () => {
    const p = plan({ id: 'a', content: 'echo one' }, { id: 'b', content: 'exit 1' }, { id: 'c' })
    const r = await run(p, state([passed('c')]))
    expect(r.onDisk.blocks.c).toBeUndefined()
  })

  it('the pending probe is on disk while a block runs', async () => {
    const seen: (string | undefined)[] = []
    // What a reader finds: the state written whole with its journal applied.
    await run(abc(), state([]), { onRun: (_, paths) => seen.push(loadStateSync(paths, 'r.md', 'x').state.pending?.block) })
    expect(seen).toEqual(['a', 'b', 'c'])
  })

  it('says a skipped step in words, and not one outside the selection', async () => {
    const p = plan({ id: 'a', skip: { kind: 'marked' } }, { id: 'b', skip: { kind: 'not-selected' } }, { id: 'c', content: 'echo c' })
    const r = await run(p, state([]))
    expect(skipped(r.events)).toEqual(['a: marked skip'])
    expect(r.events.find((e) => e.type === 'block-skip')).toMatchObject({ kind: 'marked' })
    expect(started(r.events)).toEqual(['c'])
  })

  it('a block that cannot run unattended fails without running', async () => {
    const r = await run(plan({ id: 'a', content: 'echo x', refuse: 'needs a person' }, { id: 'b' }), state([]))
    expect(r.outcome).toMatchObject({ status: 'failed', failed: 'a' })
    expect(r.shell.ran).toEqual([])
    expect(r.onDisk.blocks.a).toMatchObject({ status: 'failed', exitCode: null, message: 'needs a person' })
  })

  it('an interrupted run stops before the next block', async () => {
    const ctl = new AbortController()
    ctl.abort()
    const r = await run(abc(), state([]), { signal: ctl.signal })
    expect(r.outcome).toMatchObject({ status: 'interrupted', exitCode: EXIT.interrupted, failed: 'a' })
    expect(started(r.events)).toEqual([])
  })

  it('a guest block with no block to start its guest fails, saying so', async () => {
    const r = await run(plan({ id: 'g', target: { kind: 'guest', name: 'vm' } }), state([]))
    expect(r.outcome).toMatchObject({ status: 'failed', failed: 'g' })
    expect(r.onDisk.blocks.g!.message).toBe('guest vm is not running and no block before this one starts it (a block marked {guest=vm})')
  })

  it('after a crash: the dead run is said, and its pending probe goes', async () => {
    const st = state([passed('a')])
    st.pending = { block: 'b', runId: 'r0', keep: false, mounts: [], loops: [] }
    const r = await run(abc(), st, { resume: true })
    expect(r.events.some((e) => e.type === 'note' && e.message === 'a docrun died while block b ran')).toBe(true)
    expect(r.onDisk.pending).toBeUndefined()
    expect(started(r.events)).toEqual(['b', 'c'])
  })
})
