// The host: one persistent bash, started in the workspace, as a person's terminal.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ShellSession } from '../shell/session.js'
import { ProcessChannel } from './process-channel.js'
import type { Target } from './target.js'

export interface HostTargetOptions {
  workspace: string
  onNoise?: (chunk: Buffer) => void
}

export class HostTarget implements Target {
  readonly name = 'host'
  readonly kind = 'host' as const
  readonly description = 'bash on the host'
  private dir: string | undefined
  private session: ShellSession | undefined

  constructor(private readonly opts: HostTargetOptions) {}

  async open() {
    this.dir = await mkdtemp(join(tmpdir(), 'docrun-'))
    const channel = new ProcessChannel({
      file: 'bash',
      args: ['--noprofile', '--norc'],
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
