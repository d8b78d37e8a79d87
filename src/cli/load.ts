// Shared by the commands: read a runbook, report its diagnostics, build the plan.
import { reporter } from 'vfile-reporter'
import type { VFile } from 'vfile'
import { loadRunbook, hasErrors, type ParseResult } from '../runbook/parse.js'
import { buildPlan, type PlanOptions } from '../plan/plan.js'
import type { Plan } from '../plan/types.js'

/** The command line is wrong, or names what is not there: exit 2 unless said otherwise. */
import { CliError } from '../common/errors.js'
export { CliError }

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
  // The shell parser behind it loads only for commands that plan a run.
  await (await import('../lint/lint.js')).refuseUnattended(plan)
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
