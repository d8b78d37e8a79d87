// The run's record: the one place a run writes its state. Each change is written before the
// method returns (atomically, the whole file), so a kill -9 at any moment loses at most the
// running block — and that block's pending probe is on disk before it runs, so the next run
// finds what it left (crash recovery).
import type { Plan, Step } from '../plan/types.js'
import type { BlockResult } from '../events/events.js'
import { now } from '../events/events.js'
import type { PendingProbe, Resource, TeardownResult } from '../resources/ledger.js'
import type { Paths } from '../state/paths.js'
import { saveInputDirs, saveState, type State } from '../state/state.js'

/** What the pool says about a guest: it booted (ready after ms), or it ended (how). */
export type GuestEvent = { pid: number; readyAfterMs: number } | { end: string }

/** What the pool made that may outlive a block, before the ledger's bookkeeping. */
export type MadeByPool = Extract<Resource, { kind: 'process' }> | Extract<Resource, { kind: 'dir' }> | Extract<Resource, { kind: 'remote' }>
type Unattributed<R> = R extends Resource ? Omit<R, 'block' | 'runId' | 'keep' | 'cleaned'> : never

export class RunRecord {
  constructor(
    private readonly paths: Paths,
    /** The state as loaded; this record changes it in place (the caller keeps reading it). */
    readonly state: State,
    private readonly runId: string,
  ) {}

  /** The block running now, if any (its pending probe is on disk). */
  get running(): string | undefined {
    return this.state.pending?.block
  }

  /** A fresh run: the earlier results of the steps it will run no longer describe the machine (written with the next change). */
  forgetSelected(plan: Plan): void {
    for (const s of plan.steps) if (!s.skip && s.action !== 'none') delete this.state.blocks[s.id]
  }

  /** A docrun died while a block ran: what that block left joins the ledger, and the pending probe goes. */
  async crashRecovered(orphans: Resource[]): Promise<void> {
    this.state.resources.push(...orphans)
    delete this.state.pending
    await this.write()
  }

  /** Before a block runs: what the system held, so that a crash during it can be cleaned up. */
  async blockStarted(pending: PendingProbe): Promise<void> {
    this.state.pending = pending
    await this.write()
  }

  /** A block's end (or a block that could not start): its result, and what it created, in one write. */
  async blockEnded(step: Step, result: BlockResult, created: Resource[] = []): Promise<void> {
    this.state.resources.push(...created)
    delete this.state.pending
    this.state.blocks[step.id] = {
      hash: step.hash,
      status: result.status,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      finishedAt: now(),
      runId: this.runId,
      target: step.target.name,
      ...(result.snapshot ? { snapshot: true } : {}),
      ...(result.capture ? { capture: result.capture } : {}),
      ...(result.message ? { message: result.message } : {}),
    }
    this.state.lastRun = this.runId
    await this.write()
  }

  /** A passed block's `inputs=` fingerprint (after blockEnded): --resume and status compare it with the inputs then. */
  async inputsTaken(step: Step, fp: { digest: string; dirs: Record<string, string> }): Promise<void> {
    const b = this.state.blocks[step.id]
    if (!b) return
    await saveInputDirs(this.paths, step.id, fp.dirs)
    b.inputs = { digest: fp.digest }
    await this.write()
  }

  /** A shell, QEMU, a background block or a temp dir the pool started: attributed to the running block. */
  async resourceMade(r: Unattributed<MadeByPool>): Promise<void> {
    this.state.resources.push({ ...r, block: this.running ?? '', runId: this.runId, keep: false } as Resource)
    await this.write()
  }

  /** A guest's lifetime: when its QEMU started and its shell answered, how it ended. */
  async guestLife(name: string, e: GuestEvent): Promise<void> {
    const guests = (this.state.guests ??= {})
    if ('pid' in e) {
      const startedAt = new Date(Date.now() - e.readyAfterMs).toISOString()
      guests[name] = { pid: e.pid, runId: this.runId, startedAt, readyAfterMs: Math.round(e.readyAfterMs) }
    } else if (guests[name]) Object.assign(guests[name], { stoppedAt: now(), end: e.end })
    await this.write()
  }

  /** What a teardown removed (or found gone) leaves the ledger; what it failed to remove stays. */
  async tornDown(results: TeardownResult[]): Promise<void> {
    const removed = new Set(results.filter((r) => r.ok).map((r) => r.resource))
    this.state.resources = this.state.resources.filter((r) => !removed.has(r))
    await this.write()
  }

  /** The run's end: the ledger as it stands. */
  async finish(): Promise<void> {
    await this.write()
  }

  /** The one write. (How it is flushed — every change, or batched — is decided here alone.) */
  private async write(): Promise<void> {
    await saveState(this.paths, this.state)
  }
}
