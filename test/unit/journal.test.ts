// The state on disk is a whole file and a journal of the changes since: a reader applies the
// journal's lines in order, passes over a torn last line, and ignores a journal older than the
// whole file (folded in already). A block costs one appended line, not a rewrite of the state.
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { RunRecord } from '../../src/run/record.js'
import { workspacePaths } from '../../src/state/paths.js'
import { loadState } from '../../src/state/state.js'
import { plan, state } from './fixtures.js'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})
function setup() {
  const ws = mkdtempSync(join(tmpdir(), 'docrun-unit-'))
  dirs.push(ws)
  const paths = workspacePaths(ws, join(ws, 'r.md'))
  return { paths, load: async () => (await loadState(paths, join(ws, 'r.md'), 'sha')).state }
}
const ok = { status: 'passed', exitCode: 0, timedOut: false, interrupted: false, durationMs: 1, startedAt: '', outputBytes: 0 } as const
const steps = plan({ id: 'a' }, { id: 'b' }, { id: 'c' }).steps

describe('the state journal', () => {
  it('a block appends one line; the whole file is written once at the start and once at the end', async () => {
    const { paths, load } = setup()
    const rec = new RunRecord(paths, state([]), 'r1')
    await rec.blockStarted({ block: 'a', runId: 'r1', keep: false, mounts: [], loops: [] })
    const whole = readFileSync(paths.state, 'utf8')
    for (const s of steps) {
      await rec.blockStarted({ block: s.id, runId: 'r1', keep: false, mounts: [], loops: [] })
      await rec.blockEnded(s, ok)
    }
    // Blocks after the first write left the whole file as it was: their changes are in the journal.
    expect(readFileSync(paths.state, 'utf8')).toBe(whole)
    expect(readFileSync(paths.journal, 'utf8').trim().split('\n')).toHaveLength(1 + 2 * steps.length)
    expect(statSync(paths.journal).mode & 0o777).toBe(0o600)
    const st = await load()
    expect(Object.keys(st.blocks)).toEqual(['a', 'b', 'c'])
    expect(st.pending).toBeUndefined()
    await rec.finish()
    expect(() => statSync(paths.journal)).toThrow(/ENOENT/)
    expect(Object.keys(JSON.parse(readFileSync(paths.state, 'utf8')).blocks)).toEqual(['a', 'b', 'c'])
  })

  it('the ledger and the guests change in the journal too: a shell or a guest costs a line, not a whole rewrite with fsync', async () => {
    const { paths, load } = setup()
    const rec = new RunRecord(paths, state([]), 'r1')
    await rec.blockStarted({ block: 'a', runId: 'r1', keep: false, mounts: [], loops: [] })
    const whole = readFileSync(paths.state, 'utf8')
    await rec.resourceMade({ kind: 'process', pid: 4242, description: 'bash on the host' } as never)
    await rec.resourceMade({ kind: 'dir', path: '/tmp/docrun-x', description: 'a temp dir' } as never)
    await rec.guestLife('vm', { pid: 4343, readyAfterMs: 5000 } as never)
    await rec.blockEnded(steps[0]!, ok, [{ kind: 'mount', mountPoint: '/mnt/x', block: 'a', runId: 'r1', keep: true } as never])
    expect(readFileSync(paths.state, 'utf8')).toBe(whole)
    let st = await load()
    expect(st.resources.map((r) => r.kind)).toEqual(['process', 'dir', 'mount'])
    expect(st.guests?.vm?.pid).toBe(4343)
    await rec.guestLife('vm', { end: 'powered off' } as never)
    const gone = rec.state.resources.filter((r) => r.kind !== 'mount')
    await rec.tornDown(gone.map((resource) => ({ resource, ok: true })) as never)
    st = await load()
    expect(st.resources.map((r) => r.kind)).toEqual(['mount'])
    expect(st.guests?.vm).toMatchObject({ pid: 4343, end: 'powered off' })
    await rec.finish()
    const onDisk = JSON.parse(readFileSync(paths.state, 'utf8'))
    expect(onDisk.resources.map((r: { kind: string }) => r.kind)).toEqual(['mount'])
    expect(onDisk.guests.vm.end).toBe('powered off')
  })

  it('a torn last line (a power loss mid-write) is passed over; the lines before it count', async () => {
    const { paths, load } = setup()
    const rec = new RunRecord(paths, state([]), 'r1')
    await rec.blockStarted({ block: 'a', runId: 'r1', keep: false, mounts: [], loops: [] })
    await rec.blockEnded(steps[0]!, ok)
    await rec.blockStarted({ block: 'b', runId: 'r1', keep: false, mounts: [], loops: [] })
    appendFileSync(paths.journal, '{"updatedAt":"x","blocks":{"b":{"hash"')
    const st = await load()
    expect(st.blocks.a?.status).toBe('passed')
    expect(st.blocks.b).toBeUndefined()
    expect(st.pending?.block).toBe('b')
  })

  it('a journal older than the whole file is ignored (its changes are in the file already)', async () => {
    const { paths, load } = setup()
    const rec = new RunRecord(paths, state([]), 'r1')
    await rec.blockStarted({ block: 'a', runId: 'r1', keep: false, mounts: [], loops: [] })
    await rec.blockStarted({ block: 'a', runId: 'r1', keep: false, mounts: [], loops: [] })
    const stale = readFileSync(paths.journal, 'utf8')
    await rec.blockEnded(steps[0]!, ok)
    await rec.finish()
    // A crash between the whole write and the journal's removal leaves this: the journal's pending probe is stale.
    writeFileSync(paths.journal, stale)
    const st = await load()
    expect(st.pending).toBeUndefined()
    expect(st.blocks.a?.status).toBe('passed')
  })
})
