// Opens one session per target on first use, and closes them all, innermost last-opened first.
// Guests are opened only by their start block (boot); every other target opens on demand.
import { join } from 'node:path'
import { execa } from 'execa'
import type { HostStart, Step, TargetRef } from '../plan/types.js'
import type { ShellSession } from '../shell/session.js'
import { HostTarget } from '../targets/host.js'
import { ChrootTarget, CHROOT_ENV } from '../targets/chroot.js'
import { GuestError, GuestTarget } from '../targets/guest/guest.js'
import { prepareSession, reapplySession } from '../targets/prepare.js'
import type { Target } from '../targets/target.js'
import { safeName } from '../state/paths.js'
import type { Masker } from '../common/mask.js'
import { BackgroundProcess } from '../targets/background-process.js'
import { processStartTime } from '../sys/proc.js'

export interface PoolOptions {
  workspace: string
  /** The host shell's program and starting directory (default: bash in the workspace). */
  host?: HostStart
  params: Record<string, string>
  /** Where console logs go (the run directory). */
  runDir?: string
  /** Secret values, masked in console logs. */
  secrets?: Masker
  onNoise?: (target: string, chunk: Buffer) => void
  /** Called after a target's session opened: returns the snapshot to restore, if any. */
  snapshotFor?: (target: string) => Promise<{ dump: string; block: string } | undefined>
  note?: (message: string) => Promise<void>
  /** What the pool started or made that may outlive a block (a shell, QEMU, a background block, a temp dir): for the resource ledger. */
  onResource?: (r: { kind: 'process'; pid: number; startTime: string; description: string } | { kind: 'dir'; path: string; description: string }) => Promise<void>
  /** A guest's lifetime: booted (ready after ms) or ended (how). */
  onGuest?: (name: string, e: { pid: number; readyAfterMs: number } | { end: string }) => Promise<void>
}

export type TargetFactory = (ref: Exclude<TargetRef, { kind: 'guest' }>, opts: PoolOptions) => Target

export const defaultTargetFactory: TargetFactory = (ref, opts) => {
  switch (ref.kind) {
    case 'host':
      return new HostTarget({ workspace: opts.host?.cwd ?? opts.workspace, shell: opts.host?.shell ?? 'bash', ...(opts.onNoise ? { onNoise: (c) => opts.onNoise!('host', c) } : {}) })
    case 'chroot':
      return new ChrootTarget({ name: ref.name, root: ref.root, workspace: opts.workspace, ...(opts.onNoise ? { onNoise: (c) => opts.onNoise!(ref.name, c) } : {}) })
  }
}

export interface BootOptions {
  onOutput?: (chunk: Buffer) => void
  signal?: AbortSignal
  /** Boot timeout (the start block's timeout=). */
  timeoutMs?: number
}

/** Where a guest stands: never booted in this run, running, or stopped (and why). */
export type GuestStatus = { state: 'never' } | { state: 'running' } | { state: 'stopped'; reason: string }

export class TargetPool {
  private open = new Map<string, { target: Target; session: ShellSession }>()
  private order: string[] = []
  private guests = new Map<string, GuestTarget>()

  constructor(private readonly opts: PoolOptions, private readonly factory: TargetFactory = defaultTargetFactory) {}

  async get(ref: TargetRef): Promise<ShellSession> {
    const have = this.open.get(ref.name)
    if (have && !have.session.isClosed) return have.session
    if (ref.kind === 'guest') {
      const st = this.guestStatus(ref.name)
      throw new Error(st.state === 'stopped' ? `guest ${ref.name} is gone: ${st.reason}` : `guest ${ref.name} is not running: its start block must run first`)
    }
    if (have) await this.closeOne(ref.name)
    const target = this.factory(ref, this.opts)
    const { session, notes } = await target.open()
    // The shell leads a session of its own: in the ledger, so the blocks it was running when a
    // docrun was killed (kill -9) are ended by the next run instead of running on beside it.
    const pid = (session.channel as { pid?: number }).pid
    if (pid) await this.opts.onResource?.({ kind: 'process', pid, startTime: processStartTime(pid), description: `the shell of ${target.description}` })
    if (target.tempDir) await this.opts.onResource?.({ kind: 'dir', path: target.tempDir, description: `the temp dir of ${target.description}` })
    return this.adopt(ref.name, target, session, notes)
  }

  /** Run a `{guest=NAME}` block: start QEMU from its text on its target, wait for the shell. */
  async boot(step: Step, opts: BootOptions = {}): Promise<ShellSession> {
    const spec = step.boot!
    if (this.open.has(spec.guest)) {
      await this.opts.note?.(`guest ${spec.guest} is booted again by ${step.id}: shutting down the running one first`)
      await this.closeOne(spec.guest)
    }
    // QEMU's command sees what earlier blocks on its target set (variables, cwd, PATH).
    const launch = await this.detached(step.target, step.content)
    const target = new GuestTarget({
      spec,
      launch,
      logFile: join(this.opts.runDir ?? this.opts.workspace, `console-${safeName(spec.guest)}.log`),
      ...(this.opts.secrets ? { secrets: this.opts.secrets } : {}),
      bootTimeoutMs: opts.timeoutMs ?? 5 * 60_000,
      ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(this.opts.onNoise ? { onNoise: (c: Buffer) => this.opts.onNoise!(spec.guest, c) } : {}),
    })
    this.guests.set(spec.guest, target)
    const opening = target.open()
    if (target.process) await this.opts.onResource?.({ kind: 'process', ...target.process, description: `QEMU of guest ${spec.guest}` })
    let opened: Awaited<typeof opening>
    try {
      opened = await opening
    } catch (error) {
      const why = await target.close()
      if (why) await this.opts.note?.(why)
      await this.opts.onGuest?.(spec.guest, { end: `did not boot: ${(error as Error).message}` })
      throw error
    }
    await this.opts.onGuest?.(spec.guest, { pid: target.process?.pid ?? 0, readyAfterMs: target.readyAfterMs })
    return this.adopt(spec.guest, target, opened.session, opened.notes)
  }

  /**
   * A process that runs `content` on a host or chroot target outside the session, starting
   * from the session's state (variables, functions, cwd): a guest's QEMU, an interactive block.
   */
  private async detached(where: TargetRef, content: string) {
    if (where.kind === 'guest') throw new Error('only a host or chroot target can start a process of its own')
    const outer = await this.get(where)
    const script = await outer.detachedScript(content)
    const shell = outer.info?.shell.startsWith('bash') ? ['bash', '--noprofile', '--norc'] : ['sh']
    return where.kind === 'chroot'
      ? { file: 'chroot', args: [this.chrootRoot(where.name), `/bin/${shell[0]}`, ...shell.slice(1), script], env: CHROOT_ENV, cleanEnv: true, cwd: '/', where: `in chroot ${where.root}` }
      : { file: shell[0]!, args: [...shell.slice(1), script], cwd: this.opts.workspace, where: 'on the host' }
  }

  /** Start a `{background}` block: it runs on while the run goes on, and ends with it. */
  async background(step: Step, onOutput: (chunk: Buffer) => void): Promise<BackgroundProcess> {
    const l = await this.detached(step.target, step.content)
    const p = new BackgroundProcess(l, onOutput)
    await this.opts.onResource?.({ kind: 'process', pid: p.pid, startTime: p.startTime, description: `background block ${step.id}` })
    return p
  }

  /** Run an {interactive} block with the user's terminal (stdin, stdout, stderr inherited). */
  async runAtTerminal(step: Step, signal?: AbortSignal): Promise<number> {
    const l = await this.detached(step.target, step.content)
    const r = await execa(l.file, l.args, { cwd: l.cwd, env: l.env ?? {}, extendEnv: !l.cleanEnv, stdio: 'inherit', reject: false, ...(signal ? { cancelSignal: signal } : {}) })
    return r.exitCode ?? 128 + 2
  }

  guestStatus(name: string): GuestStatus {
    const g = this.guests.get(name)
    if (!g) return { state: 'never' }
    if (g.running) return { state: 'running' }
    const session = this.open.get(name)?.session
    return { state: 'stopped', reason: session?.closedReason ?? 'it was shut down' }
  }

  /** The last console lines of a guest, for a failure report. */
  consoleTail(name: string, n = 50): string[] {
    return this.guests.get(name)?.consoleTail(n) ?? []
  }

  private chrootRoot(name: string): string {
    const t = this.open.get(name)?.target
    if (t instanceof ChrootTarget) return t.root
    throw new Error(`chroot ${name} is not open`)
  }

  private async adopt(name: string, target: Target, session: ShellSession, notes: string[]): Promise<ShellSession> {
    this.open.set(name, { target, session })
    this.order.push(name)
    notes.push(...(await prepareSession(session, this.opts.params)))
    const snap = await this.opts.snapshotFor?.(name)
    if (snap) {
      await session.restore(snap.dump)
      await reapplySession(session, this.opts.params)
      notes.push(`restored the shell state (variables, cwd) left by block ${snap.block}`)
    }
    for (const n of notes) await this.opts.note?.(`${target.description}: ${n}`)
    return session
  }

  private async closeOne(name: string): Promise<void> {
    const entry = this.open.get(name)
    this.open.delete(name)
    this.order = this.order.filter((n) => n !== name)
    const said = await entry?.target.close()
    if (said) await this.opts.note?.(said)
    if (entry?.target instanceof GuestTarget) await this.opts.onGuest?.(name, { end: said || 'stopped' })
  }

  async closeAll(): Promise<void> {
    for (const name of [...this.order].reverse()) await this.closeOne(name)
  }
}

export { GuestError }
