// Shared by the commands: read a runbook, report its diagnostics, build the plan.
import { refuseUnattended } from '../lint/lint.js'
import { reporter } from 'vfile-reporter'
import type { VFile } from 'vfile'
import { loadRunbook, hasErrors, type ParseResult } from '../runbook/parse.js'
import { buildPlan, type PlanOptions } from '../plan/plan.js'
import type { Plan } from '../plan/types.js'
import { DocrunError } from '../common/errors.js'

/** The command line is wrong, or names what is not there: exit 2 unless said otherwise. */
export class CliError extends DocrunError {}

export function formatDiagnostics(file: VFile): string {
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
  await refuseUnattended(plan)
  if (hasErrors(parsed.file)) {
    throw new CliError(`${formatDiagnostics(parsed.file)}\n\ndocrun: ${path} has errors; nothing was run.`)
  }
  return { ...parsed, plan }
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

