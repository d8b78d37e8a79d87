// Golden transcript: a run's transcript, normalised, is byte-for-byte what we expect.
import { describe, expect, it } from 'vitest'
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { docrun, FIXTURES, latestRun, workspace } from './helpers/cli.js'

/** Machine facts differ between machines; everything else must not. */
const portable = (t: string) =>
  t
    .replace(/^\| (host|tools|docrun) \| .*\|$/gm, '| $1 | (machine) |')
    // Whether sudo exists depends on the machine: the note (under the first block) is left out.
    .replace(/^>\n> ℹ️ bash on the host: sudo is not installed.*\n/gm, '')

describe('transcript', () => {
  it('matches the golden transcript when normalised, from the run and from `docrun transcript`', async () => {
    const ws = workspace()
    copyFileSync(join(FIXTURES, 'golden/golden.md'), join(ws, 'golden.md'))
    writeFileSync(join(ws, 'go'), '')
    const r = await docrun(['run', 'golden.md', '--normalize'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    const written = portable(readFileSync(join(latestRun(ws), 'transcript.md'), 'utf8'))
    const again = await docrun(['transcript', '--normalize'], { cwd: ws })
    expect(again.exitCode, again.stderr).toBe(0)
    expect(portable(again.stdout)).toBe(written)

    const goldenPath = join(FIXTURES, 'golden/golden.transcript.md')
    if (process.env.UPDATE_GOLDEN || !existsSync(goldenPath)) writeFileSync(goldenPath, written)
    expect(written).toBe(readFileSync(goldenPath, 'utf8'))
    // Not normalised: times and the run id are there.
    const raw = await docrun(['transcript'], { cwd: ws })
    expect(raw.stdout).toMatch(/\| run \| `\d{8}-\d{6}-[0-9a-f]{4}` \|/)
    expect(raw.stdout).toMatch(/· \d+ms/)
  })

  it('elides long output in the Markdown and keeps it whole in a side file', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'long.md'), '# Long\n\n```sh {name=long}\nseq 1 5000\n```\n')
    const r = await docrun(['run', 'long.md', '--quiet'], { cwd: ws })
    expect(r.exitCode).toBe(0)
    const t = readFileSync(join(latestRun(ws), 'transcript.md'), 'utf8')
    // Recorded as the block's {expect}: `...` stands for the lines left out, and the prose says where they are.
    expect(t).toContain('The `...` below stands for 4880 lines left out here; the whole output is in output/long.log.')
    expect(t).toContain('\n40\n...\n4921\n')
    expect(t).toContain('\n5000\n')
    expect(t).not.toContain('\n2500\n')
    const side = readFileSync(join(latestRun(ws), 'output/long.log'), 'utf8')
    expect(side.split('\n').length).toBe(5001)
  })
})
