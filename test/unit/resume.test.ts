// The resume decision as a table: plan + state + what the system holds → what each step does.
import { describe, expect, it } from 'vitest'
import type { Plan, SkipReason } from '../../src/plan/types.js'
import type { Probe, Resource } from '../../src/resources/ledger.js'
import { decideResume, doneSteps, guestRestart, rerunWords, snapshotCandidates } from '../../src/run/resume.js'
import type { BlockState, State } from '../../src/state/state.js'
import { passed, plan, state } from './fixtures.js'

const mount = (block: string, mountId: number, keep = true): Resource => ({
  kind: 'mount',
  mountPoint: `/ws/${block}`,
  fsType: 'tmpfs',
  source: 't',
  mountId,
  block,
  runId: 'r0',
  keep,
})
const NOTHING: Probe = { mounts: [], loops: [] }
const holding = (...rs: Resource[]): Probe => ({
  mounts: rs.flatMap((r) =>
    r.kind === 'mount' ? [{ id: r.mountId, parent: 1, mountPoint: r.mountPoint, fsType: r.fsType, source: r.source, propagation: [] }] : [],
  ),
  loops: [],
})
const NOT_SELECTED: SkipReason = { kind: 'not-selected' }

/** Each step's decision in one word: run, rerun:<why>, done, skip:<kind>. */
const words = (p: Plan, s: State, now: Probe, resume: boolean) =>
  decideResume(p, s, now, resume).steps.map(
    (d) => `${d.step.id}:${d.action === 'rerun' ? `rerun-${d.why.kind}` : d.action === 'skip' ? `skip-${d.skip.kind}` : d.action}`,
  )

describe('doneSteps', () => {
  const p = plan({ id: 'a' }, { id: 'b' }, { id: 'c' })
  it.each([
    ['nothing recorded', [], []],
    ['a prefix passed', [passed('a'), passed('b')], ['a', 'b']],
    ['an edited step invalidates itself and the rest', [passed('a'), passed('b', { hash: 'edited' }), passed('c')], ['a']],
    ['a failed step stops the run of done ones', [passed('a'), passed('b', { status: 'failed' }), passed('c')], ['a']],
    ['a gap stops it', [passed('a'), passed('c')], ['a']],
  ] as [string, [string, BlockState][], string[]][])('%s', (_, blocks, want) => {
    expect([...doneSteps(p, state(blocks))]).toEqual(want)
  })
  it('a skipped step neither breaks nor needs a record', () => {
    const q = plan({ id: 'a' }, { id: 'b', skip: { kind: 'marked' } }, { id: 'c' })
    expect([...doneSteps(q, state([passed('a'), passed('c')]))]).toEqual(['a', 'c'])
    expect([...doneSteps(q, state([passed('a'), passed('b', { status: 'failed' }), passed('c')]))]).toEqual(['a', 'c'])
  })
  it('data blocks are not steps', () => {
    const q = plan({ id: 'a' }, { id: 'data', action: 'none', skip: { kind: 'data', lang: 'text' } }, { id: 'c' })
    expect([...doneSteps(q, state([passed('a'), passed('c')]))]).toEqual(['a', 'c'])
  })
})

describe('decideResume', () => {
  const abc = plan({ id: 'a' }, { id: 'b' }, { id: 'c' })
  it.each([
    ['a fresh run runs every selected step', abc, state([passed('a')]), false, ['a:run', 'b:run', 'c:run']],
    ['--resume skips the done ones', abc, state([passed('a'), passed('b')]), true, ['a:done', 'b:done', 'c:run']],
    ['--resume with all done runs nothing', abc, state([passed('a'), passed('b'), passed('c')]), true, ['a:done', 'b:done', 'c:done']],
    ['a failed step runs again in its turn', abc, state([passed('a'), passed('b', { status: 'failed' })]), true, ['a:done', 'b:run', 'c:run']],
    [
      'skips keep their typed reason, data blocks are not listed',
      plan({ id: 'a', skip: { kind: 'marked' } }, { id: 'd', action: 'none', skip: { kind: 'data', lang: '' } }, { id: 'c', skip: NOT_SELECTED }),
      state([]),
      false,
      ['a:skip-marked', 'c:skip-not-selected'],
    ],
  ] as [string, Plan, State, boolean, string[]][])('%s', (_, p, s, resume, want) => {
    expect(words(p, s, NOTHING, resume)).toEqual(want)
  })

  it('the start is the first selected step not done', () => {
    expect(decideResume(abc, state([passed('a')]), NOTHING, true).start?.id).toBe('b')
    expect(decideResume(abc, state([passed('a'), passed('b'), passed('c')]), NOTHING, true).start).toBeUndefined()
    expect(decideResume(plan({ id: 'a', skip: NOT_SELECTED }, { id: 'b' }), state([]), NOTHING, false).start?.id).toBe('b')
  })

  it('a kept resource that is gone makes its done step before the start run again', () => {
    const m = mount('a', 30)
    const d = decideResume(abc, state([passed('a'), passed('b')], [m]), NOTHING, true)
    expect(d.steps.map((x) => x.action)).toEqual(['rerun', 'done', 'run'])
    expect(d.reruns.map((x) => x.why)).toEqual([{ kind: 'kept-gone', resource: m, forSelection: false }])
    expect(d.stale).toEqual([m])
    expect(rerunWords(d.reruns[0]!, () => 'mount t on /ws/a')).toEqual({
      message: 'block a runs again: what it made and kept is gone (mount t on /ws/a)',
      level: 'warn',
    })
  })

  it('a kept resource still there changes nothing', () => {
    const m = mount('a', 30)
    const d = decideResume(abc, state([passed('a'), passed('b')], [m]), holding(m), true)
    expect(d.steps.map((x) => x.action)).toEqual(['done', 'done', 'run'])
    expect(d.stale).toEqual([])
  })

  it('the same id at another place is not the kept mount', () => {
    const m = mount('a', 30)
    const moved = { ...m, mountPoint: '/elsewhere' }
    expect(words(abc, state([passed('a'), passed('b')], [m]), holding(moved), true)[0]).toBe('a:rerun-kept-gone')
  })

  it('--only after a kept step: the step outside the selection runs for the selected ones', () => {
    const p = plan({ id: 'mnt', skip: NOT_SELECTED }, { id: 'other', skip: NOT_SELECTED }, { id: 'use' })
    const m = { ...mount('mnt', 30), cleaned: 'yesterday' }
    const d = decideResume(p, state([passed('mnt'), passed('other'), passed('use')], [m]), NOTHING, false)
    expect(d.steps.map((x) => x.action)).toEqual(['rerun', 'skip', 'run'])
    expect(rerunWords(d.reruns[0]!, () => 'M').message).toBe('block mnt runs again before the selected blocks: what it made and kept for them is gone (M)')
  })

  it('all done, and a kept resource is gone: its step runs in its turn (there is no start to run it before)', () => {
    const d = decideResume(abc, state([passed('a'), passed('b'), passed('c')], [mount('b', 30)]), NOTHING, true)
    expect(d.start).toBeUndefined()
    expect(d.steps.map((x) => x.action)).toEqual(['done', 'rerun', 'done'])
    expect(rerunWords(d.reruns[0]!, () => 'M').message).toBe('block b runs again: what it made and kept is gone (M)')
  })

  it('a skipped step after the start does not run, whatever it kept', () => {
    const p = plan({ id: 'a' }, { id: 'b', skip: NOT_SELECTED })
    expect(words(p, state([passed('b')], [mount('b', 30)]), NOTHING, true)).toEqual(['a:run', 'b:skip-not-selected'])
  })

  it('a background block before the start runs again; one after it runs in its turn', () => {
    const p = plan({ id: 'serve', background: true }, { id: 'setup' }, { id: 'use' }, { id: 'bg2', background: true })
    const d = decideResume(p, state([passed('serve'), passed('setup')]), NOTHING, true)
    expect(d.steps.map((x) => x.action)).toEqual(['rerun', 'done', 'run', 'run'])
    expect(rerunWords(d.reruns[0]!, () => '').message).toBe('block serve runs again: a background block ends with its run, and the blocks after it may need it')
  })

  it('a step both kept-gone and background is told once, for its resource', () => {
    const p = plan({ id: 'serve', background: true }, { id: 'use' })
    const d = decideResume(p, state([passed('serve')], [mount('serve', 30), mount('serve', 31)]), NOTHING, true)
    expect(d.reruns.map((x) => x.why.kind)).toEqual(['kept-gone'])
  })

  it('stale: kept resources of steps that run; leftovers: what earlier runs did not keep', () => {
    const kept = mount('b', 30)
    const left = mount('a', 31, false)
    const keptDone = mount('a', 32)
    const d = decideResume(abc, state([passed('a')], [kept, left, keptDone]), holding(kept, keptDone), true)
    expect(d.stale).toEqual([kept])
    expect(d.leftovers).toEqual([left])
  })

  it('a resource of a step no longer in the plan changes nothing', () => {
    expect(words(abc, state([passed('a')], [mount('gone', 30)]), NOTHING, true)).toEqual(['a:done', 'b:run', 'c:run'])
  })
})

describe('snapshotCandidates', () => {
  const p = plan({ id: 'a' }, { id: 'b', target: { kind: 'chroot', name: 'c', root: '/c' } }, { id: 'c' }, { id: 'd' })
  it('passed steps on the target before the start, latest first, with a snapshot and the same text', () => {
    const s = state([passed('a', { snapshot: true }), passed('b', { snapshot: true }), passed('c', { snapshot: true, hash: 'old' })])
    expect(snapshotCandidates(p, s, p.steps[3], 'host')).toEqual(['a'])
    expect(snapshotCandidates(p, s, p.steps[3], 'c')).toEqual(['b'])
    expect(snapshotCandidates(p, s, undefined, 'host')).toEqual([])
    expect(snapshotCandidates(p, state([passed('a', { snapshot: true }), passed('c', { snapshot: true })]), p.steps[3], 'host')).toEqual(['c', 'a'])
  })
})

describe('guestRestart', () => {
  const vm = { kind: 'guest', name: 'vm' } as const
  const boot = { guest: 'vm' }
  it('the last start block before the step, and the setup blocks between', () => {
    const p = plan(
      { id: 'boot', action: 'boot', boot },
      { id: 's1', target: vm, setup: true },
      { id: 'x', target: vm },
      { id: 's2', target: vm, setup: true, skip: NOT_SELECTED },
      { id: 'use', target: vm },
    )
    const r = guestRestart(p, p.steps[4]!)
    expect(r?.start.id).toBe('boot')
    expect(r?.setups.map((s) => s.id)).toEqual(['s1', 's2'])
  })
  it('none when no block starts it, or the start block is left out for another reason than the selection', () => {
    expect(guestRestart(plan({ id: 'use', target: vm }), plan({ id: 'use', target: vm }).steps[0]!)).toBeUndefined()
    const p = plan({ id: 'boot', action: 'boot', boot, skip: { kind: 'marked' } }, { id: 'use', target: vm })
    expect(guestRestart(p, p.steps[1]!)).toBeUndefined()
    const q = plan({ id: 'boot', action: 'boot', boot, skip: NOT_SELECTED }, { id: 'use', target: vm })
    expect(guestRestart(q, q.steps[1]!)?.start.id).toBe('boot')
  })
})
