// Params declared without a default (an imported document's placeholders: `$PATH_TO_LINUX_REPO`,
// `/path/to/linux-build`) have no value until the command line gives one. A run without them
// would run the blocks before the first use and fail there, or run them with an empty value:
// it stops before any block runs instead, naming each one, where it is declared and how to pass it.
// A `when=` naming a param the runbook does not declare is refused the same way: it would read
// as empty and decide silently which blocks run.
import type { Plan, ResolvedParam, Step } from './types.js'
import { whenNames } from './when.js'

/** Each required param the run lacks, in words (empty when nothing is missing). Pure. */
export function missingParams(plan: Plan): string[] {
  return plan.params.filter((p): p is ResolvedParam & { missing: { line?: number } } => p.missing !== undefined).map(describeMissing(plan.runbook.path))
}

const describeMissing = (path: string) => (p: ResolvedParam & { missing: { line?: number } }) =>
  `${p.missing.line !== undefined ? `${path}:${p.missing.line}: ` : ''}param ${p.name} has no value${p.description ? ` (${p.description})` : ''}: pass it with --set ${p.name}=VALUE`

/** Each step whose `when=` names params the runbook does not declare, with those names. */
export function undeclaredWhenNames(plan: Plan): { step: Step; names: string[] }[] {
  const declared = new Set(plan.params.map((p) => p.name))
  return plan.steps.flatMap((step) => {
    const names = typeof step.attrs.when === 'string' ? whenNames(step.attrs.when).filter((n) => !declared.has(n)) : []
    return names.length ? [{ step, names }] : []
  })
}

/** The refusal's text, or undefined when the run has every value it needs. */
export function missingParamsMessage(plan: Plan): string | undefined {
  const missing = missingParams(plan)
  const undeclared = undeclaredWhenNames(plan).map(
    ({ step, names }) => `${plan.runbook.path}:${step.position.start.line}: \`when=${String(step.attrs.when)}\` names no declared param (${names.join(', ')})`,
  )
  if (undeclared.length) return `${[...missing, ...undeclared].join('\n')}\n\ndocrun: a when= condition needs params the runbook declares; nothing was run.`
  if (!missing.length) return undefined
  const n = missing.length
  return `${missing.join('\n')}\n\ndocrun: ${n === 1 ? 'a param needs' : `${n} params need`} a value; nothing was run.`
}
