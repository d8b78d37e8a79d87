// A chroot: one persistent shell inside ROOT, as after `sudo chroot ./s390-toolchain`.
// The environment is clean and predictable; host variables do not leak in.
import { existsSync } from 'node:fs'
import { mkdtemp, realpath, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { ShellSession } from '../shell/session.js'
import { openSession } from './shell-session.js'
import { processStartTime } from '../sys/proc.js'
import type { Command } from './command.js'
import { ProcessChannel } from './process-channel.js'
import { detachedArgs, type DetachedOptions, type Target } from './target.js'
import { mountsBelow, readMounts } from '../sys/mountinfo.js'

export const CHROOT_ENV: Record<string, string> = {
  HOME: '/root',
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  TERM: 'dumb',
  DEBIAN_FRONTEND: 'noninteractive',
}

export interface ChrootTargetOptions {
  name: string
  /** The chroot directory, resolved against the workspace. */
  root: string
  workspace: string
  /** Host variables to pass in (names); everything else stays out. */
  passEnv?: string[]
  /** What the shell writes on its own stderr (outside any block). */
  onNoise?: (chunk: Buffer) => void
}

export class ChrootTarget implements Target {
  readonly kind = 'chroot' as const
  readonly name: string
  readonly description: string
  readonly root: string
  private dir: string | undefined

  get tempDir(): string | undefined {
    return this.dir
  }
  private session: ShellSession | undefined
  /** The shell leads a process group of its own, for the resource ledger. */
  process: { pid: number; startTime: string } | undefined
  /** The shell inside the root (/bin/bash, /usr/bin/bash or /bin/sh) once open. */
  private shell: string | undefined

  constructor(private readonly opts: ChrootTargetOptions) {
    this.name = opts.name
    this.root = resolve(opts.workspace, opts.root)
    this.description = `chroot ${opts.root}`
  }

  async open() {
    const root = this.root
    if (!existsSync(root)) throw new Error(`chroot directory ${root} does not exist (an earlier block should create it, e.g. with debootstrap)`)
    const shell = ['/bin/bash', '/usr/bin/bash', '/bin/sh'].find((s) => existsSync(join(root, s)))
    if (!shell) throw new Error(`${root} has no /bin/bash or /bin/sh: is it a root file system?`)
    this.shell = shell
    const tmp = join(root, 'tmp')
    if (!existsSync(tmp)) throw new Error(`${root} has no /tmp`)
    this.dir = await mkdtemp(join(tmp, 'docrun-'))
    const inner = this.dir.slice(root.length)
    const args = shell.endsWith('bash') ? [root, shell, '--noprofile', '--norc'] : [root, shell]
    const channel = new ProcessChannel({
      command: { file: 'chroot', args, env: this.env(), cleanEnv: true, cwd: '/', where: this.where },
      description: this.description,
      localRoot: root,
      ...(this.opts.onNoise ? { onStderr: this.opts.onNoise } : {}),
    })
    this.session = openSession(channel, inner)
    if (channel.pid) this.process = { pid: channel.pid, startTime: processStartTime(channel.pid) }
    await this.session.start()
    // As after `chroot DIR`: the shell starts in the chroot's /, here in root's home if it has one.
    await this.session.sync(['cd / 2>/dev/null; cd "$HOME" 2>/dev/null || :'])
    return { session: this.session, notes: [] }
  }

  /** The chroot's clean environment, plus the host variables it passes in. */
  private env(): Record<string, string> {
    const env: Record<string, string> = { ...CHROOT_ENV }
    for (const name of this.opts.passEnv ?? []) if (process.env[name] !== undefined) env[name] = process.env[name]!
    return env
  }

  private get where(): string {
    return `in chroot ${this.opts.root}`
  }

  async detached(script: string, opts: DetachedOptions = {}): Promise<Command> {
    if (!this.session || !this.shell) throw new Error(`${this.description} is not open`)
    const file = await this.session.detachedScript(script)
    const { argv, env } = detachedArgs(this.session, this.shell, '/bin/sh', file, opts)
    return { file: 'chroot', args: [this.root, ...argv], env: { ...this.env(), ...env }, cleanEnv: true, cwd: '/', where: this.where }
  }

  async close() {
    await this.session?.channel.close()
    this.session = undefined
    if (this.dir) {
      // Our own directory under ROOT/tmp; refuse to recurse into it if anything got mounted there.
      await assertNothingMountedBelow(this.dir)
      await rm(this.dir, { recursive: true, force: true })
    }
    this.dir = undefined
  }
}

/** Refuse to remove `dir` with anything mounted at or below it: an rbind of /dev there would take the host's /dev with it. */
async function assertNothingMountedBelow(dir: string): Promise<void> {
  const real = await realpath(dir).catch(() => undefined)
  if (!real) return
  const below = mountsBelow(await readMounts(), real)
  if (below.length) throw new Error(`refusing to remove ${dir}: ${below.length} mount(s) below it (${below.slice(0, 5).join(', ')}); unmount them first`)
}
