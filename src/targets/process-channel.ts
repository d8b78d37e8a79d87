// A Channel over a local process's pipes: bash on the host, or `chroot ROOT bash`.
import { ChannelEvents, type Channel } from '../shell/channel.js'
import { endOnEof, startDetached, type Command, type Detached } from './command.js'

export interface ProcessChannelOptions {
  command: Command
  description: string
  /** Where the target's `/` is on the host ('' for the host itself, the root for a chroot). */
  localRoot?: string
  /** Bytes the shell writes to its own stderr (job notices, its own errors): not block output. */
  onStderr?: (chunk: Buffer) => void
}

/** How long a shell may take to leave on EOF before its process group is killed. */
const CLOSE_GRACE_MS = 5000

export class ProcessChannel extends ChannelEvents implements Channel {
  readonly tty = false
  readonly description: string
  readonly localPath: (p: string) => string
  private readonly proc: Detached

  constructor(opts: ProcessChannelOptions) {
    super()
    this.description = opts.description
    const root = (opts.localRoot ?? '').replace(/\/+$/, '')
    this.localPath = (p) => `${root}${p}`
    this.proc = startDetached(opts.command, 'pipe')
    this.proc.stdout!.on('data', (c: Buffer) => this.emitData(c))
    this.proc.stderr!.on('data', (c: Buffer) => opts.onStderr?.(c))
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
    // The shell did not leave on EOF: its whole process group is ended.
    await endOnEof(this.proc, CLOSE_GRACE_MS)
  }
}
