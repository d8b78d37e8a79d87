// `{when=EXPR}`: a block that runs only when the run's params say so, decided when the plan is
// made (before anything runs), so blocks for one setup and blocks for another exclude each other:
//
//   when=test_host                 test_host is not empty
//   when=!test_host                test_host is empty
//   when=test_host_mode==kvm       equal to a value (`NAME==` is: empty)
//   when=test_host_mode!=kvm       not equal
//   when="test_host && test_host_mode==kvm"   all of them (quote it when it has spaces)
//
// Values are compared as written, byte for byte; there is no `||` and no parentheses (two blocks
// say "or" more plainly). Pure: parsing and evaluation only.
import type { VFile } from 'vfile'
import { MASK } from '../common/mask.js'
import { report } from '../runbook/diagnostics.js'
import type { Block } from '../runbook/types.js'
import type { ResolvedParam, SkipReason } from './types.js'

export type WhenTerm =
  { op: 'set'; name: string } | { op: 'unset'; name: string } | { op: 'eq'; name: string; value: string } | { op: 'ne'; name: string; value: string }

const NAME = '[A-Za-z_][A-Za-z0-9_]*'
const TERM = new RegExp(`^(?:(!?)(${NAME})|(${NAME})(==|!=)([^\\s&|!=]*))$`)

/** The terms of an expression, or what is wrong with it in words. */
export function parseWhen(expr: string): WhenTerm[] | string {
  const parts = expr.split('&&').map((p) => p.trim())
  if (!expr.trim()) return 'is empty: say which param decides (`when=test_host`, `when=!test_host`, `when=mode==kvm`)'
  const terms: WhenTerm[] = []
  for (const part of parts) {
    const m = TERM.exec(part)
    if (!m) return `\`${part || expr}\` is not a condition: write NAME, !NAME, NAME==VALUE or NAME!=VALUE, joined by &&`
    if (m[2]) terms.push({ op: m[1] ? 'unset' : 'set', name: m[2] })
    else terms.push({ op: m[4] === '==' ? 'eq' : 'ne', name: m[3]!, value: m[5]! })
  }
  return terms
}

/** The param names an expression reads (an expression that does not parse reads none). */
export function whenNames(expr: string): string[] {
  const terms = parseWhen(expr)
  return typeof terms === 'string' ? [] : [...new Set(terms.map((t) => t.name))]
}

/** Does the condition hold for these params? When not, `why` says which term fails, secrets masked. An undeclared name reads as empty. */
export function evaluateWhen(terms: WhenTerm[], params: ResolvedParam[]): { holds: true } | { holds: false; why: string } {
  const byName = new Map(params.map((p) => [p.name, p]))
  for (const t of terms) {
    const p = byName.get(t.name)
    const value = p?.value ?? ''
    const shown = !p ? 'is not declared' : value === '' ? 'is empty' : `is ${p.secret ? MASK : JSON.stringify(value)}`
    const holds = t.op === 'set' ? value !== '' : t.op === 'unset' ? value === '' : t.op === 'eq' ? value === t.value : value !== t.value
    if (!holds) return { holds: false, why: `${t.name} ${shown}` }
  }
  return { holds: true }
}

/**
 * A block's `when=`, for the plan: the skip when the condition does not hold. A condition that
 * does not parse, or sits on a check, is a document error.
 *
 * The condition is not part of the block's hash (runbook/parse.ts leaves it out): adding
 * `when=!test_host` to a block that ran keeps it done. What the condition changes is which
 * blocks are in the run: one left out neither counts as done nor breaks the chain on --resume
 * (run/resume.ts), it is off the cache key chains, and the params it reads are in the keys of
 * the blocks it lets in (cache/key.ts). A remote block is another block on another machine:
 * plan/host-params.ts folds the destination into its hash.
 */
export function blockCondition(b: Block, params: ResolvedParam[], file: VFile): Extract<SkipReason, { kind: 'when' }> | undefined {
  const expr = b.attrs.when
  if (typeof expr !== 'string') return undefined
  const terms = parseWhen(expr)
  if (typeof terms === 'string') {
    report(file, `\`when=${expr}\` ${terms}`, b.position.start, 'when-syntax', true)
    return undefined
  }
  if (b.attrs.check === true || b.attrs.expect === true)
    report(file, '`when=` goes on the block a check belongs to (its checks follow it), not on the check', b.position.start, 'attribute-value', true)
  const result = evaluateWhen(terms, params)
  return result.holds ? undefined : { kind: 'when', condition: expr, why: result.why }
}
