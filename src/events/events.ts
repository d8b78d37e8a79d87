// One typed event stream; every reporter (terminal, transcript, events.jsonl) subscribes to it.
import type { Plan, SkipKind } from '../plan/types.js'

export interface CheckResult {
  name: string
  kind: 'check' | 'expect' | 'module'
  passed: boolean
  /** Why it failed: the assertion's message, the check's output, or a unified diff. */
  message?: string
  diff?: string
  /** What a failed {check} printed. */
  output?: string
  /** Not run (a guest that is not running, under `docrun verify`). */
  skipped?: string
  /** `--update-expect`: the {expect} block's new body (the output, volatile values as patterns). */
  updated?: string
}

export interface TestReport {
  format: 'tap' | 'ktap' | 'test_verifier' | 'test_progs' | 'kunit'
  passed: number
  failed: number
  skipped: number
  /** Tests run (TAP: points; test_progs: top-level tests). */
  total: number
  /** Names of the failing tests, as the report gives them. */
  failures: string[]
  /** TAP: the summaries of the programs it ran, printed inside it as `# ` lines (test_verifier's 791 tests in one point). */
  nested?: TestReport[]
  /** KTAP: the suites it ran, each with its own counts (KUnit's `# Subtest:`). */
  subtests?: TestReport[]
  /** The suite's name (KTAP subtests). */
  name?: string
  /** Failures an allow or deny list expects (a DENYLIST entry): counted here, not in `failed`. */
  known?: number
  knownFailures?: { name: string; list: string }[]
}

/** A kernel trouble report seen on a guest's console while a block ran (WARNING, BUG, Oops, KASAN, lockdep, …). */
export interface Splat {
  /** Which kind of report: `warning`, `bug`, `oops`, `kasan`, `ubsan`, `kcsan`, `lockdep`, `hung-task`, `rcu-stall`, `soft-lockup`. */
  kind: string
  /** The line that starts it, as the console printed it (timestamp stripped). */
  title: string
  /** The splat's lines (up to its end marker or a bound). */
  lines: string[]
  guest: string
  /** Set when the runbook's `allow-splats:` allows it: the pattern's reason. */
  allowed?: string
}

export type BlockStatus = 'passed' | 'failed' | 'timed-out' | 'interrupted' | 'skipped'

/** The one result shape for every block, passed or failed. */
export interface BlockResult {
  status: BlockStatus
  exitCode: number | null
  timedOut: boolean
  interrupted: boolean
  durationMs: number
  startedAt: string
  /** Whole output, relative to the run directory. */
  outputFile?: string
  outputBytes: number
  /** What happened, in words, when it did not pass. */
  message?: string
  /** A guest's last console lines, when the guest failed under the block. */
  console?: string[]
  /** Postconditions run after the block ({check}, {expect}, the checks module). */
  checks?: CheckResult[]
  /** A test report found in the output (TAP, test_verifier, test_progs). */
  report?: TestReport
  /** Kernel trouble reports the guest printed while the block ran. */
  splats?: Splat[]
  /** How many times the block ran ({retry}, {until}): more than 1 when it was run again. */
  attempts?: number
  /** `{done-if=CMD}` held: the block did not run again (CMD is given). */
  alreadyDone?: string
  /** The block left a shell snapshot (variables, cwd) for --resume. */
  snapshot?: boolean
  /** `capture=NAME`: the variable set from the block's last output line. */
  capture?: { name: string; value: string }
  /** `--debug`: each time a person stepped in at this block (its failure, its breakpoint), in order. */
  interventions?: Intervention[]
}

/** What a person did in a `--debug` shell at a block, and what they chose when they left it. */
export interface Intervention {
  /** Why the shell opened: the block failed or timed out, or its `{breakpoint}` before it ran. */
  why: 'failed' | 'timed-out' | 'breakpoint'
  /** retry (breakpoint: run it), continue (passed by hand), skip, abort (the run stops, resumable). */
  action: 'retry' | 'continue' | 'skip' | 'abort'
  /** How long the person had the terminal, shell and choice. */
  durationMs: number
  /** The attempt the shell opened after (breakpoint: before). */
  attempt: number
  /** That attempt's failure, in words. */
  failure?: string
  /** The commands typed in a host or chroot debug shell (bash's history), masked. */
  commands?: string[]
  /** Where the person was: "bash on the host", "guest vm's console". */
  where: string
}

export interface HostFacts {
  kernel: string
  distro: string
  arch: string
  node: string
  docrun: string
  tools: Record<string, string>
}

export type RunEvent =
  | {
      type: 'run-start'
      time: string
      runId: string
      runDir: string
      plan: Plan
      facts: HostFacts
      resumed: boolean
      workspace: string
      /** The docrun process (and its start time): `status --follow` and `stop` find it by these. */ pid?: number
      pidStart?: string
    }
  | { type: 'note'; time: string; level: 'info' | 'warn'; message: string; step?: string }
  | {
      type: 'block-start'
      time: string
      step: string
      target: string
      attempt: number
      /** The block's duration when it last passed. */ expectedMs?: number
      /** It has the user's terminal. */ interactive?: boolean
    }
  | { type: 'output'; time: string; step: string; data: string }
  | { type: 'block-end'; time: string; step: string; result: BlockResult }
  /** `--debug`: a person has the terminal at this block (its failure or breakpoint) until its next block-start or block-end. */
  | { type: 'attend'; time: string; step: string; target: string; why: Intervention['why']; attempt: number; message?: string }
  | {
      type: 'block-skip'
      time: string
      step: string
      reason: string
      /** The reason as data: the plan's skip, or done in an earlier run. */ kind?: SkipKind | 'done'
    }
  | {
      type: 'run-end'
      time: string
      status: 'passed' | 'failed' | 'interrupted' | 'error'
      exitCode: number
      message?: string
      counts: Record<BlockStatus, number>
    }

export type Listener = (event: RunEvent) => void | Promise<void>

export class EventBus {
  private listeners: Listener[] = []
  subscribe(l: Listener): void {
    this.listeners.push(l)
  }
  async emit(event: RunEvent): Promise<void> {
    for (const l of this.listeners) await l(event)
  }
}

export const now = () => new Date().toISOString()
