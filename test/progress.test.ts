// Progress: a live region on a terminal (a real pseudo-terminal: tmux), plain timestamped
// lines when the output is a pipe, and --quiet.
import { execa } from 'execa'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLI, docrun, workspace } from './helpers/cli.js'
import { requireTool } from './helpers/chroot.js'

const RUNBOOK =
  '# P\n\n## 1. Quick\n\n```sh {name=quick}\necho quick\n```\n\n## 2. Slow\n\n```sh {name=slow}\nfor i in 1 2 3 4 5 6; do echo "step $i of 6"; sleep 0.5; done\n```\n\n```sh {name=last}\necho last\n```\n'

async function capture(session: string): Promise<string> {
  return (await execa('tmux', ['capture-pane', '-p', '-t', session])).stdout
}

describe('progress', () => {
  it('on a terminal: a live line with section, block, target, elapsed, last output, tally; the estimate from the last run', async () => {
    await requireTool('tmux', 'tmux')
    const ws = workspace()
    writeFileSync(join(ws, 'p.md'), RUNBOOK)
    const session = `docrun-test-${process.pid}`
    const run = async () => {
      await execa('tmux', ['new-session', '-d', '-s', session, '-x', '120', '-y', '30', '-c', ws, `NO_COLOR=1 node ${CLI} run p.md; echo EXIT=$?; sleep 30`])
      const seen: string[] = []
      for (let i = 0; i < 100; i++) {
        await new Promise((r) => setTimeout(r, 100))
        const pane = await capture(session)
        seen.push(pane)
        if (pane.includes('EXIT=')) break
      }
      await execa('tmux', ['kill-session', '-t', session], { reject: false })
      return seen
    }
    const first = await run()
    const during = first.find((p) => /▶️ 2\. Slow › slow \(host\) \d/.test(p) && /│ step \d of 6/.test(p))
    expect(during, first.at(-1)).toBeTruthy()
    expect(during).toMatch(/done 1\/3 · failed 0 · remaining 2/)
    const end = first.at(-1)!
    expect(end).toContain('EXIT=0')
    expect(end).toMatch(/✅ 2\. Slow › slow passed \(exit 0\) in \d/)
    // The live region is gone at the end: no stale "running" line is left on the screen.
    expect(end).not.toContain('│ step')
    const second = await run()
    expect(second.some((p) => /slow \(host\) [\d.]+m?s of ~[\d.]+s \(last run\)/.test(p))).toBe(true)
  })

  it('not on a terminal: plain timestamped lines with the output; --quiet prints only failures and the summary', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'p.md'), RUNBOOK.replace('echo last', 'echo last; exit 3'))
    const r = await docrun(['run', 'p.md'], { cwd: ws })
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toMatch(/^\[\d\d:\d\d:\d\d\] ▶️ 2\. Slow › slow \(host\)$/m)
    expect(r.stdout).toContain('step 6 of 6\n')
    expect(r.stdout).toMatch(/^\[\d\d:\d\d:\d\d\] ❌ last failed \(exit 3\)/m)
    const q = await docrun(['run', 'p.md', '--quiet'], { cwd: ws })
    expect(q.stdout).not.toContain('step 6 of 6')
    expect(q.stdout).not.toContain('✅')
    expect(q.stdout).toMatch(/❌ last failed \(exit 3\)/)
    expect(q.stdout).toMatch(/docrun: failed \(2 passed, 1 failed\)/)
  })

  it('an {interactive} block gets the terminal when there is one (its alt= stays out), and its alt= runs when there is none', async () => {
    await requireTool('tmux', 'tmux')
    const ws = workspace()
    writeFileSync(
      join(ws, 'i.md'),
      '# I\n\n```sh {name=pre}\nGREETING=hello; cd sub 2>/dev/null || { mkdir sub && cd sub; }\n```\n\n```sh {name=ask interactive alt=fallback}\nprintf \'your name? \'; read -r answer; echo "$GREETING $answer in $(basename "$PWD")" > ../answer.txt\n```\n\n```sh {name=fallback}\necho fallback > ../fallback.txt\n```\n',
    )
    const session = `docrun-int-${process.pid}`
    await execa('tmux', ['new-session', '-d', '-s', session, '-x', '120', '-y', '30', '-c', ws, `NO_COLOR=1 node ${CLI} run i.md; echo EXIT=$?; sleep 30`])
    let pane = ''
    for (let i = 0; i < 100 && !pane.includes('your name?'); i++) {
      await new Promise((r) => setTimeout(r, 100))
      pane = await capture(session)
    }
    expect(pane).toContain('your name?')
    await execa('tmux', ['send-keys', '-t', session, 'Ada', 'Enter'])
    for (let i = 0; i < 100 && !pane.includes('EXIT='); i++) {
      await new Promise((r) => setTimeout(r, 100))
      pane = await capture(session)
    }
    await execa('tmux', ['kill-session', '-t', session], { reject: false })
    expect(pane).toContain('EXIT=0')
    // It started from the session's state (variable, directory) and had the person's answer.
    expect(readFileSync(join(ws, 'answer.txt'), 'utf8')).toBe('hello Ada in sub\n')
    expect(existsSync(join(ws, 'fallback.txt'))).toBe(false)

    const ws2 = workspace()
    writeFileSync(join(ws2, 'i.md'), readFileSync(join(ws, 'i.md'), 'utf8'))
    const r = await docrun(['run', 'i.md'], { cwd: ws2 })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.all).toContain('ask skipped: interactive: needs a person at a terminal; its alternative fallback runs instead')
    expect(existsSync(join(ws2, 'fallback.txt'))).toBe(true)
    expect(existsSync(join(ws2, 'answer.txt'))).toBe(false)
  })
})
