// Params declared without a default (an imported document's placeholders: `$PATH_TO_LINUX_REPO`,
// `/path/to/linux-build`) have no value until the command line gives one. A run without them
// would run the blocks before the first use and fail there, or run them with an empty value:
// it stops before any block runs instead, naming each one, where it is declared and how to pass it.
import type { Plan, ResolvedParam } from './types.js'

/** Each required param the run lacks, in words (empty when nothing is missing). Pure. */
export function missingParams(plan: Plan): string[] {
  return plan.params.filter((p): p is ResolvedParam & { missing: { line?: number } } => p.missing !== undefined).map(describeMissing(plan.runbook.path))
}

const describeMissing = (path: string) => (p: ResolvedParam & { missing: { line?: number } }) =>
  `${p.missing.line !== undefined ? `${path}:${p.missing.line}: ` : ''}param ${p.name} has no value${p.description ? ` (${p.description})` : ''}: pass it with --set ${p.name}=VALUE`

/** The refusal's text, or undefined when the run has every value it needs. */
export function missingParamsMessage(plan: Plan): string | undefined {
  const missing = missingParams(plan)
  if (!missing.length) return undefined
  const n = missing.length
  return `${missing.join('\n')}\n\ndocrun: ${n === 1 ? 'a param needs' : `${n} params need`} a value; nothing was run.`
}
