// A Target whose session is a real ShellSession over an in-memory channel that speaks the
// shell side of docrun's protocol (probe, sync, base64 uploads, __dr_run … __dr_end) and
// "runs" a script by a tiny rule set: `echo TEXT` prints TEXT, `exit N` ends with status N,
// anything else does nothing. For the runner's unit tests: no processes, milliseconds.
import { ChannelEvents, type Channel } from '../../src/shell/channel.js'
import { ShellSession } from '../../src/shell/session.js'
import type { Target } from '../../src/targets/target.js'
import type { TargetFactory } from '../../src/run/pool.js'
import { printfUploads } from '../helpers/serial-peer.js'

export class FakeShell extends ChannelEvents implements Channel {
  readonly tty = true
  readonly description = 'a fake shell'
  /** The blocks' scripts as run, in order (protocol helpers left out). */
  readonly ran: string[] = []
  private pending = ''
  private heredoc: { id: string; lines: string[] } | undefined
  private scripts = new Map<string, string>()

  constructor(private readonly onRun: (script: string) => void = () => {}) {
    super()
  }

  write(data: string | Buffer): void {
    this.pending += data.toString()
    let nl: number
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl)
      this.pending = this.pending.slice(nl + 1)
      this.line(line)
    }
  }

  private say(text: string): void {
    this.emitData(Buffer.from(text, 'latin1'))
  }

  private line(line: string): void {
    this.say(`${line}\r\n`) // a terminal echoes what is typed
    if (this.heredoc) {
      if (line === '__DR_B64') {
        this.scripts.set(this.heredoc.id, Buffer.from(this.heredoc.lines.join(''), 'base64').toString())
        this.heredoc = undefined
      } else this.heredoc.lines.push(line)
      return
    }
    let m: RegExpExecArray | null
    for (const up of printfUploads(line)) this.scripts.set(`${up.id}.sh`, (up.first ? '' : (this.scripts.get(`${up.id}.sh`) ?? '')) + up.text)
    if ((m = /^__dr_show (\w+) /.exec(line))) this.say(`__DR_BEGIN_${m[1]}\r\n\r\n__DR_END_${m[1]}:0:0\r\n# `)
    else if ((m = /^base64 -d > "\$__dr_d\/([\w.]+)" <<'__DR_B64'$/.exec(line))) this.heredoc = { id: m[1]!, lines: [] }
    else if ((m = /^__dr_probe (\w+)$/.exec(line))) this.say(`__DR_PROBE_${m[1]}:sh:b64:1:0\r\n`)
    else if ((m = /__dr_sync (\w+)$/.exec(line))) this.say(`__DR_SYNC_${m[1]}\r\n`)
    else if ((m = /(?:^|; )__dr_run (\w+) \d+ \d+ \S+ \d$/.exec(line)) || (m = /^__dr_run (\w+) /.exec(line)))
      this.run(m[1]!, this.scripts.get(`${m[1]!}.sh`) ?? '')
  }

  private run(id: string, script: string): void {
    this.say(`__DR_BEGIN_${id}\r\n`)
    if (!script.startsWith('__dr_p=') && !script.startsWith('chmod ') && !script.startsWith('cat "$__dr_d/')) {
      this.ran.push(script.trim())
      this.onRun(script.trim())
    }
    let status = 0
    for (const l of script.split('\n')) {
      const echo = /^echo (.*)$/.exec(l)
      if (echo) this.say(`${echo[1]}\r\n`)
      const exit = /^exit (\d+)$/.exec(l)
      if (exit) {
        status = Number(exit[1])
        break
      }
    }
    this.say(`\r\n__DR_END_${id}:${status}:0\r\n# `)
  }

  interrupt(): void {}
  async close(): Promise<void> {
    this.finish('closed')
  }
}

/** A factory whose every target is one FakeShell (host and chroots alike). */
export function fakeTargets(shell: FakeShell): TargetFactory {
  const make = (kind: 'host' | 'chroot' | 'ssh', name: string): Target => {
    const session = new ShellSession(shell, '/tmp/docrun-fake')
    return {
      name,
      kind,
      description: `fake ${name}`,
      open: async () => {
        await session.start()
        return { session, notes: [] }
      },
      close: async () => shell.close(),
    }
  }
  return {
    host: () => make('host', 'host'),
    chroot: (o) => make('chroot', o.name),
    ssh: (o) => make('ssh', o.name),
    guest: () => {
      throw new Error('the fake shell has no guests')
    },
  }
}
