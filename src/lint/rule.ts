// A lint rule, as unified-lint-rule has them: an id, a default severity and a check that
// returns findings. lint.ts runs the rules and stamps each finding with its rule id and the
// severity the runbook's front matter (`lint:`) gives it — in one place.
import type { Plan, Step } from '../plan/types.js'
import type { Runbook } from '../runbook/types.js'
import type { Place, ShellScript } from '../syntax/shell.js'

export type Severity = 'error' | 'warning' | 'info'

/** A runnable shell block: its step, its text read by the shell parser, what is defined before it. */
export interface ShellBlock {
  step: Step
  script: ShellScript
  /** Variables defined before this block on its target (params, earlier blocks, captures). */
  defined: ReadonlySet<string>
}

export interface RuleContext {
  plan: Plan
  /** Absent when rules run on a plan alone (refusing blocks before a run). */
  runbook?: Runbook
  blocks: ShellBlock[]
}

/** At a place in a block (0-based line and column in its content), or at a runbook place (1-based). */
export type Finding = { message: string; severity?: Severity } & ({ block: ShellBlock; at: Place } | { place: { line: number; column: number } })

export interface Rule {
  id: string
  defaultSeverity: Severity
  description: string
  check(context: RuleContext): Finding[]
}

/** Findings of `each` for every block, in block order. */
export function perBlock(context: RuleContext, each: (block: ShellBlock) => { at: Place; message: string }[]): Finding[] {
  return context.blocks.flatMap((block) => each(block).map((f) => ({ ...f, block })))
}
