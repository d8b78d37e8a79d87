// The host: one persistent shell (bash, or sh when the runbook says so), started in the
// workspace, as a person's terminal.
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { ShellSession } from '../shell/session.js'
import { openSession } from './shell-session.js'
import { processStartTime } from '../sys/proc.js'
import { runtimeDir } from '../sys/runtime-dir.js'
import type { Command } from './command.js'
import { ProcessChannel } from './process-channel.js'
import { detachedArgs, type DetachedOptions, type Target } from './target.js'

export interface HostTargetOptions {
  /** Where the shell starts. */
  workspace: string
  shell?: 'bash' | 'sh'
  /** What the shell writes on its own stderr (outside any block). */
  onNoise?: (chunk: Buffer) => void
}

export class HostTarget implements Target {
  readonly name = 'host'
  readonly kind = 'host' as const
  readonly description: string
  private dir: string | undefined

  get tempDir(): string | undefined {
    return this.dir
  }
  private session: ShellSession | undefined
  /** The shell leads a process group of its own, for the resource ledger. */
  process: { pid: number; startTime: string } | undefined

  constructor(private readonly opts: HostTargetOptions) {
    this.description = `${opts.shell ?? 'bash'} on the host`
  }

  async open() {
    // In memory where there is a tmpfs (runtime-dir.ts): three files created a block.
    this.dir = await mkdtemp(join(runtimeDir(), 'docrun-'))
    const shell = this.opts.shell ?? 'bash'
    const channel = new ProcessChannel({
      command: { file: shell, args: shell === 'sh' ? [] : ['--noprofile', '--norc'], cwd: this.opts.workspace, where: 'on the host' },
      description: this.description,
      localRoot: '',
      ...(this.opts.onNoise ? { onStderr: this.opts.onNoise } : {}),
    })
    this.session = openSession(channel, this.dir)
    if (channel.pid) this.process = { pid: channel.pid, startTime: processStartTime(channel.pid) }
    await this.session.start()
    return { session: this.session, notes: [] }
  }

  async detached(script: string, opts: DetachedOptions = {}): Promise<Command> {
    if (!this.session) throw new Error(`${this.description} is not open`)
    const file = await this.session.detachedScript(script)
    const {
      argv: [shell, ...args],
      env,
    } = detachedArgs(this.session, 'bash', 'sh', file, opts)
    return { file: shell!, args, cwd: this.opts.workspace, where: 'on the host', ...(env ? { env } : {}) }
  }

  async close() {
    await this.session?.channel.close()
    this.session = undefined
    // Our own mkdtemp directory: nothing is ever mounted in it.
    if (this.dir) await rm(this.dir, { recursive: true, force: true })
    this.dir = undefined
  }
}
