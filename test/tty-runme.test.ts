// A README written for Runme whose cells count on a terminal (Runme's `interactive`, true by
// default): `stty -opost`, `stty size`, `test -t`, a `read -p` prompt. Without a terminal the first
// fails with `stty: 'standard input': Inappropriate ioctl for device`; here it runs unattended.
import { cpSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, events, FIXTURES, latestRun, workspace } from './helpers/cli.js'
import { requireTool } from './helpers/chroot.js'

describe('Runme READMEs with terminal cells', () => {
  it('run unattended: interactive cells get a terminal (stty -opost works), terminalRows sets its height, interactive=false gets none', async () => {
    await requireTool('script', 'bsdutils')
    const doc = workspace('docrun-runme-tty-')
    cpSync(join(FIXTURES, 'runme-tty'), doc, { recursive: true })
    const ws = workspace()
    const r = await docrun(['run', join(doc, 'README.md'), '-w', ws], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.all).not.toMatch(/Inappropriate ioctl/)
    const ran = events(ws)
      .filter((e) => e.type === 'block-end')
      .map((e) => e.step as string)
    expect(ran).toEqual(['raw-output', 'size', 'is-terminal', 'question', 'piped'])
    const output = ran.map((id) => readFileSync(join(latestRun(ws), 'output', `${id}.log`), 'utf8')).join('')
    expect(output).toBe(readFileSync(join(doc, 'README.expected.txt'), 'utf8'))

    const list = await docrun(['list', join(doc, 'README.md')], { cwd: ws })
    expect(list.stdout).toMatch(/size {2}\[sh\] run in a 80x30 terminal @ host/)
    expect(list.stdout).toMatch(/piped {2}\[sh\] run @ host/)
  })
})
