// `docrun list`, `docrun lint`, `docrun status`, `docrun transcript`: read-only commands.
import { describe as describeResource } from '../resources/ledger.js'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { loadRunbook, hasErrors } from '../runbook/parse.js'
import { probePackages } from '../lint/probe.js'
import { probeTree } from '../lint/probe-tree.js'
import { SOURCE } from '../runbook/diagnostics.js'
import { importedPath, isImportable, loadDocument } from './import.js'
import { buildPlan, PlanError } from '../plan/plan.js'
import type { Plan, Step } from '../plan/types.js'
import { skipWords } from '../plan/skip.js'
import { formatDuration } from '../common/durations.js'
import { workspacePaths } from '../state/paths.js'
import { loadState } from '../state/state.js'
import { fingerprintInputs } from '../run/inputs-now.js'
import { doneAndChanged, inputsWords } from '../run/resume.js'
import { lintPlan } from '../lint/lint.js'
import type { RunEvent } from '../events/events.js'
import { TranscriptModel, STATUS_MARK } from '../report/transcript.js'
import { EXIT } from '../common/exit-codes.js'
import { CliError, formatDiagnostics, parseSets } from './load.js'
import { MASK } from '../common/mask.js'

const out = (s: string) => process.stdout.write(`${s}\n`)

function attrsText(attrs: Record<string, unknown>): string {
  return Object.entries(attrs)
    .map(([k, v]) => (v === true ? k : `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`))
    .join(' ')
}

export async function listCommand(path: string, opts: { json?: boolean; set?: string[] }): Promise<number> {
  const { runbook, file } = await loadDocument(path)
  let plan: Plan
  try {
    plan = buildPlan(runbook, file, { sets: parseSets(opts.set) })
  } catch (error) {
    if (error instanceof PlanError) throw new CliError(error.message)
    throw error
  }
  if (hasErrors(file)) process.stderr.write(`${formatDiagnostics(file)}\n`)
  if (opts.json) {
    out(JSON.stringify(plan, null, 2))
    return hasErrors(file) ? EXIT.usage : EXIT.ok
  }
  out(`${plan.runbook.title ?? path}  (sha256 ${plan.runbook.sha256.slice(0, 12)})`)
  if (plan.runbook.dialect === 'runme' || plan.host.cwd || plan.host.shell !== 'bash') {
    out(`${plan.runbook.dialect === 'runme' ? 'written for Runme; ' : ''}host blocks run in ${plan.host.shell}, starting in ${plan.host.cwd ?? 'the workspace'}`)
  }
  if (plan.params.length) out(`params: ${plan.params.map((p) => `${p.name}=${p.secret ? MASK : JSON.stringify(p.value)}`).join(' ')}`)
  const bySection = new Map<string, Plan['steps']>()
  for (const s of plan.steps) {
    const k = s.section?.id ?? ''
    bySection.set(k, [...(bySection.get(k) ?? []), s])
  }
  const printSteps = (steps: Plan['steps'] | undefined, indent: string) => {
    for (const s of steps ?? []) {
      const what = s.action === 'file' ? `file → ${s.file!.path}${s.file!.append ? ' (append)' : ''}` : s.action === 'none' ? 'data' : s.action === 'boot' ? `boot guest ${s.boot!.guest}` : s.interpreter ? `run with ${s.interpreter}` : 'run'
      const attrs = attrsText(s.attrs)
      out(`${indent}${s.skip ? '-' : '•'} ${s.id}  [${s.lang || '-'}] ${what} @ ${s.target.name}${attrs ? `  {${attrs}}` : ''}${s.skip ? `  (${skipWords(s.skip)})` : ''}  line ${s.position.start.line}`)
    }
  }
  printSteps(bySection.get(''), '')
  for (const sec of plan.sections) {
    out(`${'  '.repeat(Math.max(0, sec.depth - 1))}${sec.label}  #${sec.id}`)
    printSteps(bySection.get(sec.id), `${'  '.repeat(sec.depth)}`)
  }
  return hasErrors(file) ? EXIT.usage : EXIT.ok
}

export async function lintCommand(paths: string[], opts: { probe?: boolean; tree?: string } = {}): Promise<number> {
  let errors = false
  for (const path of paths) {
    // A document as it is (.rst) is linted as it imports, with its findings at its own lines.
    const { runbook, file } = await loadDocument(path)
    let plan: Plan | undefined
    try {
      plan = buildPlan(runbook, file)
      await lintPlan(runbook, plan, file)
    } catch (error) {
      if (!(error instanceof PlanError)) throw error
    }
    if (plan && opts.probe) {
      const { findings, archive } = await probePackages(plan).catch((e: Error) => {
        throw new CliError(`--probe: ${e.message}`)
      })
      if (opts.tree) findings.push(...(await probeTree(plan, resolve(opts.tree))))
      const starts = runbook.frontmatter.extra['imported-lines']
      const docLine = (step: Step, line: number) => {
        const n = Number(step.attrs.mirrors)
        return Array.isArray(starts) && Number.isInteger(n) && starts[n - 1] ? Number(starts[n - 1]) + line : undefined
      }
      process.stderr.write(`docrun: --probe looked the packages up in ${archive}\n`)
      for (const f of findings) {
        const line = f.step.position.start.line + 1 + f.line
        const d = docLine(f.step, f.line)
        const command = f.step.content.split('\n')[f.line]!.trim()
        const msg = file.message(`${f.message}${d ? ` (document line ${d}: \`${command}\`)` : ''}`, { place: { line, column: f.column + 1 }, ruleId: 'probe', source: SOURCE })
        msg.fatal = false
      }
    }
    process.stderr.write(`${formatDiagnostics(file)}\n`)
    errors ||= hasErrors(file)
  }
  return errors ? EXIT.usage : EXIT.ok
}

export async function statusCommand(given: string, opts: { workspace?: string; json?: boolean }): Promise<number> {
  // A document run as it is: its state belongs to the import `docrun run` made of it.
  const path = isImportable(given) ? importedPath(given, resolve(opts.workspace ?? process.cwd())) : given
  const { runbook, file } = await loadRunbook(path).catch((e: Error) => {
    throw new CliError(`cannot read ${path}: ${e.message}${path !== given ? ` (no \`docrun run ${given}\` in this workspace yet?)` : ''}`)
  })
  const plan = buildPlan(runbook, file)
  const paths = workspacePaths(resolve(opts.workspace ?? process.cwd()), path)
  const { state } = await loadState(paths, path, runbook.sha256)
  const { done, inputsChanged } = doneAndChanged(plan, state, await fingerprintInputs(plan, paths.workspace))
  let stale = false
  const rows = plan.steps.filter((s) => s.action !== 'none').map((s) => {
    const b = state.blocks[s.id]
    let status: string
    if (s.skip) status = 'skipped'
    else if (!b) status = 'not run'
    else if (done.has(s.id)) status = 'done'
    else if (b.hash !== s.hash || stale || inputsChanged?.step === s) status = 'stale'
    else status = b.status
    if (b && !done.has(s.id)) stale = true
    const message = inputsChanged?.step === s ? inputsWords(inputsChanged).replace(/^block \S+ runs again: /, '') : b?.message
    return { id: s.id, section: s.section?.label ?? '', status, exitCode: b?.exitCode ?? null, durationMs: b?.durationMs, finishedAt: b?.finishedAt, message }
  })
  if (opts.json) {
    out(JSON.stringify({ runbook: path, lastRun: state.lastRun, blocks: rows, resources: state.resources, guests: state.guests ?? {} }, null, 2))
    return EXIT.ok
  }
  const mark: Record<string, string> = { done: STATUS_MARK.passed!, failed: STATUS_MARK.failed!, 'timed-out': STATUS_MARK['timed-out']!, interrupted: STATUS_MARK.interrupted!, stale: '♻️', 'not run': STATUS_MARK['not run']!, skipped: STATUS_MARK.skipped! }
  out(`${path}${state.lastRun ? `  (last run ${state.lastRun})` : '  (never run here)'}`)
  let section = ''
  const res = state.resources.filter((r) => !r.cleaned).map((r) => `${describeResource(r)} (block ${r.block}${r.keep ? ', kept' : ''})`)
  const cleaned = state.resources.filter((r) => r.cleaned).map((r) => `${describeResource(r)} (block ${r.block}, removed ${r.cleaned})`)
  for (const r of rows) {
    if (r.section !== section) out(`  ${(section = r.section)}`)
    out(`    ${mark[r.status] ?? '?'} ${r.status.padEnd(11)} ${r.id}${r.durationMs !== undefined && r.status !== 'stale' ? `  ${formatDuration(r.durationMs)}` : ''}${r.message && r.status !== 'done' ? `  — ${r.message}` : ''}`)
  }
  for (const [name, g] of Object.entries(state.guests ?? {})) {
    const ready = g.readyAfterMs !== undefined ? `, shell ready after ${formatDuration(g.readyAfterMs)}` : ''
    out(`guest ${name}: QEMU pid ${g.pid} started ${g.startedAt} (run ${g.runId}${ready}); ${g.stoppedAt ? `ended ${g.stoppedAt}: ${g.end ?? ''}` : 'still running or ended with its docrun'}`)
  }
  if (res.length) out(`resources (\`docrun clean\` removes them):\n${res.map((l) => `  ${l}`).join('\n')}`)
  if (cleaned.length) out(`removed by \`docrun clean\`; the next run makes them again:\n${cleaned.map((l) => `  ${l}`).join('\n')}`)
  if (state.pending) out(`a docrun died while block ${state.pending.block} ran: \`docrun clean\` or \`docrun run --resume\` cleans up after it`)
  return EXIT.ok
}

export async function transcriptCommand(opts: { run?: string; workspace?: string; normalize?: boolean; runbook?: string }): Promise<number> {
  const ws = resolve(opts.workspace ?? process.cwd())
  const runDir = opts.run ? (opts.run.includes('/') ? resolve(opts.run) : join(ws, '.docrun', 'runs', opts.run)) : join(ws, '.docrun', 'runs', 'latest')
  let text: string
  try {
    text = await readFile(join(runDir, 'events.jsonl'), 'utf8')
  } catch {
    throw new CliError(`no run record in ${runDir} (run \`docrun run\` first, or name a run with --run)`)
  }
  const model = new TranscriptModel()
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    try {
      model.apply(JSON.parse(line) as RunEvent)
    } catch {
      // A torn last line from a killed run: the lines before it still tell the story.
    }
  }
  const source = await readFile(opts.runbook ?? join(runDir, 'runbook.md'), 'utf8').catch(() => {
    throw new CliError(`cannot find the runbook of that run in ${runDir}; name it with --runbook PATH`)
  })
  process.stdout.write(model.render(source, { normalize: opts.normalize === true }))
  return EXIT.ok
}
