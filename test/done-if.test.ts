// `{done-if=CMD}`: a block whose effect persists and cannot be repeated is not run again by
// --from, --only or --resume once CMD says it is done; a fresh workspace runs it; a test that
// fails (or cannot run) lets the block run. Real bash, real runs of the built CLI.
import { describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { docrun, transcript, workspace } from './helpers/cli.js'

const runbook = (once = 'echo ran >> once.log\ntouch made') => `# Once

\`\`\`bash {name=once done-if="test -e made"}
${once}
\`\`\`

\`\`\`bash {name=after}
echo after >> after.log
\`\`\`
`

const runs = (ws: string, file: string) => readFileSync(join(ws, file), 'utf8').trim().split('\n').length

describe('done-if', () => {
  it('runs the block the first time, and not again with --from, --only or --resume after an edit', async () => {
    const ws = workspace('docrun-done-if-')
    writeFileSync(join(ws, 'rb.md'), runbook())
    const first = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(first.exitCode, first.all).toBe(0)
    expect(runs(ws, 'once.log')).toBe(1)
    for (const args of [
      ['--from', 'once'],
      ['--only', 'once'],
    ]) {
      const r = await docrun(['run', 'rb.md', ...args], { cwd: ws })
      expect(r.exitCode, r.all).toBe(0)
    }
    expect(runs(ws, 'once.log')).toBe(1)
    expect(runs(ws, 'after.log')).toBe(2)
    expect(transcript(ws)).toContain('already done: `test -e made` holds on host; the block did not run again')
    // An edited block is stale on --resume: its done-if still says its effect is there.
    writeFileSync(join(ws, 'rb.md'), runbook('echo ran again >> once.log\ntouch made'))
    const resumed = await docrun(['run', 'rb.md', '--resume'], { cwd: ws })
    expect(resumed.exitCode, resumed.all).toBe(0)
    expect(runs(ws, 'once.log')).toBe(1)
    const summary = JSON.parse(readFileSync(join(ws, '.docrun/runs/latest/summary.json'), 'utf8')) as {
      blocks: { id: string; status: string; alreadyDone?: string }[]
    }
    expect(summary.blocks.find((b) => b.id === 'once')).toMatchObject({ status: 'passed', alreadyDone: 'test -e made' })
  })

  it('runs the block when the test fails, and when it cannot run', async () => {
    const ws = workspace('docrun-done-if-')
    writeFileSync(join(ws, 'rb.md'), runbook())
    await docrun(['run', 'rb.md'], { cwd: ws })
    writeFileSync(join(ws, 'rb.md'), runbook().replace('test -e made', 'test -e never-made'))
    const r = await docrun(['run', 'rb.md', '--only', 'once'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(runs(ws, 'once.log')).toBe(2)
    // A test that hangs past its limit is not a verdict: said, and the block runs (here: a syntax error).
    writeFileSync(join(ws, 'rb.md'), runbook().replace('test -e made', 'test -e made ]]('))
    const broken = await docrun(['run', 'rb.md', '--only', 'once'], { cwd: ws })
    expect(broken.exitCode, broken.all).toBe(0)
    expect(runs(ws, 'once.log')).toBe(3)
  })
})
