// Runme's `background` cells: started from their target's shell state, left running while the
// run goes on, ended with the run (the ledger has them); one that fails at once fails its block;
// --resume starts it again for the blocks after it.
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { execa } from 'execa'
import { describe, expect, it, vi } from 'vitest'
import { CLI, docrun, events, latestRun, workspace } from './helpers/cli.js'
import { alive } from './helpers/proc.js'

// `quiet`: the loop writes only to its file. A loop that also prints would die of SIGPIPE
// once a kill -9'd docrun's pipe is gone, racing the next run that is to end it.
const README = (then: string, quiet = false) => `# Serve

\`\`\`sh {"name":"setup"}
export GREETING=hello
\`\`\`

\`\`\`sh {"name":"serve","background":true}
echo "$GREETING from the background"; echo $$ > bg.pid
i=0; while :; do i=$((i+1)); echo "tick $i" >> ticks; ${quiet ? ':' : 'echo "tick $i"'}; sleep 0.2; done
\`\`\`

\`\`\`sh {"name":"use"}
${then}
\`\`\`
`

describe('background blocks', () => {
  it('run on while later blocks run, from the shell state before them, and end with the run', async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'README.md'),
      README('n=$(wc -l < ticks); sleep 1; test "$(wc -l < ticks)" -gt "$n" && kill -0 "$(cat bg.pid)" && echo "still ticking"'),
    )
    const r = await docrun(['run', 'README.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    const pid = Number(readFileSync(join(ws, 'bg.pid'), 'utf8'))
    expect(r.all).toContain(`(running in the background as pid ${pid} until the run ends; its later output: serve.background.log)`)
    expect(r.all).toContain('hello from the background')
    expect(r.all).toContain('still ticking')
    expect(r.all).toMatch(new RegExp(`ended background block serve \\(pid ${pid}\\)`))
    expect(alive(pid)).toBe(false)
    // What it said after its block went to the side file.
    expect(readFileSync(join(latestRun(ws), 'output', 'serve.background.log'), 'utf8')).toMatch(/^tick \d+$/m)
    const status = JSON.parse((await docrun(['status', 'README.md', '--json'], { cwd: ws })).stdout) as { resources: unknown[] }
    expect(status.resources).toEqual([])
  })

  it('one that fails at once fails its block with its exit status', async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'README.md'),
      '# Fail\n\n```sh {"name":"serve","background":true}\necho no such port >&2; exit 3\n```\n\n```sh {"name":"after"}\necho never\n```\n',
    )
    const r = await docrun(['run', 'README.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    expect(r.all).toContain('no such port')
    expect(r.all).toMatch(/serve failed \(exit 3\)/)
    expect(r.all).not.toContain('never')
  })

  it('--resume starts it again for the blocks after it, in the shell state they had', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'README.md'), README('test -f go && kill -0 "$(cat bg.pid)" && echo "$GREETING, served"'))
    const first = await docrun(['run', 'README.md'], { cwd: ws })
    expect(first.exitCode, first.all).toBe(1)
    const pid1 = Number(readFileSync(join(ws, 'bg.pid'), 'utf8'))
    expect(alive(pid1)).toBe(false)
    writeFileSync(join(ws, 'go'), '')
    const again = await docrun(['run', 'README.md', '--resume'], { cwd: ws })
    expect(again.exitCode, again.all).toBe(0)
    expect(again.all).toContain('block serve runs again: a background block ends with its run')
    expect(again.all).toContain('hello, served')
    const pid2 = Number(readFileSync(join(ws, 'bg.pid'), 'utf8'))
    expect(pid2).not.toBe(pid1)
    expect(alive(pid2)).toBe(false)
    expect(
      events(ws)
        .filter((e) => e.type === 'block-start')
        .map((e) => e.step),
    ).toEqual(['serve', 'use'])
    expect(existsSync(join(latestRun(ws), 'output', 'serve.background.log'))).toBe(true)
  })

  it('masks secrets in what it says after its block', async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'README.md'),
      '---\nparams:\n  DEPLOY_PASSWORD: {default: "hunter2-correct-horse", secret: true}\n---\n# S\n\n```sh {name=serve background}\nsleep 1.5; echo "late: $DEPLOY_PASSWORD"; exec sleep 100\n```\n\n```sh {name=wait}\nsleep 2.5\n```\n',
    )
    const r = await docrun(['run', 'README.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    const later = readFileSync(join(latestRun(ws), 'output', 'serve.background.log'), 'utf8')
    expect(later).toBe('late: ********\n')
  })

  it('one left by a docrun killed with kill -9 is ended by the next run, by its pid and start time', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'README.md'), README('test -f go || sleep 600', true))
    const child = execa('node', [CLI, 'run', 'README.md'], { cwd: ws, reject: false })
    await vi.waitFor(() => expect(existsSync(join(ws, 'bg.pid'))).toBe(true), { timeout: 30_000, interval: 100 })
    await sleep(1500)
    child.kill('SIGKILL')
    await child
    const pid = Number(readFileSync(join(ws, 'bg.pid'), 'utf8'))
    // The background block outlived its docrun (its own process group).
    expect(alive(pid)).toBe(true)
    // The ledger knows the shell's temp dir too (as a reader sees it: the state with its journal).
    const status = await docrun(['status', 'README.md', '--json'], { cwd: ws })
    const st = JSON.parse(status.stdout) as { resources: { kind: string; path?: string }[] }
    const dirs = st.resources.filter((r) => r.kind === 'dir').map((r) => r.path!)
    expect(dirs).toHaveLength(1)
    expect(existsSync(dirs[0]!)).toBe(true)
    writeFileSync(join(ws, 'go'), '')
    const again = await docrun(['run', 'README.md', '--resume'], { cwd: ws })
    expect(again.exitCode, again.all).toBe(0)
    expect(again.all).toMatch(new RegExp(`cleaned up what was left by an earlier run: .*ended background block serve \\(pid ${pid}\\)`))
    expect(alive(pid)).toBe(false)
    expect(existsSync(dirs[0]!)).toBe(false)
    expect(again.all).toContain(`removed the temp dir of bash on the host ${dirs[0]}`)
    // So is the block that was running (its own process group in the dead docrun's shell session).
    expect(again.all).toMatch(/ended the shell of bash on the host \(pid \d+\)/)
    const sleeper = await execa('pgrep', ['-f', `^sleep 600$`], { reject: false })
    for (const p of sleeper.stdout.split('\n').filter(Boolean).map(Number)) {
      expect(readlinkSync(`/proc/${p}/cwd`), 'a `sleep 600` of this test is still running').not.toBe(ws)
    }
  })
})
