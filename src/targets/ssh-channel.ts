// The byte stream of a remote target's persistent shell: `ssh -T HOST bash --noprofile --norc`
// as a channel of the target's control connection. Bytes go as they are (no terminal: no echo,
// no line limits), so the framed protocol runs as over a host shell's pipes; the remote file
// system is not ours, so uploads travel through the stream. Interrupts go on a second channel.
import { ChannelEvents, type Channel } from '../shell/channel.js'
import { endOnEof, startDetached, type Detached } from './command.js'
import type { SshMaster } from './ssh-master.js'
import { describeHost } from './ssh-options.js'

/** bash when the host has it (as the host target), else sh; no startup files, as docrun's other shells. */
const REMOTE_SHELL = 'if command -v bash >/dev/null 2>&1; then exec bash --noprofile --norc; fi; exec sh'

const CLOSE_GRACE_MS = 5000

export class SshChannel extends ChannelEvents implements Channel {
  readonly tty = false
  /** The remote session shell's pid, once known: the interrupt's addressee. */
  remotePid: number | undefined
  private readonly proc: Detached

  constructor(
    private readonly master: SshMaster,
    readonly description: string,
    onStderr?: (chunk: Buffer) => void,
  ) {
    super()
    const [file, ...args] = ['ssh', ...master.argv(REMOTE_SHELL)]
    this.proc = startDetached({ file: file!, args, cwd: '/', where: `on ${describeHost(master.spec)}` }, 'pipe')
    this.proc.stdout!.on('data', (c: Buffer) => this.emitData(c))
    this.proc.stderr!.on('data', (c: Buffer) => onStderr?.(c))
    void this.proc.then(async (r) => this.finish(await this.whyEnded(r.exitCode, r.signal)))
  }

  get pid(): number | undefined {
    return this.proc.pid
  }

  /** The connection lost (the master's own words), or the remote shell gone by itself. */
  private async whyEnded(code: number | undefined, signal: string | undefined): Promise<string> {
    if (signal) return `ssh was killed by ${signal}`
    // The master notices a dropped connection at the same moment; give it a moment to say why.
    const lost = code === 255 ? await waitFor(() => this.master.endedReason, 2000) : this.master.endedReason
    if (lost !== undefined) return `the connection to ${describeHost(this.master.spec)} was lost: ${lost}`
    return `the remote shell exited with status ${code ?? '?'}`
  }

  write(data: string | Buffer): void {
    this.proc.stdin!.write(data)
  }

  /**
   * The block's process group on the remote host is the remote shell's to stop: a second
   * channel tells it (SIGUSR1), and its trap escalates INT → TERM → KILL as on the host. A
   * signal to the local ssh would end only the client and leave the block running there.
   */
  interrupt(): void {
    if (this.remotePid && this.closedReason === undefined) void this.master.run(`kill -USR1 ${this.remotePid}`, { timeoutMs: 10_000 })
  }

  async close(): Promise<void> {
    if (this.closedReason !== undefined) return
    // The shell did not leave on EOF: its whole process group is ended.
    await endOnEof(this.proc, CLOSE_GRACE_MS)
  }
}

/** `get()`'s value once it is defined (polled: the master's exit sets it), or undefined after `ms`. */
async function waitFor<T>(get: () => T | undefined, ms: number): Promise<T | undefined> {
  for (let waited = 0; waited < ms; waited += 50) {
    const v = get()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 50))
  }
  return get()
}
