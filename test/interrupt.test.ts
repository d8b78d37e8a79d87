// Ctrl-C and a second docrun on the same workspace, against the real CLI.
import { describe, expect, it, vi } from 'vitest'
import { execa } from 'execa'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLI, docrun, transcript, workspace } from './helpers/cli.js'
import { alive } from './helpers/proc.js'

const RUNBOOK = [
  '# Long',
  '',
  '```sh {name=first}',
  'echo first >> log',
  '```',
  '',
  '```sh {name=slow}',
  'echo $$ > slow.pid',
  "sh -c 'echo $$ > child.pid; exec sleep 600'",
  '```',
  '',
  '```sh {name=last}',
  'echo last >> log',
  '```',
  '',
].join('\n')

async function waitFor(path: string) {
  await vi.waitFor(() => expect(existsSync(path), path).toBe(true), { timeout: 10_000, interval: 50 })
}

describe('interrupts and the lock', () => {
  it("SIGINT stops the running block's process group, records it, exits 130; --resume continues there", async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'long.md'), RUNBOOK)
    const child = execa('node', [CLI, 'run', 'long.md'], { cwd: ws, reject: false })
    await waitFor(join(ws, 'child.pid'))
    child.kill('SIGINT')
    const r = await child
    expect(r.exitCode).toBe(130)
    expect(alive(Number(readFileSync(join(ws, 'child.pid'), 'utf8')))).toBe(false)
    expect(transcript(ws)).toMatch(/⏹️ \*\*interrupted\*\* · `slow`/)
    expect(transcript(ws)).toContain('interrupted at slow')
    const status = await docrun(['status', 'long.md'], { cwd: ws })
    expect(status.stdout).toMatch(/interrupted\s+slow/)

    writeFileSync(join(ws, 'long.md'), RUNBOOK.replace('exec sleep 600', 'exec true'))
    const again = await docrun(['run', 'long.md', '--resume'], { cwd: ws })
    expect(again.exitCode, again.all).toBe(0)
    expect(readFileSync(join(ws, 'log'), 'utf8')).toBe('first\nlast\n')
  })

  it('a second docrun on the same workspace refuses with exit 75 and says who holds it', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'long.md'), RUNBOOK)
    const child = execa('node', [CLI, 'run', 'long.md'], { cwd: ws, reject: false })
    await waitFor(join(ws, 'child.pid'))
    const second = await docrun(['run', 'long.md'], { cwd: ws })
    expect(second.exitCode).toBe(75)
    expect(second.stderr).toMatch(/Another docrun \(pid \d+/)
    child.kill('SIGTERM')
    expect((await child).exitCode).toBe(130)
  })
})
