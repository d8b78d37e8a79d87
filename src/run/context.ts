// What the executor and a block's run share for one run: the options, the pool, the record,
// the tallies, and how to say something in the event stream.
import type { RegisteredCheck } from '../checks/api.js'
import type { Masker } from '../common/mask.js'
import { now, type BlockStatus, type EventBus } from '../events/events.js'
import type { Plan } from '../plan/types.js'
import type { Probe } from '../resources/ledger.js'
import type { Paths } from '../state/paths.js'
import type { State } from '../state/state.js'
import type { TargetFactory, TargetPool } from './pool.js'
import type { RunCache } from './inputs-now.js'
import type { RunRecord } from './record.js'
import type { DebugOptions } from './debug.js'

export interface RunOptions {
  plan: Plan
  paths: Paths
  state: State
  runId: string
  runDir: string
  bus: EventBus
  resume: boolean
  signal: AbortSignal
  targetFactory?: TargetFactory
  /** What the system holds now (mounts, loop devices): the kernel's records unless a test passes its own. */
  probe?: () => Promise<Probe>
  /** The runbook's checks module entries. */
  checks?: RegisteredCheck[]
  /** Secret values: masked in output files, events and console logs. */
  secrets?: Masker
  /** The block cache ({cache=PATHS} blocks) and docrun's version for its entries; undefined: no cache (`--no-cache`). */
  cache?: { dir: string; version: string }
  /** Rewrite {expect} blocks that do not match instead of failing (the CLI writes the file). */
  updateExpect?: boolean
  /** `--debug`: a person at the terminal steps in where a block fails and at {breakpoint}s. */
  debug?: DebugOptions
}

export interface RunOutcome {
  status: 'passed' | 'failed' | 'interrupted'
  exitCode: number
  counts: Record<BlockStatus, number>
  failed?: string
  /** A person chose abort in a --debug shell at `failed`. */
  aborted?: boolean
}

export type Note = (message: string, level?: 'info' | 'warn', step?: string) => Promise<void>

export interface RunContext {
  opts: RunOptions
  pool: TargetPool
  record: RunRecord
  params: Record<string, string>
  counts: Record<BlockStatus, number>
  /** How long each block took when it last passed: progress shows it as an estimate. */
  previousMs: Map<string, number>
  probe: () => Promise<Probe>
  /**
   * The probe the last block's end took, while nothing else has run since (executor.ts clears it around steps that run
   * more than their block): the next block's pending probe, instead of reading /proc and sysfs again.
   */
  lastProbe?: Probe
  note: Note
  /** The block cache and this run's keys (undefined: off, or no step caches). */
  cache?: RunCache
}

export function noteTo(bus: EventBus): Note {
  return (message, level = 'info', step) => bus.emit({ type: 'note', time: now(), level, message, ...(step ? { step } : {}) })
}
