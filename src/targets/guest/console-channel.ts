// A Channel over a QEMU process's serial console on stdio (-nographic / -serial stdio):
// a terminal line, so it echoes and uses CRLF; bytes typed go to the guest's shell.
// Watches for the guest dying (QEMU exit, kernel panic) and keeps the raw console log.
import { createWriteStream, type WriteStream } from 'node:fs'
import { constants } from 'node:os'
import stripAnsi from 'strip-ansi'
import type { Masker, StreamMasker } from '../../common/mask.js'
import { ChannelEvents, type Channel } from '../../shell/channel.js'
import { within } from '../../shell/within.js'
import { startDetached, type Command, type Detached } from '../command.js'

function signalName(n: number): string | undefined {
  return Object.entries(constants.signals).find(([, v]) => v === n)?.[0]
}

// Only a panic: a WARN_ON or an Oops also ends with `---[ end trace … ]---`, and the guest lives on
// (they are kernel splats, found by checks/splats.ts and charged to the running block).
const PANIC = /Kernel panic - not syncing[^\n]*/

export interface ConsoleChannelOptions {
  /** The program that runs QEMU (a shell running the start block's text, maybe via chroot). */
  command: Command
  logFile: string
  description: string
  /** Secret values to mask in the raw console log. */
  secrets?: Masker
}

export class ConsoleChannel extends ChannelEvents implements Channel {
  readonly tty = true
  readonly description: string
  private readonly proc: Detached
  private readonly log: WriteStream
  private tail: string[] = []
  private tailPartial = ''
  private scanBuf = ''
  private logMask: (StreamMasker | undefined)[] = []
  /** True once the console said the kernel panicked. */
  panic: string | undefined

  constructor(opts: ConsoleChannelOptions) {
    super()
    this.description = opts.description
    this.log = createWriteStream(opts.logFile, { flags: 'a', mode: 0o600 })
    // QEMU and the shell around it form one process group, ended together.
    this.proc = startDetached(opts.command, 'pipe')
    const logMask = opts.secrets?.active ? opts.secrets.stream() : undefined
    const errMask = opts.secrets?.active ? opts.secrets.stream() : undefined
    this.logMask = [logMask, errMask]
    const onData = (c: Buffer) => {
      this.log.write(logMask ? logMask.push(c) : c)
      this.remember(c.toString('latin1'))
      this.emitData(c)
    }
    this.proc.stdout!.on('data', onData)
    // QEMU's own complaints (bad options, missing files) go to stderr: keep them in the log and the tail.
    this.proc.stderr!.on('data', (c: Buffer) => {
      this.log.write(errMask ? errMask.push(c) : c)
      this.remember(c.toString('latin1'))
    })
    void this.proc.then((r) => {
      // The start block's shell reports a killed QEMU as 128+N.
      const sig = r.signal ?? (r.exitCode && r.exitCode > 128 ? signalName(r.exitCode - 128) : undefined)
      const why = sig ? `QEMU was killed by ${sig}` : `QEMU exited with status ${r.exitCode ?? '?'}`
      this.finish(this.panic ? `the guest kernel panicked (${this.panic}); ${why}` : why)
    })
  }

  get pid(): number | undefined {
    return this.proc.pid
  }

  /** The last lines the console printed (for failure reports). */
  lastLines(n = 50): string[] {
    return [...this.tail, this.tailPartial].filter((l, i, a) => l !== '' || i < a.length - 1).slice(-n)
  }

  private remember(text: string): void {
    const parts = (this.tailPartial + text).split('\n')
    this.tailPartial = parts.pop() ?? ''
    for (const p of parts) this.tail.push(stripAnsi(p.replace(/\r+$/, '')))
    if (this.tail.length > 200) this.tail.splice(0, this.tail.length - 200)
    this.scanBuf = (this.scanBuf + text).slice(-4096)
    const m = PANIC.exec(this.scanBuf)
    if (m && !this.panic) {
      this.panic = m[0].trim()
      // Give the kernel a moment to print the rest of its report, then say so.
      setTimeout(() => this.finish(`the guest kernel panicked: ${this.panic}`), 1000)
    }
  }

  write(data: string | Buffer): void {
    if (this.proc.exitCode === null) this.proc.stdin!.write(data)
  }

  /** Ctrl-C on the console: reaches the shell's trap when it has a controlling terminal. */
  interrupt(): void {
    this.write(Buffer.from([0x03]))
  }

  get exited(): boolean {
    return this.proc.exitCode !== null || this.proc.signalCode !== null
  }

  /**
   * Shutdown ladder: sync and power off from inside, then QEMU's own quit (Ctrl-A x on the
   * muxed stdio), then SIGTERM, then SIGKILL to QEMU's process group.
   */
  async close(): Promise<void> {
    this.shutdownSteps = await this.shutdown()
  }

  /** What the last shutdown had to do, in order. */
  shutdownSteps: string[] = []

  async shutdown(graceMs = 10_000): Promise<string[]> {
    const steps: string[] = []
    const wait = (ms: number) =>
      within(
        this.proc.then(() => true),
        ms,
        false,
      )
    if (!this.exited) {
      this.write('\nsync; poweroff -f 2>/dev/null || echo o > /proc/sysrq-trigger\n')
      steps.push('sync; poweroff -f')
      if (!(await wait(graceMs))) {
        this.write(Buffer.from([0x01, 0x78]))
        steps.push('QEMU quit (Ctrl-A x)')
        if (!(await wait(3000)) && this.proc.pid) {
          try {
            process.kill(-this.proc.pid, 'SIGTERM')
          } catch {}
          steps.push('SIGTERM')
          if (!(await wait(3000))) {
            try {
              process.kill(-this.proc.pid, 'SIGKILL')
            } catch {}
            steps.push('SIGKILL')
            await this.proc.catch(() => {})
          }
        }
      }
    }
    this.proc.stdin!.end()
    for (const m of this.logMask) if (m) this.log.write(m.end())
    await new Promise<void>((r) => this.log.end(r))
    return steps
  }
}
