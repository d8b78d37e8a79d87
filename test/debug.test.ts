// `docrun run --debug`, driven through a real terminal (tmux): a shell at the failed block on
// its own target (host, chroot), fixed by hand and retried; continue and skip recorded as such;
// {breakpoint}; abort stays resumable; no terminal, no --debug.
import { execa } from 'execa'
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { CLI, docrun, events, latestRun, transcript, workspace } from './helpers/cli.js'
import { freshChroot, requireTool } from './helpers/chroot.js'
import { guestKit, guestRunbook, type GuestKit } from './helpers/guest.js'

/** One docrun at a real pseudo-terminal (tmux), its screen read and keys typed as a person would. */
class Terminal {
  static count = 0
  readonly name = `docrun-debug-${process.pid}-${Terminal.count++}`
  constructor(readonly cwd: string) {}

  async start(args: string): Promise<void> {
    await requireTool('tmux', 'tmux')
    const cmd = `NO_COLOR=1 node ${CLI} ${args}; echo EXIT=$?; sleep 120`
    // The tmux server exits with its last session (the test before's): a start that races that exit is tried again.
    for (let attempt = 1; ; attempt++) {
      const r = await execa('tmux', ['new-session', '-d', '-s', this.name, '-x', '200', '-y', '50', '-c', this.cwd, cmd], { reject: attempt >= 3 })
      if (r.exitCode === 0) return
      await new Promise((done) => setTimeout(done, 300))
    }
  }

  async screen(): Promise<string> {
    return (await execa('tmux', ['capture-pane', '-p', '-J', '-S', '-200', '-t', this.name])).stdout
  }

  /** Wait until the screen shows `what` (after `from` characters of it), and return the screen. */
  async waitFor(what: RegExp, timeoutMs = 30_000): Promise<string> {
    let pane = ''
    for (const end = Date.now() + timeoutMs; Date.now() < end;) {
      pane = await this.screen()
      if (what.test(pane)) return pane
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error(`the terminal never showed ${what}; it shows:\n${pane}`)
  }

  async type(...keys: string[]): Promise<void> {
    await execa('tmux', ['send-keys', '-t', this.name, ...keys])
  }

  /** Type a line into the shell and wait for it to be shown. */
  async line(text: string): Promise<void> {
    await execa('tmux', ['send-keys', '-t', this.name, '-l', text])
    await this.type('Enter')
  }

  async exitCode(): Promise<number> {
    const m = /EXIT=(\d+)/.exec(await this.waitFor(/EXIT=\d+/, 60_000))
    return Number(m![1])
  }

  async kill(): Promise<void> {
    await execa('tmux', ['kill-session', '-t', this.name], { reject: false })
  }
}

const terminals: Terminal[] = []
afterEach(async () => {
  for (const t of terminals.splice(0)) await t.kill()
})
function terminal(cwd: string): Terminal {
  const t = new Terminal(cwd)
  terminals.push(t)
  return t
}

/** QEMU processes started in workspace `ws` (by their working directory). */
async function qemuIn(ws: string): Promise<number[]> {
  const r = await execa('pgrep', ['-f', '^qemu-system-s390x '], { reject: false })
  const pids = r.stdout.split('\n').filter(Boolean).map(Number)
  return pids.filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/cwd`) === ws
    } catch {
      return false
    }
  })
}

const QUESTION = /\[r\]etry, \[c\]ontinue as passed, \[s\]kip, \[a\]bort\? $/m
const fence = (meta: string, ...lines: string[]) => ['```sh ' + meta, ...lines, '```', ''].join('\n')

type BlockEnd = {
  type: string
  step: string
  result: { status: string; message?: string; interventions?: { action: string; why: string; commands?: string[]; durationMs: number }[] }
}
const blockEnd = (ws: string, id: string) => events(ws).find((e) => e.type === 'block-end' && e.step === id) as BlockEnd | undefined

describe('docrun run --debug', () => {
  it('host: a shell at the failed block in the state it left; Ctrl-C reaches the shell; fixed by hand, retried, the run passes', async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'r.md'),
      [
        '# D',
        '',
        fence('{name=setup}', 'GREETING=hello; mkdir -p sub; cd sub'),
        fence('{name=needs-marker}', 'test -f marker'),
        fence('{name=after}', 'echo "after: $GREETING in $(basename "$PWD")"'),
      ].join('\n'),
    )
    const t = terminal(ws)
    await t.start('run --debug r.md')
    await t.waitFor(/^\[docrun debug: needs-marker\] \S*\/sub# $/m)
    // The block's variables and directory; Ctrl-C stops the shell's command, not docrun.
    await t.line('echo "greeting=$GREETING"; sleep 60')
    await t.waitFor(/^greeting=hello$/m)
    await t.type('C-c')
    await t.waitFor(/\^C\s*\n\[docrun debug: needs-marker\] \S*# $/m)
    await t.line('touch marker')
    await t.line('exit')
    await t.waitFor(QUESTION)
    await t.type('r')
    expect(await t.exitCode()).toBe(0)
    const screen = await t.screen()
    expect(screen).toMatch(/✅ D › needs-marker passed/)
    expect(transcript(ws)).toMatch(/^after: hello in sub$/m)
    const end = blockEnd(ws, 'needs-marker')!
    expect(end.result.status).toBe('passed')
    expect(end.result.interventions).toMatchObject([
      { why: 'failed', action: 'retry', commands: ['echo "greeting=$GREETING"; sleep 60', 'touch marker', 'exit'] },
    ])
    expect(end.result.interventions![0]!.durationMs).toBeGreaterThan(100)
    const md = transcript(ws)
    expect(md).toMatch(/🧑‍🔧 a person stepped in after attempt 1 failed, in bash on the host for [\d.]+m?s, and chose retry — exited with status 1/)
    expect(md).toContain('> typed: `echo "greeting=$GREETING"; sleep 60` · `touch marker` · `exit`')
    const junit = readFileSync(join(latestRun(ws), 'junit.xml'), 'utf8')
    expect(junit).toContain('<property name="docrun.intervention.1" value="retry"/>')
    expect(junit).toMatch(/<system-out>docrun: a person stepped in after attempt 1 failed.*typed: .*touch marker/)
    const summary = JSON.parse(readFileSync(join(latestRun(ws), 'summary.json'), 'utf8')) as { blocks: { id: string; interventions?: unknown[] }[] }
    expect(summary.blocks.find((b) => b.id === 'needs-marker')?.interventions).toHaveLength(1)
  }, 90_000)

  it('a retry runs the block as the runbook reads now (edited in the debug shell)', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'r.md'), ['# D', '', fence('{name=typo}', 'ech fixed > out.txt')].join('\n'))
    const t = terminal(ws)
    await t.start('run --debug r.md')
    await t.waitFor(/^\[docrun debug: typo\]/m)
    await t.line("sed -i 's/^ech fixed/echo fixed/' r.md; exit")
    await t.waitFor(QUESTION)
    await t.type('r')
    expect(await t.exitCode()).toBe(0)
    expect(readFileSync(join(ws, 'out.txt'), 'utf8')).toBe('fixed\n')
    // The state holds the block as it ran: --resume has nothing left to do.
    const again = await docrun(['run', 'r.md', '--resume'], { cwd: ws })
    expect(again.stdout).toMatch(/typo done in an earlier run|docrun: passed/)
  }, 90_000)

  it('continue is recorded as passed by hand, skip as skipped by a person; the run goes on', async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'r.md'),
      ['# D', '', fence('{name=first}', 'exit 3'), fence('{name=second}', 'exit 4'), fence('{name=third}', 'echo third ran'), ''].join('\n'),
    )
    const t = terminal(ws)
    await t.start('run --debug r.md')
    await t.waitFor(/^\[docrun debug: first\]/m)
    await t.line('exit')
    await t.waitFor(QUESTION)
    await t.type('c')
    await t.waitFor(/^\[docrun debug: second\]/m)
    await t.type('C-d')
    await t.waitFor(/second: \[r\]etry.*\? $/m)
    await t.type('s')
    expect(await t.exitCode()).toBe(0)
    expect(blockEnd(ws, 'first')!.result).toMatchObject({
      status: 'passed',
      message: expect.stringMatching(/^passed by hand: a person chose continue after it failed/),
    })
    expect(blockEnd(ws, 'second')!.result).toMatchObject({ status: 'skipped', message: expect.stringMatching(/^skipped by a person after it failed/) })
    const md = transcript(ws)
    expect(md).toMatch(/✅ \*\*passed\*\* · `first`[^\n]*\n>\n> passed by hand: a person chose continue/)
    expect(md).toMatch(/and chose continue \(passed by hand\)/)
    expect(md).toMatch(/⏭️ \*\*skipped\*\* · `second`[^\n]*\n>\n> skipped by a person/)
    expect(md).toMatch(/and chose skip/)
    expect(md).toContain('third ran')
    const junit = readFileSync(join(latestRun(ws), 'junit.xml'), 'utf8')
    expect(junit).toMatch(/<testcase name="first"[^>]*>\s*<properties>\s*<property name="docrun.intervention.1" value="continue"\/>/)
    expect(junit).not.toMatch(/<testcase name="first"[\s\S]*?<failure[\s\S]*?<testcase name="second"/)
    expect(junit).toMatch(/<testcase name="second"[^>]*>[\s\S]*?<skipped message="skipped by a person after it failed/)
    expect(junit).toMatch(/failures="0" skipped="1"/)
  }, 90_000)

  it('{breakpoint}: the shell before the block runs (the state before it); run it, or abort (exit 130, resumable)', async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'r.md'),
      [
        '# D',
        '',
        fence('{name=setup}', 'STAGE=one'),
        fence('{name=look breakpoint}', 'test -f marker; echo "look: $STAGE"'),
        fence('{name=stop-here breakpoint}', 'echo ran > stopped.txt'),
        '',
      ].join('\n'),
    )
    const t = terminal(ws)
    await t.start('run --debug r.md')
    await t.waitFor(/look stopped at its \{breakpoint\}, before it runs/)
    await t.line('echo "stage=$STAGE"; touch marker; exit')
    await t.waitFor(/^stage=one$/m)
    await t.waitFor(/look: \[r\]un it, \[c\]ontinue as passed, \[s\]kip, \[a\]bort\? $/m)
    await t.type('r')
    await t.waitFor(/^\[docrun debug: stop-here\]/m)
    await t.line('exit')
    await t.waitFor(/stop-here: \[r\]un it.*\? $/m)
    await t.type('a')
    expect(await t.exitCode()).toBe(130)
    expect(await t.screen()).toMatch(/a person aborted the run at stop-here \(--debug\); continue with `docrun run r.md --resume`/)
    expect(blockEnd(ws, 'look')!.result).toMatchObject({ status: 'passed', interventions: [{ why: 'breakpoint', action: 'retry' }] })
    expect(transcript(ws)).toMatch(/a person stepped in at its \{breakpoint\}, in bash on the host for [\d.]+m?s, and chose run it/)
    expect(blockEnd(ws, 'stop-here')!.result).toMatchObject({ status: 'interrupted', interventions: [{ why: 'breakpoint', action: 'abort' }] })
    // Resumable: without --debug the breakpoint has no effect, and only the aborted block runs.
    const resumed = await docrun(['run', 'r.md', '--resume'], { cwd: ws })
    expect(resumed.exitCode).toBe(0)
    expect(resumed.stdout).toMatch(/look done in an earlier run/)
    expect(readFileSync(join(ws, 'stopped.txt'), 'utf8')).toBe('ran\n')
  }, 90_000)

  it('abort at a failure: exit 130, the block stays failed, --resume runs it again', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'r.md'), ['# D', '', fence('{name=needs-marker}', 'test -f marker'), ''].join('\n'))
    const t = terminal(ws)
    await t.start('run --debug r.md')
    await t.waitFor(/^\[docrun debug: needs-marker\]/m)
    await t.line('exit')
    await t.waitFor(QUESTION)
    await t.type('a')
    expect(await t.exitCode()).toBe(130)
    expect(blockEnd(ws, 'needs-marker')!.result).toMatchObject({ status: 'failed', interventions: [{ action: 'abort' }] })
    writeFileSync(join(ws, 'marker'), '')
    const resumed = await docrun(['run', 'r.md', '--resume'], { cwd: ws })
    expect(resumed.exitCode).toBe(0)
    expect(resumed.stdout).toMatch(/needs-marker passed/)
  }, 90_000)

  it('a timed-out block opens the shell too; `docrun stop` while the person is in it ends the shell and the run (exit 130)', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'r.md'), ['# D', '', fence('{name=slow timeout=1s}', 'sleep 30'), fence('{name=after}', 'touch after-ran'), ''].join('\n'))
    const t = terminal(ws)
    await t.start('run --debug r.md')
    await t.waitFor(/slow timed out: /)
    await t.waitFor(/^\[docrun debug: slow\]/m)
    const stop = await docrun(['stop'], { cwd: ws })
    expect(stop.exitCode, stop.all).toBe(0)
    expect(await t.exitCode()).toBe(130)
    expect(blockEnd(ws, 'slow')!.result).toMatchObject({ status: 'timed-out', interventions: [{ why: 'timed-out', action: 'abort' }] })
    expect(existsSync(join(ws, 'after-ran'))).toBe(false)
  }, 90_000)

  it('without a terminal, --debug is refused (exit 2) and nothing runs', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'r.md'), ['# D', '', fence('{name=a}', 'touch ran'), ''].join('\n'))
    const r = await docrun(['run', '--debug', 'r.md'], { cwd: ws })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toContain('docrun: --debug needs a terminal (stdin and stdout); for unattended runs, read the transcript and use --resume')
    expect(existsSync(join(ws, '.docrun/runs'))).toBe(false)
    expect(existsSync(join(ws, 'ran'))).toBe(false)
    const d = await docrun(['run', '--debug', '--detach', 'r.md'], { cwd: ws })
    expect(d.exitCode).toBe(2)
  })

  it('chroot: the shell is in the chroot, in the state the block left; fixed by hand, retried, the run passes', async () => {
    if (process.getuid?.() !== 0) return
    const ws = workspace()
    await freshChroot(join(ws, 'root'))
    writeFileSync(
      join(ws, 'r.md'),
      [
        '# C',
        '',
        fence('{name=enter target=chroot root=./root}', 'mkdir -p /opt/w && cd /opt/w; WHERE=inside'),
        fence('{name=needs-marker target=chroot root=./root}', 'test -f marker'),
        fence('{name=host-side}', 'test -f root/opt/w/marker'),
        '',
      ].join('\n'),
    )
    const t = terminal(ws)
    await t.start('run --debug r.md')
    await t.waitFor(/^\[docrun debug: needs-marker\] \/opt\/w# $/m)
    await t.line('echo "where=$WHERE root=$(stat -c %i /)"; touch marker; exit')
    await t.waitFor(/^where=inside root=\d+$/m)
    await t.waitFor(QUESTION)
    await t.type('r')
    expect(await t.exitCode()).toBe(0)
    const end = blockEnd(ws, 'needs-marker')!
    expect(end.result.interventions).toMatchObject([{ action: 'retry', commands: ['echo "where=$WHERE root=$(stat -c %i /)"; touch marker; exit'] }])
    expect(transcript(ws)).toMatch(/a person stepped in after attempt 1 failed, in chroot \.\/root for [\d.]+m?s, and chose retry/)
  }, 120_000)

  describe('in the real s390x guest', () => {
    // Not useGuest(): its after-each check ends every QEMU with the shared kit's initrd, another test's (another worktree's) too.
    let kit: GuestKit
    beforeAll(async () => {
      kit = await guestKit()
    }, 600_000)
    it("the guest's console attached (its own shell, the block's state); Ctrl-C reaches the guest; a command typed, Ctrl-], retry passes", async () => {
      const ws = workspace()
      guestRunbook(
        ws,
        kit,
        ['## 2. In the guest', '', fence('{name=go-tmp target=vm}', 'cd /tmp; GREETING=hi'), fence('{name=needs-x target=vm}', 'test -f /tmp/x')].join('\n'),
      )
      const t = terminal(ws)
      await t.start('run --debug guest.md')
      await t.waitFor(/guest vm's console, attached/, 120_000)
      await t.waitFor(/^\[docrun debug: needs-x\] # $/m)
      await t.line('echo "$GREETING in $PWD"; sleep 60')
      await t.waitFor(/^hi in \/tmp$/m)
      await t.type('C-c')
      await t.waitFor(/\^C\[docrun debug: needs-x\] # $/m)
      await t.line('echo hi > /tmp/x')
      await t.waitFor(/echo hi > \/tmp\/x\n\[docrun debug: needs-x\] # $/m)
      expect(await qemuIn(ws)).toHaveLength(1)
      await t.type('C-]')
      await t.waitFor(QUESTION)
      await t.type('r')
      expect(await t.exitCode()).toBe(0)
      expect(blockEnd(ws, 'needs-x')!.result).toMatchObject({ status: 'passed', interventions: [{ why: 'failed', action: 'retry' }] })
      expect(transcript(ws)).toMatch(
        /a person stepped in after attempt 1 failed, in guest vm's console \(what was typed is in its console log\) for [\d.]+m?s, and chose retry/,
      )
      // The prompt was the session's own for the person only: the blocks after it run clean.
      expect(readFileSync(join(latestRun(ws), 'console-vm.log'), 'utf8')).toContain('echo hi > /tmp/x')
      // The guest stayed up while the person worked, and went with the run.
      expect(await qemuIn(ws)).toEqual([])
    }, 300_000)
  })
})
