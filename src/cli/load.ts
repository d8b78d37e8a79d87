// Shared by the commands: read a runbook, report its diagnostics, build the plan.
import type { VFile } from 'vfile'
import { loadRunbook, hasErrors, readCached, sha256, writeCached, type ParseResult } from '../runbook/parse-cached.js'
import { buildPlan, type PlanOptions } from '../plan/plan.js'
import type { Plan } from '../plan/types.js'

/** The command line is wrong, or names what is not there: exit 2 unless said otherwise. */
import { CliError } from '../common/errors.js'
export { CliError }

/** The diagnostics as vfile-reporter prints them (loaded only when there is something to print). */
export async function formatDiagnostics(file: VFile): Promise<string> {
  const { reporter } = await import('vfile-reporter')
  return reporter([file], { quiet: false })
}

export async function loadForRun(path: string, opts: PlanOptions = {}): Promise<ParseResult & { plan: Plan }> {
  let parsed: ParseResult
  try {
    parsed = await loadRunbook(path)
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`)
  }
  const plan = buildPlan(parsed.runbook, parsed.file, opts)
  await refuseUnattendedCached(plan)
  if (hasErrors(parsed.file)) {
    throw new CliError(`${await formatDiagnostics(parsed.file)}\n\ndocrun: ${path} has errors; nothing was run.`)
  }
  return { ...parsed, plan }
}

/**
 * lint's refusal of blocks that cannot run unattended, taken from the cache when the plan's
 * steps and params are the same as when it was computed: the shell parser behind it (tree-sitter,
 * a WebAssembly module, and a parse of every block) loads only for a plan it has not seen.
 */
async function refuseUnattendedCached(plan: Plan): Promise<void> {
  const key = sha256(JSON.stringify([plan.params, plan.steps]))
  const hit = readCached<Record<string, string>>('refusals', key)
  if (hit && typeof hit === 'object') {
    for (const step of plan.steps) if (typeof hit[step.id] === 'string') step.refuse = hit[step.id]!
    return
  }
  const before = new Map(plan.steps.map((s) => [s, s.refuse]))
  await (await import('../lint/lint.js')).refuseUnattended(plan)
  const refusals: Record<string, string> = {}
  for (const step of plan.steps) if (step.refuse !== undefined && step.refuse !== before.get(step)) refusals[step.id] = step.refuse
  writeCached('refusals', key, refusals)
}

/** `--set a=b --set c=d` → {a: 'b', c: 'd'} (values may hold `=` and newlines). */
export function parseSets(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const item of list ?? []) {
    const eq = item.indexOf('=')
    if (eq <= 0) throw new CliError(`--set ${item}: expected KEY=VALUE`)
    out[item.slice(0, eq)] = item.slice(eq + 1)
  }
  return out
}
