// A workspace an older docrun left: its state records each block's hash under that docrun's
// rule. Attributes made inert since (cache, done-if: 7860fc8) changed the hash of every block
// that has one, and so made the whole workspace stale after an upgrade — the daily loop's hour
// again. The hashes in the fixture are the ones docrun at 8efe456 recorded for upgrade.md.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, FIXTURES, workspace } from './helpers/cli.js'

const DIR = join(FIXTURES, 'upgrade')
const former = JSON.parse(readFileSync(join(DIR, 'hashes-8efe456.json'), 'utf8')) as { hashes: Record<string, string> }

/** Run upgrade.md with today's docrun, then give its state the hashes the older docrun recorded. */
async function workspaceOfAnOlderDocrun(): Promise<string> {
  const ws = workspace('docrun-upgrade-')
  writeFileSync(join(ws, 'upgrade.md'), readFileSync(join(DIR, 'upgrade.md')))
  const r = await docrun(['run', 'upgrade.md'], { cwd: ws })
  expect(r.exitCode, r.all).toBe(0)
  const stateDir = join(ws, '.docrun/state')
  const file = join(
    stateDir,
    readdirSync(stateDir).find((f) => f.endsWith('.json'))!,
  )
  const state = JSON.parse(readFileSync(file, 'utf8')) as { blocks: Record<string, { hash: string }> }
  for (const [id, hash] of Object.entries(former.hashes)) {
    // A block with done-if or cache had another hash then; one without such attributes had the same.
    if (id === 'last') expect(state.blocks[id]!.hash).toBe(hash)
    else expect(state.blocks[id]!.hash, `${id}: the fixture holds an older rule's hash`).not.toBe(hash)
    state.blocks[id]!.hash = hash
  }
  writeFileSync(file, JSON.stringify(state))
  return ws
}

describe('a workspace an older docrun ran', () => {
  it('is done: status says so, and --resume runs nothing', async () => {
    const ws = await workspaceOfAnOlderDocrun()
    const status = await docrun(['status', 'upgrade.md'], { cwd: ws })
    expect(status.all).not.toMatch(/stale/)
    expect(status.all).toMatch(/done\s+once[\s\S]*done\s+stored[\s\S]*done\s+last/)
    const resumed = await docrun(['run', 'upgrade.md', '--resume'], { cwd: ws })
    expect(resumed.exitCode, resumed.all).toBe(0)
    expect(readFileSync(join(ws, 'log'), 'utf8')).toBe('last\n')
  })

  it('an edit is still an edit: the edited block and what follows run again', async () => {
    const ws = await workspaceOfAnOlderDocrun()
    const text = readFileSync(join(ws, 'upgrade.md'), 'utf8').replace('echo stored >', 'echo edited >')
    writeFileSync(join(ws, 'upgrade.md'), text)
    const status = await docrun(['status', 'upgrade.md'], { cwd: ws })
    expect(status.all).toMatch(/done\s+once[\s\S]*stale\s+stored[\s\S]*stale\s+last/)
    const resumed = await docrun(['run', 'upgrade.md', '--resume'], { cwd: ws })
    expect(resumed.exitCode, resumed.all).toBe(0)
    expect(readFileSync(join(ws, 'out/file'), 'utf8')).toBe('edited\n')
    expect(readFileSync(join(ws, 'log'), 'utf8')).toBe('last\nlast\n')
  })
})
