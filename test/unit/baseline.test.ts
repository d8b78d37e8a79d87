// The report page's "previous run" durations (src/report/html/previous.ts) read from run
// directories written by hand: only block-end lines are parsed, a page written at a run's end
// looks up only the blocks that ran, and the newest runs are the ones read.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { BlockResult, RunEvent } from '../../src/events/events.js'
import { readEventsOfType, readRunIdentity, readRunStart } from '../../src/events/read.js'
import type { Plan, Step } from '../../src/plan/types.js'
import { loadBaseline } from '../../src/report/html/previous.js'
import { readRunView } from '../../src/report/html/render.js'

const T0 = Date.parse('2026-12-02T01:00:00Z')
const at = (s: number) => new Date(T0 + s * 1000).toISOString()
const section = { id: 's', number: '1', title: 'S', label: '1. S', depth: 2 }
const step = (id: string, index: number): Step =>
  ({
    ...{ id, index, section, lang: 'sh', action: 'run', target: { kind: 'host', name: 'host' }, content: '', hash: id, attrs: {}, errexit: true },
    position: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
  }) as Step
const plan: Plan = {
  runbook: { path: 'b.md', sha256: 'b'.repeat(64), title: 'B', dialect: 'docrun' },
  ...{ host: { shell: 'bash' }, volatile: [], params: [], sections: [section] },
  steps: [step('done', 0), step('again', 1)],
}
const facts = { kernel: 'k', distro: 'd', arch: 'x64', node: 'v20', docrun: '0.1.0', tools: {} }
const passed = (start: number, ms: number): BlockResult => ({
  ...{ status: 'passed', exitCode: 0, timedOut: false, interrupted: false, outputBytes: 0 },
  ...{ durationMs: ms, startedAt: at(start) },
})

/** A run directory under `runs/` with these events (the run-start made from its id and start second). */
function writeRun(runs: string, id: string, start: number, events: RunEvent[]): string {
  const dir = join(runs, id)
  mkdirSync(dir, { recursive: true })
  const head: RunEvent = { type: 'run-start', time: at(start), runId: id, runDir: dir, plan, facts, resumed: false, workspace: join(runs, '..') }
  writeFileSync(join(dir, 'events.jsonl'), [head, ...events].map((e) => JSON.stringify(e)).join('\n') + '\n')
  return dir
}
const ran = (id: string, start: number, ms: number): RunEvent[] => [
  { type: 'block-start', time: at(start), step: id, target: 'host', attempt: 1 },
  { type: 'block-end', time: at(start + ms / 1000), step: id, result: passed(start, ms) },
]

describe('the previous run durations', () => {
  it('reads only the lines of the asked type, also when output text spells the same words', async () => {
    const runs = join(mkdtempSync(join(tmpdir(), 'docrun-baseline-')), 'runs')
    const dir = writeRun(runs, '20261202-010000-aaaa', 0, [
      { type: 'output', time: at(1), step: 'done', data: '{"type":"block-end","step":"done"}' },
      ...ran('done', 1, 700),
    ])
    writeFileSync(join(dir, 'events.jsonl'), '{"type":"block-end", torn', { flag: 'a' })
    const ends = await readEventsOfType(dir, 'block-end')
    expect(ends.map((e) => [e.step, e.result.durationMs])).toEqual([['done', 700]])
    expect(await readEventsOfType(join(runs, 'none'), 'block-end')).toEqual([])
  })

  it('a page at the run end looks up the blocks that ran; the newest earlier run that passed them wins', async () => {
    const runs = join(mkdtempSync(join(tmpdir(), 'docrun-baseline-')), 'runs')
    writeRun(runs, '20261202-010000-aaaa', 0, [...ran('done', 1, 900), ...ran('again', 2, 5000)])
    writeRun(runs, '20261202-010100-bbbb', 60, ran('again', 61, 4000))
    const now = writeRun(runs, '20261202-010200-cccc', 120, [
      { type: 'block-skip', time: at(121), step: 'done', reason: 'done in an earlier run', kind: 'done' },
      ...ran('again', 122, 3000),
    ])
    const view = (await readRunView(now))!
    const all = await loadBaseline(view)
    expect(Object.fromEntries([...all].map(([id, b]) => [id, [b.durationMs, b.runId]]))).toEqual({
      done: [900, '20261202-010000-aaaa'],
      again: [4000, '20261202-010100-bbbb'],
    })
    const onlyRan = await loadBaseline(view, (b) => b.attempts.length > 0)
    expect([...onlyRan.keys()]).toEqual(['again'])
    expect(await loadBaseline(view, () => false)).toEqual(new Map())
  })

  it("reads a run's identity from the head of its run-start, and the whole line when it has another shape", async () => {
    const runs = join(mkdtempSync(join(tmpdir(), 'docrun-baseline-')), 'runs')
    const dir = writeRun(runs, '20261202-010000-aaaa', 0, [])
    const want = { runId: '20261202-010000-aaaa', time: at(0), sha256: plan.runbook.sha256 }
    expect(await readRunIdentity(dir)).toEqual(want)
    // The identity is the run-start's, as a full parse gives it.
    const start = (await readRunStart(dir))!
    expect({ runId: start.runId, time: start.time, sha256: start.plan.runbook.sha256 }).toEqual(want)
    // Keys in another order (a hand-written or older log): parsed whole, the same answer.
    const other = join(runs, 'other')
    mkdirSync(other)
    const { type, ...rest } = JSON.parse(readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n')[0]!) as RunEvent
    writeFileSync(join(other, 'events.jsonl'), JSON.stringify({ ...rest, type }) + '\n')
    expect(await readRunIdentity(other)).toEqual(want)
    expect(await readRunIdentity(join(runs, 'none'))).toBeUndefined()
  })
})
