// The host: one persistent shell (bash, or sh when the runbook says so), started in the
// workspace, as a person's terminal.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ShellSession } from '../shell/session.js'
import { ProcessChannel } from './process-channel.js'
import type { Target } from './target.js'

export interface HostTargetOptions {
  /** Where the shell starts. */
  workspace: string
  shell?: 'bash' | 'sh'
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

  constructor(private readonly opts: HostTargetOptions) {
    this.description = `${opts.shell ?? 'bash'} on the host`
  }

  async open() {
    this.dir = await mkdtemp(join(tmpdir(), 'docrun-'))
    const channel = new ProcessChannel({
      file: this.opts.shell ?? 'bash',
      args: this.opts.shell === 'sh' ? [] : ['--noprofile', '--norc'],
      env: {},
      cwd: this.opts.workspace,
      description: this.description,
      localRoot: '',
      ...(this.opts.onNoise ? { onStderr: this.opts.onNoise } : {}),
    })
    this.session = new ShellSession(channel, this.dir, this.opts.onNoise)
    await this.session.start()
    return { session: this.session, notes: [] }
  }

  async close() {
    await this.session?.channel.close()
    this.session = undefined
    // Our own mkdtemp directory: nothing is ever mounted in it.
    if (this.dir) await rm(this.dir, { recursive: true, force: true })
    this.dir = undefined
  }
}
