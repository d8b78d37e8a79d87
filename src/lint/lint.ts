// `docrun lint`: the document's own problems (parse, attributes, plan) plus what will not
// run unattended, as VFileMessages with line:column and rule ids. Each block's shell is read
// once, by the shell parser, before the rules run. The rule id and the severity (the rule's,
// or the runbook's front matter `lint: {sudo: off, network: warning}`) are stamped here alone.
import type { VFile } from 'vfile'
import type { Plan, Step } from '../plan/types.js'
import type { Runbook } from '../runbook/types.js'
import { SOURCE } from '../runbook/diagnostics.js'
import { shellParser } from '../syntax/shell.js'
import type { Finding, Rule, RuleContext, Severity, ShellBlock } from './rule.js'
import { RULES } from './rules/index.js'
import { interactive } from './rules/interactive.js'

export type SeverityConfig = Record<string, Severity | 'off'>

export function severities(runbook: Runbook, file: VFile): SeverityConfig {
  const raw = runbook.frontmatter.extra.lint
  const out: SeverityConfig = {}
  if (raw === undefined) return out
  const at = { place: { line: 1, column: 1 }, ruleId: 'frontmatter-value', source: SOURCE }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    file.message('`lint` maps rule ids to off, info, warning or error', at).fatal = true
    return out
  }
  for (const [rule, sev] of Object.entries(raw as Record<string, unknown>)) {
    if (!RULES.some((r) => r.id === rule)) file.message(`\`lint\`: unknown rule \`${rule}\` (rules: ${RULES.map((r) => r.id).join(', ')})`, at).fatal = false
    else if (sev === 'off' || sev === 'info' || sev === 'warning' || sev === 'error') out[rule] = sev
    else file.message(`\`lint.${rule}\` takes off, info, warning or error`, at).fatal = true
  }
  return out
}

/** The plan's runnable shell blocks (not another language's, `interpreter=`), each parsed once. */
async function shellBlocks(plan: Plan, runnable: (step: Step) => boolean): Promise<ShellBlock[]> {
  const parse = await shellParser()
  const params = plan.params.map((p) => p.name)
  const definedOn = new Map<string, Set<string>>()
  const out: ShellBlock[] = []
  for (const step of plan.steps) {
    if (!runnable(step) || step.interpreter) continue
    let defined = definedOn.get(step.target.name)
    if (!defined) definedOn.set(step.target.name, (defined = new Set(params)))
    const script = parse(step.content)
    out.push({ step, script, defined: new Set(defined) })
    // What this block defines is defined for the blocks after it on the same target.
    for (const name of script.assigned) defined.add(name)
    if (step.capture) defined.add(step.capture)
  }
  return out
}

/** A finding's place in the runbook: content starts on the line after the opening fence. */
function placeOf(finding: Finding, runbook?: Runbook): { line: number; column: number } {
  if ('place' in finding) return finding.place
  const { step } = finding.block
  // A `$ `-prompted block runs its commands only: map back to the lines as written.
  const o = runbook?.blocks.find((b) => b.id === step.id)?.prompted?.origins?.[finding.at.line]
  return { line: step.position.start.line + 1 + (o ? o.line : finding.at.line), column: finding.at.column + 1 + (o ? o.column : 0) }
}

/** Run the rules; stamp each finding with its rule id and severity. */
function runRules(rules: Rule[], context: RuleContext, config: SeverityConfig, file: VFile): void {
  for (const rule of rules) {
    if (config[rule.id] === 'off') continue
    for (const finding of rule.check(context)) {
      const severity = config[rule.id] ?? finding.severity ?? rule.defaultSeverity
      const msg = file.message(finding.message, { place: placeOf(finding, context.runbook), ruleId: rule.id, source: SOURCE })
      msg.fatal = severity === 'error' ? true : severity === 'warning' ? false : undefined
    }
  }
}

/** Add the executability findings of every runnable block to `file`. */
export async function lintPlan(runbook: Runbook, plan: Plan, file: VFile): Promise<void> {
  const config = severities(runbook, file)
  const blocks = await shellBlocks(plan, (s) => s.action === 'run' || s.action === 'boot')
  runRules(RULES, { plan, runbook, blocks }, config, file)
}

/**
 * Blocks that cannot run unattended are refused before they start, with the reason: a bare
 * `chroot DIR` fed no terminal would return at once and let the next block run on the host.
 */
export async function refuseUnattended(plan: Plan): Promise<void> {
  const blocks = await shellBlocks(plan, (s) => s.action === 'run' && !s.skip && !s.refuse && !s.interactive)
  const first = new Map<Step, Finding>()
  for (const f of interactive.check({ plan, blocks })) if ('block' in f && !first.has(f.block.step)) first.set(f.block.step, f)
  for (const [step, f] of first) if ('block' in f) step.refuse = `cannot run unattended (line ${step.position.start.line + 1 + f.at.line}): ${f.message}`
}
