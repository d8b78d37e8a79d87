// The one SSH connection of a remote target: a ControlMaster (`ssh -M -N`) in a process group of
// its own, whose socket carries every channel docrun opens to the host — the persistent shell,
// interrupts, the ledger's checks, file copies — so each of them costs no new handshake and a
// host key is checked once per connection.
import { loadExeca } from '../common/load-execa.js'
import { join } from 'node:path'
import { within } from '../shell/within.js'
import { startDetached, type Detached } from './command.js'
import { describeHost, muxArgs, sshBaseArgs, type SshHostSpec } from './ssh-options.js'

/** How long the connection (TCP, key exchange, authentication) may take. */
const CONNECT_TIMEOUT_MS = 30_000

export class SshMaster {
  /** The control socket, in the target's own local temp dir (a unix socket path must stay short). */
  readonly socket: string
  private proc: Detached | undefined
  private stderrTail = ''
  private ended: string | undefined

  constructor(
    readonly spec: SshHostSpec,
    localDir: string,
  ) {
    this.socket = join(localDir, 'ctl')
  }

  get pid(): number | undefined {
    return this.proc?.pid
  }

  /** Why the connection ended (ssh's own last words), once it has. */
  get endedReason(): string | undefined {
    return this.ended
  }

  /** What ssh said last on its stderr ("Connection to … closed by remote host."). */
  get lastWords(): string {
    return this.stderrTail.trim().split('\n').filter(Boolean).slice(-3).join('; ')
  }

  /** Connect; resolves when the control socket answers, rejects with ssh's own reason (a host key refused, no route). */
  async start(): Promise<void> {
    const args = [...sshBaseArgs(this.spec), '-M', '-N', '-o', `ControlPath=${this.socket}`, '-o', 'ControlPersist=no', this.spec.ssh]
    const proc = startDetached({ file: 'ssh', args, cwd: '/', where: `to ${describeHost(this.spec)}` }, 'ignore')
    this.proc = proc
    proc.stderr!.on('data', (c: Buffer) => (this.stderrTail = (this.stderrTail + c.toString('utf8')).slice(-4000)))
    proc.stdout!.resume()
    const exited = proc.then((r) => {
      this.ended = this.lastWords || (r.signal ? `ssh was killed by ${r.signal}` : `ssh exited with status ${r.exitCode}`)
      return this.ended
    })
    const deadline = Date.now() + CONNECT_TIMEOUT_MS
    while (Date.now() < deadline) {
      if (this.ended !== undefined) throw new Error(`ssh to ${describeHost(this.spec)} failed: ${this.ended}`)
      if (await this.check()) return
      await within(exited, 100, undefined)
    }
    await this.close()
    throw new Error(`ssh to ${describeHost(this.spec)} did not connect within ${CONNECT_TIMEOUT_MS / 1000}s`)
  }

  /** True while the master answers on its socket. */
  async check(): Promise<boolean> {
    if (this.ended !== undefined) return false
    const r = await (
      await loadExeca()
    ).execa('ssh', [...sshBaseArgs(this.spec), '-o', `ControlPath=${this.socket}`, '-O', 'check', this.spec.ssh], { reject: false })
    return r.exitCode === 0
  }

  /** The argv of a command run on the host over this connection (`remote` is one shell command line for the remote user's shell). */
  argv(remote: string): string[] {
    return [...muxArgs(this.spec, this.socket), remote]
  }

  /** Run a short command on the host over this connection: its exit code and output. */
  async run(remote: string, opts: { input?: string; timeoutMs?: number } = {}): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    if (this.ended !== undefined) return { exitCode: 255, stdout: '', stderr: `the connection is gone: ${this.ended}` }
    const r = await (
      await loadExeca()
    ).execa('ssh', this.argv(remote), {
      reject: false,
      timeout: opts.timeoutMs ?? 30_000,
      ...(opts.input !== undefined ? { input: opts.input } : { stdin: 'ignore' }),
    })
    return { exitCode: r.exitCode ?? 255, stdout: String(r.stdout), stderr: String(r.stderr) }
  }

  /** End the connection (every channel on it) and wait for ssh to leave; its process group is killed if it does not. */
  async close(): Promise<void> {
    const proc = this.proc
    if (!proc || this.ended !== undefined) return
    await (
      await loadExeca()
    ).execa('ssh', [...sshBaseArgs(this.spec), '-o', `ControlPath=${this.socket}`, '-O', 'exit', this.spec.ssh], { reject: false, timeout: 10_000 })
    const gone = proc.then(
      () => true,
      () => true,
    )
    if (!(await within(gone, 5000, false)) && proc.pid) {
      try {
        process.kill(-proc.pid, 'SIGKILL')
      } catch {}
      await gone
    }
  }
}
