// The run's record: the one place a run writes its state. Each change is written before the
// method returns, so a kill -9 at any moment loses at most the running block — and that
// block's pending probe is written before it runs, so the next run finds what it left (crash
// recovery). What happens per block (its pending probe, its result) is one line appended to the
// state's journal, flushed to the disk at the block's end (group commit: one fsync a block);
// the rest (the run's start, the ledger, guests, the run's end) rewrites the state whole,
// which folds the journal in (state/state.ts).
import type { Plan, Step } from '../plan/types.js'
import type { BlockResult } from '../events/events.js'
import { now } from '../events/events.js'
import type { PendingProbe, Resource, TeardownResult } from '../resources/ledger.js'
import type { Paths } from '../state/paths.js'
import { GroupCommit } from '../state/commit.js'
import { appendJournal, inputsPath, saveInputDirs, saveStateSync, snapshotPath, type JournalEntry, type State } from '../state/state.js'

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

  /** The next write rewrites the state whole (the run's first write does: a journal starts from a known whole). */
  private whole = true
  private readonly commit = new GroupCommit()

  /** The block running now, if any (its pending probe is on disk). */
  get running(): string | undefined {
    return this.state.pending?.block
  }

  /** A fresh run: the earlier results of the steps it will run no longer describe the machine (written with the next change). */
  forgetSelected(plan: Plan): void {
    for (const s of plan.steps) if (!s.skip && s.action !== 'none') delete this.state.blocks[s.id]
    this.whole = true
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
    await this.write({ pending })
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
    const ledger = created.length ? { resources: this.state.resources } : {}
    await this.write({ pending: null, blocks: { [step.id]: this.state.blocks[step.id]! }, lastRun: this.runId, ...ledger })
    this.commit.add(...(result.snapshot ? [snapshotPath(this.paths, step.id)] : []), this.paths.journal)
  }

  /** A passed block's `inputs=` fingerprint (after blockEnded): --resume and status compare it with the inputs then. */
  async inputsTaken(step: Step, fp: { digest: string; dirs: Record<string, string> }): Promise<void> {
    const b = this.state.blocks[step.id]
    if (!b) return
    await saveInputDirs(this.paths, step.id, fp.dirs)
    b.inputs = { digest: fp.digest }
    await this.write({ blocks: { [step.id]: b } })
    this.commit.add(inputsPath(this.paths, step.id), this.paths.journal)
  }

  /** A shell, QEMU, a background block or a temp dir the pool started: attributed to the running block. */
  async resourceMade(r: Unattributed<MadeByPool>): Promise<void> {
    this.state.resources.push({ ...r, block: this.running ?? '', runId: this.runId, keep: false } as Resource)
    await this.write({ resources: this.state.resources })
  }

  /** A guest's lifetime: when its QEMU started and its shell answered, how it ended. */
  async guestLife(name: string, e: GuestEvent): Promise<void> {
    const guests = (this.state.guests ??= {})
    if ('pid' in e) {
      const startedAt = new Date(Date.now() - e.readyAfterMs).toISOString()
      guests[name] = { pid: e.pid, runId: this.runId, startedAt, readyAfterMs: Math.round(e.readyAfterMs) }
    } else if (guests[name]) Object.assign(guests[name], { stoppedAt: now(), end: e.end })
    if (guests[name]) await this.write({ guests: { [name]: guests[name] } })
  }

  /** What a teardown removed (or found gone) leaves the ledger; what it failed to remove stays. */
  async tornDown(results: TeardownResult[]): Promise<void> {
    const removed = new Set(results.filter((r) => r.ok).map((r) => r.resource))
    this.state.resources = this.state.resources.filter((r) => !removed.has(r))
    await this.write({ resources: this.state.resources })
  }

  /** The run's end: the ledger as it stands, everything flushed to the disk. */
  async finish(): Promise<void> {
    await this.commit.settle()
    await this.write()
  }

  /**
   * The one write: a journal line for a change (a block's, the ledger's, a guest's), the whole
   * state (fsync'd) at the run's start and end and after a crash. Synchronous: it is done when
   * the method returns, whatever kills docrun next. The ledger and the guests go in the journal
   * unflushed: they describe processes, mounts and loop devices, which a power loss ends too.
   */
  private async write(change?: Omit<JournalEntry, 'updatedAt'>): Promise<void> {
    if (this.whole || !change) {
      saveStateSync(this.paths, this.state)
      this.whole = false
    } else appendJournal(this.paths, this.state, change)
  }
}
