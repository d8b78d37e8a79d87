// A remote host over SSH: one persistent shell there, as after `ssh HOST`, spoken to through
// the same framed protocol as the host's bash. One connection per target (a ControlMaster):
// the shell, interrupts and file copies are channels of it.
import { loadExeca } from '../common/load-execa.js'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ShellSession } from '../shell/session.js'
import { openSession } from './shell-session.js'
import { processStartTime } from '../sys/proc.js'
import { endRemoteSessionScript, START_TIME_OF_SELF, type RemoteSessionRecord, type RemoteSessionRef } from '../sys/remote-session.js'
import { SshChannel } from './ssh-channel.js'
import { SshMaster } from './ssh-master.js'
import { describeHost, shQuote, sshBaseArgs, type SshHostSpec } from './ssh-options.js'
import type { Target } from './target.js'

export interface SshTargetOptions {
  name: string
  host: SshHostSpec
  /** What the remote shell writes on its own stderr (outside any block). */
  onNoise?: (chunk: Buffer) => void
}

export class SshTarget implements Target {
  readonly kind = 'ssh' as const
  readonly name: string
  readonly description: string
  /** The control connection's ssh, a process group of its own: for the ledger. */
  process: { pid: number; startTime: string } | undefined
  /** The session on the remote host: for the ledger, which ends it if this docrun cannot. */
  remote: RemoteSessionRecord | undefined
  private master: SshMaster | undefined
  private session: ShellSession | undefined
  private localDir: string | undefined

  constructor(private readonly opts: SshTargetOptions) {
    this.name = opts.name
    this.description = `host ${opts.name} (${describeHost(opts.host)})`
  }

  /** The connection, once open: file copies go over it. */
  get connection(): SshMaster | undefined {
    return this.master
  }

  async open() {
    this.localDir = await mkdtemp(join(tmpdir(), 'docrun-ssh-'))
    const master = new SshMaster(this.opts.host, this.localDir)
    this.master = master
    const starting = master.start()
    if (master.pid) this.process = { pid: master.pid, startTime: processStartTime(master.pid) }
    try {
      await starting
    } catch (error) {
      await rm(this.localDir, { recursive: true, force: true })
      this.localDir = undefined
      throw error
    }
    try {
      await this.startShell(master)
    } catch (error) {
      await this.close()
      throw error
    }
    const info = this.session!.info
    return { session: this.session!, notes: [`connected (${info?.shell ?? 'sh'}, uid ${info?.uid ?? '?'})`] }
  }

  /** The persistent shell on the connection, and who it is there (pid, start time) for the ledger. */
  private async startShell(master: SshMaster): Promise<void> {
    const channel = new SshChannel(master, this.description, this.opts.onNoise)
    // A directory of its own on the remote host, named at random (its /tmp is shared with its other users).
    const dir = `/tmp/docrun-${randomBytes(8).toString('hex')}`
    const session = openSession(channel, dir)
    this.session = session
    await session.start()
    const me = await session.exec(START_TIME_OF_SELF)
    const [pid, startTime] = me.output.trim().split(':')
    if (me.status !== 0 || !Number(pid)) throw new Error(`${this.description}: could not read the remote shell's pid: ${me.output || me.error}`)
    channel.remotePid = Number(pid)
    this.remote = {
      description: `the remote shell of ${this.description}`,
      ssh: [...sshBaseArgs(this.opts.host), this.opts.host.ssh],
      sid: Number(pid),
      startTime: startTime ?? '',
      dir,
      local: this.localDir!,
    }
  }

  /**
   * Leave the remote shell (EOF), then end what is left of its session there and remove its
   * directory — over the connection, or over a new one when the connection was lost. Only then
   * is the local temp dir removed: while it exists, the ledger knows the remote end is not done.
   */
  async close(): Promise<string | void> {
    const session = this.session
    this.session = undefined
    if (session && !session.isClosed) await session.channel.close()
    let said: string | undefined
    if (this.remote) {
      const ended = await this.endRemote(this.remote)
      if (ended.ok) this.remote = undefined
      said = ended.message
    }
    await this.master?.close()
    this.master = undefined
    if (!this.remote && this.localDir) await rm(this.localDir, { recursive: true, force: true })
    this.localDir = undefined
    return said
  }

  private async endRemote(r: RemoteSessionRef): Promise<{ ok: boolean; message?: string }> {
    const command = `sh -c ${shQuote(endRemoteSessionScript(r))}`
    const alive = await this.master?.check()
    const res = alive
      ? await this.master!.run(command)
      : await (
          await loadExeca()
        )
          .execa('ssh', [...sshBaseArgs(this.opts.host), '-o', 'ControlPath=none', '-T', this.opts.host.ssh, '--', command], {
            reject: false,
            timeout: 30_000,
            stdin: 'ignore',
          })
          .then((x) => ({ exitCode: x.exitCode ?? 255, stdout: String(x.stdout), stderr: String(x.stderr) }))
    if (res.exitCode !== 0)
      return {
        ok: false,
        message: `could not reach ${this.description} to end its remote shell (${res.stderr.trim() || `ssh exited ${res.exitCode}`}); it stays in the ledger`,
      }
    const n = /ended (\d+)/.exec(res.stdout)?.[1]
    if (n) return { ok: true, message: `${this.description}: ended ${n} process(es) its remote shell left${alive ? '' : ' (over a new connection)'}` }
    return { ok: true }
  }
}
