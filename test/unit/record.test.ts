// The run's record: each change is on disk when the method returns; teardown results keep
// exactly the resources that failed (by identity, never by matching their names as text).
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Resource } from '../../src/resources/ledger.js'
import { RunRecord } from '../../src/run/record.js'
import { workspacePaths } from '../../src/state/paths.js'
import { loadState, type State } from '../../src/state/state.js'
import { plan, state } from './fixtures.js'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})
function record(st: State) {
  const ws = mkdtempSync(join(tmpdir(), 'docrun-unit-'))
  dirs.push(ws)
  const paths = workspacePaths(ws, join(ws, 'r.md'))
  // What a reader finds on disk: the state written whole with its journal applied.
  return { rec: new RunRecord(paths, st, 'r1'), disk: async () => (await loadState(paths, join(ws, 'r.md'), 'sha')).state }
}
const loop = (n: number): Resource => ({ kind: 'loop', device: `/dev/loop${n}`, backFile: `/ws/${n}.img`, block: 'b', runId: 'r0', keep: false })

describe('RunRecord', () => {
  it('keeps exactly the resources whose teardown failed: loop1 is not loop10', async () => {
    const [l1, l10, l2] = [loop(1), loop(10), loop(2)]
    const { rec, disk } = record(state([], [l1, l10, l2]))
    await rec.tornDown([
      { resource: l1, ok: true, message: 'losetup -d /dev/loop1' },
      { resource: l10, ok: false, message: 'losetup -d /dev/loop10: busy' },
      { resource: l2, ok: true },
    ])
    expect((await disk()).resources).toEqual([l10])
  })

  it('a block: pending on disk when it starts, gone with its result and what it created in one write', async () => {
    const { rec, disk } = record(state([]))
    const step = plan({ id: 'b' }).steps[0]!
    await rec.blockStarted({ block: 'b', runId: 'r1', keep: false, mounts: [], loops: [] })
    expect((await disk()).pending?.block).toBe('b')
    expect(rec.running).toBe('b')
    await rec.resourceMade({ kind: 'dir', path: '/tmp/x', description: 'a temp dir' })
    expect((await disk()).resources).toEqual([{ kind: 'dir', path: '/tmp/x', description: 'a temp dir', block: 'b', runId: 'r1', keep: false }])
    await rec.blockEnded(
      step,
      { status: 'failed', exitCode: 2, timedOut: false, interrupted: false, durationMs: 5, startedAt: '', outputBytes: 0, message: 'exited with status 2' },
      [loop(3)],
    )
    const d = await disk()
    expect(d.pending).toBeUndefined()
    expect(d.blocks.b).toMatchObject({
      hash: 'h-b',
      status: 'failed',
      exitCode: 2,
      durationMs: 5,
      runId: 'r1',
      target: 'host',
      message: 'exited with status 2',
    })
    expect(d.resources).toHaveLength(2)
    expect(d.lastRun).toBe('r1')
  })

  it("a guest's life: booted, then ended", async () => {
    const { rec, disk } = record(state([]))
    await rec.guestLife('vm', { pid: 42, readyAfterMs: 3100.4 })
    expect((await disk()).guests?.vm).toMatchObject({ pid: 42, runId: 'r1', readyAfterMs: 3100 })
    await rec.guestLife('vm', { end: 'poweroff -f' })
    expect((await disk()).guests?.vm).toMatchObject({ pid: 42, end: 'poweroff -f' })
  })
})
