// One run, from its start to its last word: the run id and record directory (and the `latest`
// link), the reporters on the event stream with secrets masked, the notes a run starts with,
// the plan's execution, how the run ended, `--update-expect`, and the drift report of a
// document run as it is. The CLI parses, locks and catches signals; this does the rest.
import { mkdir, readFile, rm, symlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Plan } from '../plan/types.js'
import type { Runbook } from '../runbook/types.js'
import type { RegisteredCheck } from '../checks/api.js'
import { EventBus, now, type BlockResult, type RunEvent } from '../events/events.js'
import { runSecrets, MASK, type Masker } from '../common/mask.js'
import { EXIT } from '../common/exit-codes.js'
import { writeAtomic } from '../state/atomic.js'
import { runDirOf, type Paths } from '../state/paths.js'
import type { Lock } from '../state/lock.js'
import { loadState, type LoadedState } from '../state/state.js'
import { processStartTime } from '../sys/proc.js'
import { ConsoleReporter } from '../report/console.js'
import { JsonlReporter, TranscriptReporter } from '../report/files.js'
import { hostFacts } from '../report/facts.js'
import { JunitReporter } from '../report/junit.js'
import { HtmlReporter } from '../report/html/reporter.js'
import { executePlan, type RunOutcome } from './runner.js'
import { newRunId } from './background.js'
import { applyExpectUpdates, collectExpectUpdates, type Say } from './expect-updates.js'

export interface RunSessionOptions {
  runbookPath: string
  runbook: Runbook
  plan: Plan
  checks: RegisteredCheck[]
  paths: Paths
  /** The workspace lock, held by the caller: a stale one it took over is said at the start. */
  lock: Lock
  signal: AbortSignal
  /** Chosen by the command that started a detached run (it printed it already). */
  runId?: string
  resume?: boolean
  /** The run record goes here instead of .docrun/runs/<run-id>. */
  out?: string
  normalize?: boolean
  quiet?: boolean
  verbose?: boolean
  junit?: string
  updateExpect?: boolean
  /** The block cache for {cache=PATHS} blocks; none with --no-cache. */
  cache?: { dir: string; version: string }
  /** --debug: a shell at a failed block; a retry reads the runbook again. */
  debug?: { reload: () => Promise<Plan> }
  say?: Say
}

const stdio: Say = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }

/** Output is masked at its source (the runner, per stream); notes and messages here. */
export function maskEvent(secrets: Masker, e: RunEvent): RunEvent {
  if (!secrets.active) return e
  if (e.type === 'note') return { ...e, message: secrets.mask(e.message) }
  if (e.type === 'block-end' && e.result.message) {
    const console = e.result.console ? { console: e.result.console.map((l) => secrets.mask(l)) } : {}
    return { ...e, result: { ...e.result, message: secrets.mask(e.result.message), ...console } }
  }
  if (e.type === 'run-end' && e.message) return { ...e, message: secrets.mask(e.message) }
  return e
}

/** What the run's end says beside its status: how to go on. */
export function runEndMessage(outcome: RunOutcome, runbookPath: string): string | undefined {
  if (outcome.status === 'failed') return `block ${outcome.failed} failed; fix it and continue with \`docrun run ${runbookPath} --resume\``
  if (outcome.aborted) return `a person aborted the run at ${outcome.failed} (--debug); continue with \`docrun run ${runbookPath} --resume\``
  if (outcome.status === 'interrupted') return `interrupted at ${outcome.failed}; continue with \`docrun run ${runbookPath} --resume\``
  return undefined
}

export class RunSession {
  private readonly bus = new EventBus()
  private readonly results = new Map<string, BlockResult>()
  private readonly secrets: Masker
  private readonly say: Say
  readonly runId: string
  readonly runDir: string

  constructor(private readonly opts: RunSessionOptions) {
    this.secrets = runSecrets(opts.plan.params)
    this.say = opts.say ?? stdio
    this.runId = opts.runId ?? newRunId()
    this.runDir = opts.out ? resolve(opts.out) : runDirOf(opts.paths, this.runId)
  }

  /** Run the plan; the run's exit code. */
  async run(): Promise<number> {
    const { opts, bus } = this
    const loaded = await loadState(opts.paths, opts.runbookPath, opts.runbook.sha256)
    await this.openRecord()
    const updates = collectExpectUpdates(bus, opts.plan)
    await this.announce(loaded)
    let outcome: RunOutcome
    try {
      outcome = await executePlan({
        plan: opts.plan,
        paths: opts.paths,
        state: loaded.state,
        runId: this.runId,
        runDir: this.runDir,
        bus,
        resume: opts.resume === true,
        signal: opts.signal,
        checks: opts.checks,
        secrets: this.secrets,
        updateExpect: opts.updateExpect === true,
        ...(opts.cache ? { cache: opts.cache } : {}),
        ...(opts.debug ? { debug: opts.debug } : {}),
      })
    } catch (error) {
      const counts = { passed: 0, failed: 0, 'timed-out': 0, interrupted: 0, skipped: 0 }
      await bus.emit({
        type: 'run-end',
        time: now(),
        status: 'error',
        exitCode: EXIT.internal,
        message: `docrun failed: ${(error as Error).stack ?? String(error)}`,
        counts,
      })
      return EXIT.internal
    }
    const message = runEndMessage(outcome, opts.runbookPath)
    await bus.emit({
      type: 'run-end',
      time: now(),
      status: outcome.status,
      exitCode: outcome.exitCode,
      counts: outcome.counts,
      ...(message ? { message } : {}),
    })
    if (updates.length) await applyExpectUpdates(opts.runbookPath, updates, opts.paths, loaded.state, this.say)
    await this.reportStop(outcome)
    this.say.err(`docrun: transcript: ${join(this.runDir, 'transcript.md')}\n`)
    return outcome.exitCode
  }

  /** The run directory, the `latest` link, the runbook as it ran, and the reporters on the bus. */
  private async openRecord(): Promise<void> {
    const { opts, bus, runDir } = this
    await mkdir(runDir, { recursive: true, mode: 0o700 })
    if (!opts.out) {
      await rm(opts.paths.latest, { force: true })
      await symlink(this.runId, opts.paths.latest)
    }
    // A secret's default may sit in the runbook's own front matter: the record masks it too.
    const runbookText = this.secrets.mask(await readFile(opts.runbookPath, 'utf8'))
    // The run record holds the runbook as it ran, so its transcript can be rendered again.
    await writeAtomic(join(runDir, 'runbook.md'), runbookText)
    const transcript = new TranscriptReporter(runDir, runbookText, { normalize: opts.normalize === true })
    const jsonl = new JsonlReporter(runDir)
    // A terminal gets a live progress region; logs, CI and --verbose get plain timestamped lines.
    // (log-update and the ANSI libraries behind the live region load only for a terminal.)
    const live = process.stdout.isTTY && !opts.verbose && !opts.quiet
    const consoleR = live
      ? new (await import('../report/live.js')).LiveReporter(process.stdout)
      : new ConsoleReporter({ quiet: opts.quiet === true, timestamps: !process.stdout.isTTY })
    const junit = new JunitReporter(runDir, opts.junit ? resolve(opts.junit) : undefined)
    const html = new HtmlReporter(runDir)
    for (const r of [jsonl, transcript, consoleR, junit, html]) bus.subscribe((e) => r.on(maskEvent(this.secrets, e)))
    bus.subscribe((e) => {
      if (e.type === 'block-end') this.results.set(e.step, e.result)
    })
  }

  /** run-start, then what the run starts from: a dead docrun's lock, a state that could not be read, an edited runbook. */
  private async announce({ state, recovered }: LoadedState): Promise<void> {
    const { opts, bus } = this
    const { plan, runbook } = opts
    const shownPlan = { ...plan, params: plan.params.map((p) => (p.secret ? { ...p, value: MASK } : p)) }
    const pid = process.pid
    await bus.emit({
      type: 'run-start',
      time: now(),
      runId: this.runId,
      runDir: this.runDir,
      plan: shownPlan,
      facts: hostFacts(),
      resumed: opts.resume === true,
      workspace: opts.paths.workspace,
      pid,
      pidStart: processStartTime(pid),
    })
    const note = (level: 'info' | 'warn', message: string) => bus.emit({ type: 'note', time: now(), level, message })
    const stale = opts.lock.stale
    if (stale) await note('warn', `took over the lock of a docrun that is gone (pid ${stale.pid}, ${stale.command})`)
    if (recovered) await note('warn', `the saved state could not be used (${recovered.reason}); starting fresh, the old state is kept as ${recovered.backup}`)
    if (opts.resume && state.runbook.sha256 !== runbook.sha256 && Object.keys(state.blocks).length) {
      await note('info', 'the runbook changed since the last run: an edited block runs again, and so does every block after it')
    }
    state.runbook = { path: resolve(opts.runbookPath), sha256: runbook.sha256 }
  }

  /** A document run as it is that stopped at a failed block: its drift report. */
  private async reportStop(outcome: RunOutcome): Promise<void> {
    const { plan } = this.opts
    const step = outcome.status === 'failed' && outcome.failed ? plan.steps.find((s) => s.id === outcome.failed) : undefined
    const result = step ? this.results.get(step.id) : undefined
    // Only an import has a document to report drift against; the drift report's modules (lint's
    // rules, the Markdown parser, yaml: ~0.3 s to load) stay unloaded for any other failed run.
    if (!step || !result || typeof this.opts.runbook.frontmatter.extra['imported-from'] !== 'string') return
    const { reportAsIsStop } = await import('./as-is-report.js')
    const said = await reportAsIsStop({
      ...this.opts,
      runId: this.runId,
      runDir: this.runDir,
      results: this.results,
      failed: { step, result },
      secrets: this.secrets,
    })
    if (said) this.say.err(said)
  }
}
