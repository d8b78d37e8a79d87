// A QEMU guest: its start block runs in the background with the serial console attached to
// docrun; once the shell is ready, blocks run in it through the same framed protocol as on
// the host. Process (ConsoleChannel), readiness (waitReady) and protocol (ShellSession) are
// kept apart, as in the NixOS test driver's Machine.
import { randomBytes } from 'node:crypto'
import { formatDuration } from '../../common/durations.js'
import type { ShellSession } from '../../shell/session.js'
import { openSession } from '../shell-session.js'
import type { Target } from '../target.js'
import { ConsoleChannel } from './console-channel.js'
import { BootError, waitReady, type GuestBoot } from './wait-ready.js'
import { processStartTime } from '../../sys/proc.js'
import type { Masker } from '../../common/mask.js'
import { within } from '../../shell/within.js'
import type { Command } from '../command.js'

export interface GuestTargetOptions {
  boot: GuestBoot
  /** QEMU's command line (a shell running the start block's text, maybe in a chroot). */
  command: Command
  logFile: string
  /** Secret values: the console log masks them (params are typed into the guest). */
  secrets?: Masker
  bootTimeoutMs: number
  onOutput?: (chunk: Buffer) => void
  /** Everything the console prints, from the first byte of the boot (kernel messages included). */
  onConsole?: (chunk: Buffer) => void
  signal?: AbortSignal
}

export type { GuestBoot }

/** A failure that comes with what the console last said. */
export class GuestError extends Error {
  constructor(
    message: string,
    readonly consoleTail: string[],
  ) {
    super(message)
  }
}

export class GuestTarget implements Target {
  readonly kind = 'guest' as const
  readonly name: string
  readonly description: string
  private channel: ConsoleChannel | undefined
  private session: ShellSession | undefined
  private startedAt = 0
  /** How long the boot took until the shell prompt. */
  readyAfterMs = 0
  /** The QEMU process group, for the resource ledger. */
  process: { pid: number; startTime: string } | undefined

  constructor(private readonly opts: GuestTargetOptions) {
    this.name = opts.boot.name
    this.description = `guest ${opts.boot.name}`
  }

  async open() {
    const { command } = this.opts
    this.startedAt = performance.now()
    const { logFile, secrets } = this.opts
    this.channel = new ConsoleChannel({ command, logFile, description: `guest ${this.name}'s console`, ...(secrets ? { secrets } : {}) })
    if (this.opts.onConsole) this.channel.onData(this.opts.onConsole)
    const pid = this.channel.pid
    if (pid) this.process = { pid, startTime: processStartTime(pid) }
    try {
      await waitReady(this.channel, {
        boot: this.opts.boot,
        timeoutMs: this.opts.bootTimeoutMs,
        ...(this.opts.onOutput ? { onOutput: this.opts.onOutput } : {}),
        ...(this.opts.signal ? { signal: this.opts.signal } : {}),
      })
      const bootMs = (this.readyAfterMs = performance.now() - this.startedAt)
      const jobControl = await this.takeTerminal()
      this.session = openSession(this.channel, `/tmp/docrun-${randomBytes(6).toString('hex')}`)
      const info = await this.session.start(60_000)
      const notes = [
        `QEMU (pid ${pid ?? '?'}) started ${command.where}; the shell was ready after ${formatDuration(bootMs)}; console log: ${this.opts.logFile.split('/').slice(-1)[0]}`,
        `${info.shell === 'sh' ? 'POSIX sh' : info.shell}${info.base64 ? '' : ' without base64 (uploads use printf)'}; ${jobControl}`,
      ]
      return { session: this.session, notes }
    } catch (error) {
      const message = error instanceof BootError ? error.message : `the guest's shell did not start: ${(error as Error).message}`
      throw new GuestError(message, this.consoleTail())
    }
  }

  /**
   * A shell that runs as init (the document's first boot, `init=/bin/sh`) has no controlling
   * terminal: a typed ^C reaches nobody and job control is off. `setsid -c sh` gives the
   * console to a child shell (not `exec`: as PID 1 that would panic the kernel when it ends).
   */
  private async takeTerminal(): Promise<string> {
    const channel = this.channel!
    const token = randomBytes(6).toString('hex')
    const mark = (v: number) => `printf '%s_%s:%s\\n' __DR_UP ${token} ${v}`
    const line = `if [ "$$" = 1 ] && command -v setsid >/dev/null 2>&1; then setsid -c sh -c '${mark(1).replace(/'/g, '"')}; exec sh -i' || ${mark(0)}; else ${mark(0)}; fi\n`
    let buf = ''
    let off = () => {}
    const framerless = new Promise<string>((resolve) => {
      const re = new RegExp(`(?:^|\\n)__DR_UP_${token}:(\\d)`)
      off = channel.onData((c) => {
        buf = (buf + c.toString('latin1')).slice(-4096)
        const m = re.exec(buf)
        if (m) resolve(m[1]!)
      })
    })
    // The line may be typed before the shell reads its terminal: type it again if nothing comes.
    for (let attempt = 0; attempt < 3; attempt++) {
      channel.write(line)
      const got = await within(framerless, 10_000, undefined)
      if (got !== undefined) off()
      if (got === '1') return 'job control: a `setsid -c sh` shell owns the console (^C reaches blocks)'
      if (got === '0') return 'the shell owns its terminal'
      if (channel.exited) break
    }
    off()
    throw new BootError("the guest's shell did not answer on the console")
  }

  /** What the console said last: for a failure report. */
  consoleTail(n = 50): string[] {
    return this.channel?.lastLines(n) ?? []
  }

  /** True while QEMU runs and the shell answers. */
  get running(): boolean {
    return !!this.channel && !this.channel.exited && !this.session?.isClosed
  }

  async close(): Promise<string | void> {
    const channel = this.channel
    if (!channel) return
    this.channel = undefined
    this.session = undefined
    const was = channel.exited
    const steps = await channel.shutdown()
    const life = formatDuration(performance.now() - this.startedAt)
    return was
      ? `guest ${this.name} had already stopped (up ${life})`
      : `guest ${this.name} shut down after ${life} (${steps.join(' → ') || 'it stopped by itself'})`
  }
}
