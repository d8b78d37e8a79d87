// Opens one session per target on first use, and closes them all, innermost last-opened first.
// Guests are opened only by their start block (boot); every other target opens on demand.
import { join } from 'node:path'
import type { HostStart, Step, TargetRef } from '../plan/types.js'
import type { ShellSession } from '../shell/session.js'
import { NoiseCoalescer } from '../shell/noise.js'
import { GuestError } from '../targets/guest/guest.js'
import { prepareSession, reapplySession } from '../targets/prepare.js'
import type { DetachedOptions, Guest, Target } from '../targets/target.js'
import { realTargets, type TargetFactory } from '../targets/factory.js'
import { runAtTerminal, type Command } from '../targets/command.js'
import { safeName } from '../state/paths.js'
import type { Masker } from '../common/mask.js'
import { BackgroundProcess } from '../targets/background-process.js'
import { SplatScanner } from '../checks/splats.js'
import { ConsoleWatch } from './console-watch.js'
import type { Splat } from '../events/events.js'
import type { RemoteSessionRecord } from '../sys/remote-session.js'

export interface PoolOptions {
  workspace: string
  /** The host shell's program and starting directory (default: bash in the workspace). */
  host?: HostStart
  params: Record<string, string>
  /** Where console logs go (the run directory). */
  runDir?: string
  /** Secret values, masked in console logs. */
  secrets?: Masker
  /** Called after a target's session opened: returns the snapshot to restore, if any. */
  snapshotFor?: (target: string) => Promise<{ dump: string; block: string } | undefined>
  /** Something the run should say (a restored shell, a guest's shutdown, what a shell wrote on its stderr). */
  note?: (message: string) => Promise<void>
  /** What the pool started or made that may outlive a block (a shell, QEMU, a background block, a temp dir): for the resource ledger. */
  onResource?: (
    r:
      | { kind: 'process'; pid: number; startTime: string; description: string }
      | { kind: 'dir'; path: string; description: string }
      | ({ kind: 'remote' } & RemoteSessionRecord),
  ) => Promise<void>
  /** A guest's lifetime: booted (ready after ms) or ended (how). */
  onGuest?: (name: string, e: { pid: number; readyAfterMs: number } | { end: string }) => Promise<void>
}

export type { TargetFactory }

export interface BootOptions {
  onOutput?: (chunk: Buffer) => void
  signal?: AbortSignal
  /** Boot timeout (the start block's timeout=). */
  timeoutMs?: number
}

/** Where a guest stands: never booted in this run, running, or stopped (and why). */
export type GuestStatus = { state: 'never' } | { state: 'running' } | { state: 'stopped'; reason: string }

interface OpenTarget {
  target: Target
  session: ShellSession
  /** What its shell writes on stderr, said as notes. */
  noise?: NoiseCoalescer
}

export class TargetPool {
  private open = new Map<string, OpenTarget>()
  private order: string[] = []
  private guests = new Map<string, Guest>()
  /** Each guest's console, read for kernel splats from its first byte. */
  private scanners = new Map<string, SplatScanner>()
  /** Each guest's console text, for {wait=REGEX}. */
  private watches = new Map<string, ConsoleWatch>()
  /** Notes from shells' stderr, said in order, waited for when targets close. */
  private stderrSaid: Promise<void> = Promise.resolve()

  constructor(
    private readonly opts: PoolOptions,
    private readonly factory: TargetFactory = realTargets,
  ) {}

  async get(ref: TargetRef): Promise<ShellSession> {
    const have = this.open.get(ref.name)
    if (have && !have.session.isClosed) return have.session
    if (ref.kind === 'guest') {
      const st = this.guestStatus(ref.name)
      throw new Error(st.state === 'stopped' ? `guest ${ref.name} is gone: ${st.reason}` : `guest ${ref.name} is not running: its start block must run first`)
    }
    if (have) await this.closeOne(ref.name)
    const { target, noise } = this.make(ref)
    let opened: Awaited<ReturnType<Target['open']>>
    try {
      opened = await target.open()
    } finally {
      // The shell leads a session of its own: in the ledger, so the blocks it was running when a
      // docrun was killed (kill -9) are ended by the next run instead of running on beside it.
      // (An ssh target's connection is in it even when the shell never answered.)
      if (target.process)
        await this.opts.onResource?.({
          kind: 'process',
          ...target.process,
          description: `the ${target.kind === 'ssh' ? 'connection' : 'shell'} of ${target.description}`,
        })
    }
    if (target.tempDir) await this.opts.onResource?.({ kind: 'dir', path: target.tempDir, description: `the temp dir of ${target.description}` })
    // A remote shell is ended over SSH: recorded, so a docrun that dies (or a lost connection) leaves a fact, not a guess.
    if (target.remote) await this.opts.onResource?.({ kind: 'remote', ...target.remote })
    return this.adopt(ref.name, { target, session: opened.session, noise }, opened.notes)
  }

  /** The target for a host, chroot or ssh ref, with the notes its shell's stderr becomes. */
  private make(ref: Exclude<TargetRef, { kind: 'guest' }>): { target: Target; noise: NoiseCoalescer } {
    const who =
      ref.kind === 'host' ? `the host's ${this.opts.host?.shell ?? 'bash'}` : ref.kind === 'ssh' ? `host ${ref.name}'s shell` : `chroot ${ref.root}'s shell`
    const noise = this.stderrNotes(who)
    const onNoise = (c: Buffer) => noise.push(c)
    if (ref.kind === 'host')
      return { target: this.factory.host({ workspace: this.opts.host?.cwd ?? this.opts.workspace, shell: this.opts.host?.shell ?? 'bash', onNoise }), noise }
    if (ref.kind === 'ssh') return { target: this.factory.ssh({ name: ref.name, host: ref.host, onNoise }), noise }
    return { target: this.factory.chroot({ name: ref.name, root: ref.root, workspace: this.opts.workspace, onNoise }), noise }
  }

  /** A target and its open session (opened now if need be): an end of a `{copy}`. */
  async end(ref: TargetRef): Promise<{ target: Target; session: ShellSession }> {
    const session = await this.get(ref)
    return { target: this.open.get(ref.name)!.target, session }
  }

  /** Run a `{guest=NAME}` block: start QEMU from its text on its target, wait for the shell. */
  async boot(step: Step, opts: BootOptions = {}): Promise<ShellSession> {
    const spec = step.boot!
    if (this.open.has(spec.guest)) {
      await this.opts.note?.(`guest ${spec.guest} is booted again by ${step.id}: shutting down the running one first`)
      await this.closeOne(spec.guest)
    }
    // QEMU's command sees what earlier blocks on its target set (variables, cwd, PATH).
    const command = await this.detached(step.target, step.content)
    const scanner = new SplatScanner(spec.guest)
    this.scanners.set(spec.guest, scanner)
    const watch = new ConsoleWatch()
    this.watches.set(spec.guest, watch)
    const guest = this.factory.guest({
      boot: { name: spec.guest, ready: spec.ready, login: spec.login, password: spec.password },
      onConsole: (c) => {
        const text = c.toString('latin1')
        scanner.push(text)
        watch.push(text)
      },
      command,
      logFile: join(this.opts.runDir ?? this.opts.workspace, `console-${safeName(spec.guest)}.log`),
      ...(this.opts.secrets ? { secrets: this.opts.secrets } : {}),
      bootTimeoutMs: opts.timeoutMs ?? 5 * 60_000,
      ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    })
    this.guests.set(spec.guest, guest)
    // QEMU is started by open() before its first await: in the ledger before the boot is waited for.
    const opening = guest.open()
    if (guest.process) await this.opts.onResource?.({ kind: 'process', ...guest.process, description: `QEMU of guest ${spec.guest}` })
    let opened: Awaited<typeof opening>
    try {
      opened = await opening
    } catch (error) {
      const why = await guest.close()
      if (why) await this.opts.note?.(why)
      await this.opts.onGuest?.(spec.guest, { end: `did not boot: ${(error as Error).message}` })
      throw error
    }
    await this.opts.onGuest?.(spec.guest, { pid: guest.process?.pid ?? 0, readyAfterMs: guest.readyAfterMs })
    return this.adopt(spec.guest, { target: guest, session: opened.session }, opened.notes)
  }

  /** The command that runs `content` on a host or chroot target outside its session, from the session's state. */
  private async detached(where: TargetRef, content: string, opts: DetachedOptions = {}): Promise<Command> {
    if (where.kind === 'guest' || where.kind === 'ssh') throw new Error('only a host or chroot target can start a process of its own')
    await this.get(where)
    const { target } = this.open.get(where.name)!
    if (!target.detached) throw new Error(`${target.description} cannot start a process of its own`)
    return target.detached(content, opts)
  }

  /** `--debug`: an interactive shell on a host or chroot target, from its session's state, with the user's terminal; `rc` runs first. */
  async shellAtTerminal(where: TargetRef, rc: string, signal?: AbortSignal): Promise<number> {
    return runAtTerminal(await this.detached(where, rc, { interactive: true }), signal, 'SIGHUP')
  }

  /** What a target is, in words ("bash on the host", "guest vm"), once it is open. */
  describe(name: string): string | undefined {
    return this.open.get(name)?.target.description
  }

  /** Start a `{background}` block: it runs on while the run goes on, and ends with it. */
  async background(step: Step, onOutput: (chunk: Buffer) => void): Promise<BackgroundProcess> {
    const p = new BackgroundProcess(await this.detached(step.target, step.content), onOutput)
    await this.opts.onResource?.({ kind: 'process', pid: p.pid, startTime: p.startTime, description: `background block ${step.id}` })
    return p
  }

  /** Run an {interactive} block with the user's terminal (stdin, stdout, stderr inherited). */
  async runAtTerminal(step: Step, signal?: AbortSignal): Promise<number> {
    return runAtTerminal(await this.detached(step.target, step.content), signal)
  }

  guestStatus(name: string): GuestStatus {
    const g = this.guests.get(name)
    if (!g) return { state: 'never' }
    if (g.running) return { state: 'running' }
    const session = this.open.get(name)?.session
    return { state: 'stopped', reason: session?.closedReason ?? 'it was shut down' }
  }

  /** A guest's console text, to wait on; undefined for a guest this run has not booted. */
  console(name: string): ConsoleWatch | undefined {
    return this.watches.get(name)
  }

  /** The kernel splats every guest's console printed since the last call: the running block's. */
  takeSplats(): Splat[] {
    return [...this.scanners.values()].flatMap((s) => s.take())
  }

  /** The last console lines of a guest, for a failure report. */
  consoleTail(name: string, n = 50): string[] {
    return this.guests.get(name)?.consoleTail(n) ?? []
  }

  /** Notes from what a shell writes on its stderr outside any block, coalesced (see NoiseCoalescer). */
  private stderrNotes(who: string): NoiseCoalescer {
    const say = (text: string) => {
      const message = `${who} wrote on its stderr: ${this.opts.secrets ? this.opts.secrets.mask(text) : text}`
      this.stderrSaid = this.stderrSaid.then(() => this.opts.note?.(message)).catch(() => {})
    }
    return new NoiseCoalescer(say)
  }

  private async adopt(name: string, entry: OpenTarget, notes: string[]): Promise<ShellSession> {
    const { target, session } = entry
    this.open.set(name, entry)
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
    entry?.noise?.flush()
    await this.stderrSaid
    if (said) await this.opts.note?.(said)
    if (entry?.target.kind === 'guest') await this.opts.onGuest?.(name, { end: said || 'stopped' })
  }

  /** Close one target's shell if it is open (a restored chroot root: the shell sat in the old one); the next block opens it again. */
  async close(name: string): Promise<boolean> {
    if (!this.open.has(name)) return false
    await this.closeOne(name)
    return true
  }

  async closeAll(): Promise<void> {
    for (const name of [...this.order].reverse()) await this.closeOne(name)
  }
}

export { GuestError }
