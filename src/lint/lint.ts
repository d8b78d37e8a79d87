// `docrun lint`: the document's own problems (parse, attributes, plan) plus what will not
// run unattended, as VFileMessages with line:column and rule ids. Severities come from the
// rules, overridden per runbook in the front matter: `lint: {sudo: off, network: warning}`.
import type { VFile } from 'vfile'
import type { Plan } from '../plan/types.js'
import type { Runbook } from '../runbook/types.js'
import { SOURCE } from '../runbook/diagnostics.js'
import { definedIn, RULES, type Severity } from './rules.js'
import { runmeFindings } from './runme.js'

export type SeverityConfig = Record<string, Severity | 'off'>

export function severities(runbook: Runbook, file: VFile): SeverityConfig {
  const raw = runbook.frontmatter.extra.lint
  const out: SeverityConfig = {}
  if (raw === undefined) return out
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    file.message('`lint` maps rule ids to off, info, warning or error', { place: { line: 1, column: 1 }, ruleId: 'frontmatter-value', source: SOURCE }).fatal = true
    return out
  }
  for (const [rule, sev] of Object.entries(raw as Record<string, unknown>)) {
    if (!RULES.some((r) => r.id === rule) && rule !== 'runme') file.message(`\`lint\`: unknown rule \`${rule}\` (rules: ${RULES.map((r) => r.id).join(', ')})`, { place: { line: 1, column: 1 }, ruleId: 'frontmatter-value', source: SOURCE }).fatal = false
    else if (sev === 'off' || sev === 'info' || sev === 'warning' || sev === 'error') out[rule] = sev
    else file.message(`\`lint.${rule}\` takes off, info, warning or error`, { place: { line: 1, column: 1 }, ruleId: 'frontmatter-value', source: SOURCE }).fatal = true
  }
  return out
}

/** Add the executability findings of every runnable block to `file`. */
export function lintPlan(runbook: Runbook, plan: Plan, file: VFile): void {
  const config = severities(runbook, file)
  const params = plan.params.map((p) => p.name)
  const definedOn = new Map<string, Set<string>>()
  const defined = (target: string) => {
    let set = definedOn.get(target)
    if (!set) definedOn.set(target, (set = new Set(params)))
    return set
  }
  const blocks = new Map(runbook.blocks.map((b) => [b.id, b]))
  for (const step of plan.steps) {
    if (step.action !== 'run' && step.action !== 'boot') continue
    // The shell rules read shell; a block in another language (interpreter=) is not.
    if (step.interpreter) continue
    const lines = step.content.split('\n')
    // A `$ `-prompted block runs its commands only: map back to the lines as written.
    const origins = blocks.get(step.id)?.prompted?.origins
    const target = step.boot ? step.target.name : step.target.name
    const ctx = { defined: defined(target) }
    for (const rule of RULES) {
      const sev = config[rule.id] ?? rule.severity
      if (sev === 'off') continue
      for (const f of rule.check(step, lines, ctx)) {
        // Content starts on the line after the opening fence.
        const o = origins?.[f.line]
        const place = { line: step.position.start.line + 1 + (o ? o.line : f.line), column: f.column + 1 + (o ? o.column : 0) }
        const msg = file.message(f.message, { place, ruleId: rule.id, source: SOURCE })
        msg.fatal = sev === 'error' ? true : sev === 'warning' ? false : undefined
      }
    }
    for (const name of definedIn(lines)) ctx.defined.add(name)
    if (step.capture) ctx.defined.add(step.capture)
  }
  // Runme findings have their own severities; `lint: {runme: ...}` sets one for all.
  if (config.runme !== 'off') {
    for (const f of runmeFindings(runbook, plan)) {
      const level = config.runme ?? f.severity
      const msg = file.message(f.message, { place: f.block.position.start, ruleId: 'runme', source: SOURCE })
      msg.fatal = level === 'error' ? true : level === 'warning' ? false : undefined
    }
  }
}

/**
 * Blocks that cannot run unattended are refused before they start, with the reason: a bare
 * `chroot DIR` fed no terminal would return at once and let the next block run on the host.
 */
export function refuseUnattended(plan: Plan): void {
  const rule = RULES.find((r) => r.id === 'interactive')!
  for (const step of plan.steps) {
    if (step.action !== 'run' || step.skip || step.refuse || step.interactive) continue
    const lines = step.content.split('\n')
    const [f] = rule.check(step, lines, { defined: new Set() })
    if (f) step.refuse = `cannot run unattended (line ${step.position.start.line + 1 + f.line}): ${f.message}`
  }
}
