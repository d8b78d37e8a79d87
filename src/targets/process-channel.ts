// A Channel over a local process's pipes: bash on the host, or `chroot ROOT bash`.
import { execa, type ResultPromise } from 'execa'
import { ChannelEvents, type Channel } from '../shell/channel.js'

export interface ProcessChannelOptions {
  file: string
  args: string[]
  env: Record<string, string>
  /** Replace the environment instead of extending docrun's. */
  cleanEnv?: boolean
  cwd?: string
  description: string
  /** Where the target's `/` is on the host ('' for the host itself, the root for a chroot). */
  localRoot?: string
  /** Bytes the shell writes to its own stderr (job notices, its own errors): not block output. */
  onStderr?: (chunk: Buffer) => void
}

export class ProcessChannel extends ChannelEvents implements Channel {
  readonly tty = false
  readonly description: string
  readonly localPath: (p: string) => string
  private readonly proc: ResultPromise

  constructor(opts: ProcessChannelOptions) {
    super()
    this.description = opts.description
    const root = (opts.localRoot ?? '').replace(/\/+$/, '')
    this.localPath = (p) => `${root}${p}`
    this.proc = execa(opts.file, opts.args, {
      env: opts.env,
      extendEnv: !opts.cleanEnv,
      cwd: opts.cwd,
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      encoding: 'buffer',
      reject: false,
      // Own process group: the terminal's Ctrl-C reaches docrun, which interrupts on purpose.
      detached: true,
      cleanup: true,
    })
    this.proc.stdout!.on('data', (c: Buffer) => this.emitData(c))
    this.proc.stderr!.on('data', (c: Buffer) => opts.onStderr?.(c))
    this.proc.stdin!.on('error', () => {})
    void this.proc.then((r) => {
      this.finish(r.signal ? `killed by ${r.signal}` : `exited with status ${r.exitCode ?? '?'}`)
    })
  }

  get pid(): number | undefined {
    return this.proc.pid
  }

  write(data: string | Buffer): void {
    this.proc.stdin!.write(data)
  }

  interrupt(): void {
    if (this.proc.pid && this.closedReason === undefined) process.kill(this.proc.pid, 'SIGUSR1')
  }

  async close(): Promise<void> {
    if (this.closedReason !== undefined) return
    this.proc.stdin!.end()
    const timer = setTimeout(() => {
      // The shell did not leave on EOF: end its whole process group.
      try {
        if (this.proc.pid) process.kill(-this.proc.pid, 'SIGKILL')
      } catch {}
    }, 5000)
    await this.proc.catch(() => {})
    clearTimeout(timer)
  }
}
