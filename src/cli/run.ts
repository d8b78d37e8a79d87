// `docrun run`: plan, lock, run, record.
import { mkdir, readFile, rm, symlink } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { writeAtomic } from '../state/atomic.js'
import { buildPlan, PlanError } from '../plan/plan.js'
import type { Plan } from '../plan/types.js'
import { parseRunbook } from '../runbook/parse.js'
import { rewriteExpects, type ExpectUpdate } from '../runbook/rewrite-expect.js'
import { createPatch } from 'diff'
import { VFile } from 'vfile'
import type { BlockResult } from '../events/events.js'
import { lintPlan } from '../lint/lint.js'
import { probePackages } from '../lint/probe.js'
import { driftStop, renderDriftReport } from '../drift/report.js'
import { EventBus, now, type RunEvent } from '../events/events.js'
import { executePlan } from '../run/runner.js'
import { defaultCacheDir } from '../cache/index.js'
import { VERSION } from '../version.js'
import { personHasTerminal } from '../run/debug.js'
import { atTerminal } from '../run/debug-terminal.js'
import type { RegisteredCheck } from '../checks/api.js'
import { ChecksLoadError, loadChecks } from '../checks/load.js'
import { workspacePaths } from '../state/paths.js'
import { loadState, saveState, type State } from '../state/state.js'
import { processStartTime } from '../sys/proc.js'
import { ConsoleReporter } from '../report/console.js'
import { JsonlReporter, TranscriptReporter } from '../report/files.js'
import { hostFacts } from '../report/facts.js'
import { runSecrets, MASK } from '../common/mask.js'
import { LiveReporter } from '../report/live.js'
import { JunitReporter } from '../report/junit.js'
import { HtmlReporter } from '../report/html/reporter.js'
import { importForRun, isImportable } from './import.js'
import { escapesWorkspace } from '../state/confine.js'
import { EXIT } from '../common/exit-codes.js'
import { CliError, loadForRun, lockWorkspace, parseSets } from './load.js'

export interface RunCliOptions {
  resume?: boolean
  from?: string
  to?: string
  only?: string[]
  set?: string[]
  workspace?: string
  out?: string
  normalize?: boolean
  quiet?: boolean
  verbose?: boolean
  junit?: string
  updateExpect?: boolean
  cacheDir?: string
  /** false: `--no-cache`. */
  cache?: boolean
  debug?: boolean
}

/** `--update-expect`: the {expect} blocks whose check produced a new body, with their spans. */
function collectExpectUpdates(bus: EventBus, plan: Plan): ExpectUpdate[] {
  const updates: ExpectUpdate[] = []
  bus.subscribe((e) => {
    if (e.type !== 'block-end') return
    const step = plan.steps.find((s) => s.id === e.step)
    for (const c of e.result.checks ?? []) {
      const inline = c.updated !== undefined ? step?.checks?.find((x) => x.id === c.name) : undefined
      if (inline) updates.push({ position: inline.position, body: c.updated! })
    }
  })
  return updates
}

/**
 * Write the new {expect} bodies into the runbook (atomically), print the diff applied, and
 * carry the rewritten blocks' results over to their new hashes, so --resume does not run
 * them again just because their expectation was refreshed.
 */
async function applyExpectUpdates(runbookPath: string, updates: ExpectUpdate[], paths: ReturnType<typeof workspacePaths>, state: State): Promise<void> {
  const before = await readFile(runbookPath, 'utf8')
  const after = rewriteExpects(before, updates)
  if (after === before) return
  await writeAtomic(runbookPath, after)
  process.stdout.write(createPatch(runbookPath, before, after, 'expected', 'actual'))
  process.stderr.write(`docrun: --update-expect rewrote ${updates.length} {expect} block(s) in ${runbookPath}\n`)
  const oldPlan = buildPlan(parseRunbook(before, runbookPath).runbook, new VFile())
  const { runbook } = parseRunbook(after, runbookPath)
  const newPlan = buildPlan(runbook, new VFile())
  const oldHash = new Map(oldPlan.steps.map((s) => [s.id, s.hash]))
  for (const s of newPlan.steps) {
    const b = state.blocks[s.id]
    if (b && b.hash === oldHash.get(s.id)) b.hash = s.hash
  }
  state.runbook = { path: resolve(runbookPath), sha256: runbook.sha256 }
  await saveState(paths, state)
}

/** `--cache-dir DIR`, else the default; `--no-cache`: none. */
function cacheOf(opts: RunCliOptions): { cache?: { dir: string; version: string } } {
  return opts.cache === false ? {} : { cache: { dir: resolve(opts.cacheDir ?? defaultCacheDir()), version: VERSION } }
}

export function newRunId(): string {
  const d = new Date()
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${randomBytes(2).toString('hex')}`
}

export async function runCommand(givenPath: string, opts: RunCliOptions): Promise<number> {
  // A document as it is (`docrun run s390.rst`): imported on the fly into the workspace.
  if (opts.updateExpect && isImportable(givenPath)) throw new CliError(`--update-expect rewrites a Markdown runbook's {expect} blocks; ${givenPath} is imported on the fly (import it with \`docrun import\` and run that)`)
  const runbookPath = isImportable(givenPath) ? await importForRun(givenPath, resolve(opts.workspace ?? process.cwd())) : givenPath
  if (opts.debug && !atTerminal()) throw new CliError('docrun: --debug needs a terminal (stdin and stdout); for unattended runs, read the transcript and use --resume')
  const selection = { ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}), ...(opts.only?.length ? { only: opts.only } : {}) }
  let loaded
  try {
    loaded = await loadForRun(runbookPath, { sets: parseSets(opts.set), selection, terminal: !!process.stdin.isTTY && !!process.stdout.isTTY })
  } catch (error) {
    if (error instanceof PlanError) throw new CliError(error.message)
    throw error
  }
  const { plan, runbook } = loaded
  let checks: RegisteredCheck[]
  try {
    checks = (await loadChecks(runbookPath, runbook.frontmatter.checks)).checks
  } catch (error) {
    if (error instanceof ChecksLoadError) throw new CliError(error.message)
    throw error
  }
  const workspace = resolve(opts.workspace ?? process.cwd())
  await mkdir(workspace, { recursive: true })
  const paths = workspacePaths(workspace, runbookPath)
  for (const p of plan.params) {
    const why = p.path ? escapesWorkspace(workspace, p.value) : undefined
    if (why) throw new CliError(`param ${p.name}: ${why}; a path param must stay inside the workspace (no .. or symlink out of it)`)
  }

  const lock = lockWorkspace(paths.lock)
  const controller = new AbortController()
  let signals = 0
  const onSignal = (sig: NodeJS.Signals) => {
    // A person in a --debug shell: their Ctrl-C is for the shell (or the question), not the run.
    if (sig === 'SIGINT' && personHasTerminal()) return
    signals++
    if (signals === 1) {
      process.stderr.write(`\ndocrun: ${sig}: stopping the running block and cleaning up (again to hurry, a third time to quit at once)\n`)
      controller.abort(new Error(sig))
    } else if (signals >= 3) {
      process.stderr.write('docrun: quitting without cleanup; `docrun clean` removes what is left\n')
      process.exit(EXIT.interrupted)
    }
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  process.on('SIGHUP', onSignal)

  try {
    const { state, recovered } = await loadState(paths, runbookPath, runbook.sha256)
    // A detached run's id was chosen by the command that started it (it printed it already).
    const runId = process.env.DOCRUN_RUN_ID ?? newRunId()
    delete process.env.DOCRUN_RUN_ID
    const runDir = opts.out ? resolve(opts.out) : join(paths.runs, runId)
    await mkdir(runDir, { recursive: true, mode: 0o700 })
    if (!opts.out) {
      await rm(paths.latest, { force: true })
      await symlink(runId, paths.latest)
    }
    const secrets = runSecrets(plan.params)
    // A secret's default may sit in the runbook's own front matter: the record masks it too.
    const runbookText = secrets.mask(await readFile(runbookPath, 'utf8'))
    // The run record holds the runbook as it ran, so its transcript can be rendered again.
    await writeAtomic(join(runDir, 'runbook.md'), runbookText)
    const bus = new EventBus()
    const transcript = new TranscriptReporter(runDir, runbookText, { normalize: opts.normalize === true })
    const jsonl = new JsonlReporter(runDir)
    // A terminal gets a live progress region; logs, CI and --verbose get plain timestamped lines.
    const live = process.stdout.isTTY && !opts.verbose && !opts.quiet
    const consoleR = live ? new LiveReporter(process.stdout) : new ConsoleReporter({ quiet: opts.quiet === true, timestamps: !process.stdout.isTTY })
    // Output is masked at its source (the runner, per stream); notes and messages here.
    const masked = (e: RunEvent): RunEvent => {
      if (!secrets.active) return e
      if (e.type === 'note') return { ...e, message: secrets.mask(e.message) }
      if (e.type === 'block-end' && e.result.message) return { ...e, result: { ...e.result, message: secrets.mask(e.result.message), ...(e.result.console ? { console: e.result.console.map((l) => secrets.mask(l)) } : {}) } }
      if (e.type === 'run-end' && e.message) return { ...e, message: secrets.mask(e.message) }
      return e
    }
    bus.subscribe((e) => jsonl.on(masked(e)))
    bus.subscribe((e) => transcript.on(masked(e)))
    bus.subscribe((e) => consoleR.on(masked(e)))
    const junit = new JunitReporter(runDir, opts.junit ? resolve(opts.junit) : undefined)
    bus.subscribe((e) => junit.on(masked(e)))
    const htmlReport = new HtmlReporter(runDir)
    bus.subscribe((e) => htmlReport.on(masked(e)))

    const updates = collectExpectUpdates(bus, plan)
    const results = new Map<string, BlockResult>()
    bus.subscribe((e) => {
      if (e.type === 'block-end') results.set(e.step, e.result)
    })

    const shownPlan = { ...plan, params: plan.params.map((p) => (p.secret ? { ...p, value: MASK } : p)) }
    await bus.emit({ type: 'run-start', time: now(), runId, runDir, plan: shownPlan, facts: hostFacts(), resumed: opts.resume === true, workspace, pid: process.pid, pidStart: processStartTime(process.pid) })
    if (lock.stale) await bus.emit({ type: 'note', time: now(), level: 'warn', message: `took over the lock of a docrun that is gone (pid ${lock.stale.pid}, ${lock.stale.command})` })
    if (recovered) await bus.emit({ type: 'note', time: now(), level: 'warn', message: `the saved state could not be used (${recovered.reason}); starting fresh, the old state is kept as ${recovered.backup}` })
    if (opts.resume && state.runbook.sha256 !== runbook.sha256 && Object.keys(state.blocks).length) {
      await bus.emit({ type: 'note', time: now(), level: 'info', message: 'the runbook changed since the last run: an edited block runs again, and so does every block after it' })
    }
    state.runbook = { path: resolve(runbookPath), sha256: runbook.sha256 }

    let outcome
    try {
      const debug = opts.debug ? { reload: async () => (await loadForRun(runbookPath, { sets: parseSets(opts.set), selection, terminal: true })).plan } : undefined
      outcome = await executePlan({ plan, paths, state, runId, runDir, bus, resume: opts.resume === true, signal: controller.signal, checks, secrets, updateExpect: opts.updateExpect === true, ...cacheOf(opts), ...(debug ? { debug } : {}) })
    } catch (error) {
      await bus.emit({ type: 'run-end', time: now(), status: 'error', exitCode: EXIT.internal, message: `docrun failed: ${(error as Error).stack ?? String(error)}`, counts: { passed: 0, failed: 0, 'timed-out': 0, interrupted: 0, skipped: 0 } })
      return EXIT.internal
    }
    const message =
      outcome.status === 'failed'
        ? `block ${outcome.failed} failed; fix it and continue with \`docrun run ${runbookPath} --resume\``
        : outcome.aborted
          ? `a person aborted the run at ${outcome.failed} (--debug); continue with \`docrun run ${runbookPath} --resume\``
          : outcome.status === 'interrupted'
          ? `interrupted at ${outcome.failed}; continue with \`docrun run ${runbookPath} --resume\``
          : undefined
    await bus.emit({ type: 'run-end', time: now(), status: outcome.status, exitCode: outcome.exitCode, counts: outcome.counts, ...(message ? { message } : {}) })
    if (updates.length) await applyExpectUpdates(runbookPath, updates, paths, state)
    // A document run as it is that stopped: say where in the document, why, and whose it is.
    const importedFrom = runbook.frontmatter.extra['imported-from']
    const failedStep = outcome.failed ? plan.steps.find((s) => s.id === outcome.failed) : undefined
    const failedResult = failedStep ? results.get(failedStep.id) : undefined
    if (typeof importedFrom === 'string' && outcome.status === 'failed' && failedStep && failedResult) {
      const output = failedResult.outputFile ? await readFile(join(runDir, failedResult.outputFile), 'utf8').catch(() => '') : ''
      const lintFile = new VFile()
      await lintPlan(runbook, plan, lintFile)
      const lint = lintFile.messages.map((m) => ({ line: m.line ?? 0, ruleId: m.ruleId ?? '', message: m.reason }))
      const raw = runbook.frontmatter.extra['imported-lines']
      const documentLines = Array.isArray(raw) ? raw.map(Number) : []
      // The archive check costs seconds; it says what else has drifted past the stop.
      const probe = await probePackages(plan).then((p) => p, (e: Error) => ({ error: e.message }))
      const report = await renderDriftReport({ document: importedFrom, runbook: runbookPath, runId, plan, results, failed: { step: failedStep, result: failedResult, output: secrets.mask(output) }, lint, documentLines, probe })
      await writeAtomic(join(runDir, 'drift-report.md'), report)
      const stop = await driftStop(failedStep, failedResult, output, documentLines)
      process.stderr.write(`docrun: drift report: ${join(runDir, 'drift-report.md')}\n  stopped at ${stop.docLine ? `${importedFrom}:${stop.docLine}` : failedStep.id}: ${secrets.mask(stop.cause.reason)} (${stop.cause.whose === 'document' ? 'drift in the document' : stop.cause.whose === 'machine' ? 'a limit of this machine' : stop.cause.whose === 'reader' ? 'needs its reader' : 'not recognised'})\n`)
    }
    process.stderr.write(`docrun: transcript: ${join(runDir, 'transcript.md')}\n`)
    return outcome.exitCode
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    process.off('SIGHUP', onSignal)
    lock.release()
  }
}
