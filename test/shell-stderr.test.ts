// What the target's shell itself writes on its stderr (not a block's output: blocks' stderr goes
// with their stdout) reaches the run as a note on the block that was running. Here a real bash
// says it at start: non-interactive bash reads $BASH_ENV, and docrun's host shell inherits it.
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { docrun, events, workspace } from './helpers/cli.js'

const made: string[] = []
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe("the shell's own stderr", () => {
  it('is said as a note on the running block, not dropped', async () => {
    const ws = workspace()
    made.push(ws)
    writeFileSync(join(ws, 'env.sh'), 'echo "complaint from BASH_ENV: $0" >&2\n')
    writeFileSync(join(ws, 'README.md'), '# S\n\n```sh {name=first}\necho one\n```\n\n```sh {name=second}\necho two\n```\n')
    const r = await docrun(['run', 'README.md'], { cwd: ws, env: { BASH_ENV: join(ws, 'env.sh') } })
    expect(r.exitCode, r.all).toBe(0)
    const notes = events(ws).filter((e) => e.type === 'note' && String(e.message).includes('stderr'))
    expect(notes).toEqual([expect.objectContaining({ step: 'first', message: "the host's bash wrote on its stderr: complaint from BASH_ENV: bash" })])
  })
})
