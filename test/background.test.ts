// Long runs in the background: run --detach, status --follow, stop, then --resume.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it, vi } from 'vitest'
import { CLI, docrun, workspace } from './helpers/cli.js'
import { alive, readStat } from './helpers/proc.js'

const RUNBOOK = `# Long

\`\`\`sh {name=one}
echo start
\`\`\`

\`\`\`sh {name=slow}
echo "slow pid $$"
for i in 1 2 3 4 5 6 7 8 9 10; do echo tick $i; sleep 1; done
\`\`\`

\`\`\`sh {name=after}
echo after
\`\`\`
`

function eventsOf(ws: string, runId: string): { type: string; [k: string]: unknown }[] {
  try {
    return readFileSync(join(ws, '.docrun/runs', runId, 'events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string })
  } catch {
    return []
  }
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  await vi.waitFor(() => expect(cond(), `waiting for ${what}`).toBe(true), { timeout: ms, interval: 100 })
}

const sessionOf = (pid: number) => String(readStat(pid)?.session)

describe('background runs', () => {
  it('--detach returns at once with the run id; the run has its own session; status --follow renders it and exits with its code', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'long.md'), RUNBOOK)
    const t0 = Date.now()
    const d = await docrun(['run', 'long.md', '--detach'], { cwd: ws })
    expect(d.exitCode, d.all).toBe(0)
    expect(Date.now() - t0).toBeLessThan(5000)
    const runId = d.stdout.trim()
    expect(runId).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/)
    expect(d.stderr).toContain(`docrun status --follow ${runId}`)
    const start = eventsOf(ws, runId).find((e) => e.type === 'run-start')!
    expect(sessionOf(start.pid as number)).not.toBe(sessionOf(process.pid))
    expect(sessionOf(start.pid as number)).toBe(String(start.pid))

    const f = await docrun(['status', '--follow', runId], { cwd: ws })
    expect(f.exitCode, f.all).toBe(0)
    expect(f.stdout).toMatch(/▶️ Long › slow \(host\)\nslow pid \d+\ntick 1\n(?:.*\n)*tick 10\n.*✅ slow passed/)
    expect(f.stdout).toContain('docrun: passed (3 passed)')
    // The background run's own output went to console.log in its run directory.
    expect(readFileSync(join(ws, '.docrun/runs', runId, 'console.log'), 'utf8')).toContain('docrun: passed (3 passed)')
  })

  it('Ctrl-C on --follow leaves the run alone; docrun stop interrupts it like Ctrl-C, and --resume finishes it', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'long.md'), RUNBOOK)
    const runId = (await docrun(['run', 'long.md', '--detach'], { cwd: ws })).stdout.trim()
    await until('the slow block', () => eventsOf(ws, runId).some((e) => e.type === 'output' && String(e.data).includes('tick 1')))

    const follower = execa('node', [CLI, 'status', '--follow', runId], { cwd: ws, reject: false, env: { NO_COLOR: '1' } })
    // Interrupt it once it is following (it has rendered the run's start).
    let seen = ''
    follower.stdout!.on('data', (c: Buffer) => (seen += c.toString()))
    await until('the follower to render the run', () => seen.includes('tick 1'))
    follower.kill('SIGINT')
    const fr = await follower
    expect(fr.exitCode).toBe(130)
    expect(fr.stderr).toContain('stopped following; the run goes on')
    expect(eventsOf(ws, runId).some((e) => e.type === 'run-end')).toBe(false)

    const slowPid = Number(
      /slow pid (\d+)/.exec(
        eventsOf(ws, runId)
          .map((e) => String(e.data ?? ''))
          .join(''),
      )![1],
    )
    const stop = await docrun(['stop', runId], { cwd: ws })
    expect(stop.exitCode, stop.all).toBe(0)
    expect(stop.stderr).toContain(`run ${runId} interrupted`)
    const end = eventsOf(ws, runId).find((e) => e.type === 'run-end')!
    expect(end).toMatchObject({ status: 'interrupted', exitCode: 130 })
    // The block's shell is gone with its process group.
    expect(() => process.kill(slowPid, 0)).toThrow()
    // Following a finished run replays it and exits with its code.
    expect((await docrun(['status', '--follow', runId, '-q'], { cwd: ws })).exitCode).toBe(130)
    // Stopping it again says it is not running.
    expect((await docrun(['stop', runId], { cwd: ws })).stderr).toContain('is not running (it interrupted)')

    const resumed = await docrun(['run', 'long.md', '--resume'], { cwd: ws })
    expect(resumed.exitCode, resumed.all).toBe(0)
    expect(resumed.stdout).toContain('one done in an earlier run')
    expect(resumed.stdout).toContain('tick 6')
  })

  it('a detached run that cannot start says why, with the exit code', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'bad.md'), '# Bad\n\n```sh {nme=x}\necho\n```\n')
    const d = await docrun(['run', 'bad.md', '--detach'], { cwd: ws })
    expect(d.exitCode).toBe(2)
    expect(d.stderr).toMatch(/bad\.md\n3:8 error/)
    expect(d.stderr).toContain('Unknown attribute `nme`')
  })

  it("--follow tells when the run's docrun died without finishing (kill -9)", async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'long.md'), RUNBOOK)
    const runId = (await docrun(['run', 'long.md', '--detach'], { cwd: ws })).stdout.trim()
    await until('the slow block', () => eventsOf(ws, runId).some((e) => e.type === 'block-start' && e.step === 'slow'))
    const pid = eventsOf(ws, runId).find((e) => e.type === 'run-start')!.pid as number
    process.kill(pid, 'SIGKILL')
    const f = await docrun(['status', '--follow', runId, '-q'], { cwd: ws })
    expect(f.exitCode).toBe(130)
    expect(f.stderr).toContain(`(pid ${pid}) is gone without finishing the run`)
    // Its shell, left without docrun, finishes the block and ends at the end of its input.
    await until('the orphaned block shell to end', () => {
      const shell = Number(
        /slow pid (\d+)/.exec(
          eventsOf(ws, runId)
            .map((e) => String(e.data ?? ''))
            .join(''),
        )?.[1],
      )
      try {
        process.kill(shell, 0)
        return false
      } catch {
        return true
      }
    })
  })

  it('status tells a live run from a dead one: the block running now, for how long, and who runs it', async () => {
    const ws = workspace()
    // The block sleeps long enough for a loaded machine; the test ends its sleep itself.
    const runbook = [
      '# Long',
      '',
      '```sh {name=one}',
      'echo start',
      '```',
      '',
      '```sh {name=slow}',
      "sh -c 'echo $$ > sleep.pid; exec sleep 300'",
      '```',
      '',
    ].join('\n')
    writeFileSync(join(ws, 'long.md'), runbook)
    const runId = (await docrun(['run', 'long.md', '--detach'], { cwd: ws })).stdout.trim()
    await until('the slow block', () => existsSync(join(ws, 'sleep.pid')) && readFileSync(join(ws, 'sleep.pid'), 'utf8').endsWith('\n'))
    const pid = eventsOf(ws, runId).find((e) => e.type === 'run-start')!.pid as number

    const live = await docrun(['status', 'long.md'], { cwd: ws })
    expect(live.exitCode, live.all).toBe(0)
    expect(live.stdout).toContain(`long.md  (running now: run ${runId})`)
    expect(live.stdout).not.toContain('never run here')
    expect(live.stdout).not.toContain('a docrun died')
    expect(live.stdout).toMatch(/done\s+one/)
    expect(live.stdout).toMatch(/running\s+slow\s+\S+ so far/)
    expect(live.stdout).toMatch(new RegExp(`running now: block slow is running \\(\\S+ so far\\); docrun pid ${pid} \\(\`docrun run long.md\`, since \\d{4}-`))
    const json = JSON.parse((await docrun(['status', 'long.md', '--json'], { cwd: ws })).stdout) as {
      running: { pid: number; runId: string; block: { id: string } }
    }
    expect(json.running).toMatchObject({ pid, runId, block: { id: 'slow' } })

    // The same workspace after its docrun was killed: a dead run, not a live one.
    process.kill(pid, 'SIGKILL')
    await until('the docrun to be gone', () => !alive(pid))
    const dead = await docrun(['status', 'long.md'], { cwd: ws })
    expect(dead.stdout).not.toContain('running now')
    expect(dead.stdout).toContain('a docrun died while block slow ran')
    // End the orphaned block (its shell then ends at the end of its input).
    process.kill(Number(readFileSync(join(ws, 'sleep.pid'), 'utf8')), 'SIGKILL')
  })
})
