// Front matter `matrix:` read from its YAML nodes, so that every problem has its line:column
// and values keep the text as written (`7.10` stays `7.10`, not the number 7.1).
import { isMap, isScalar, isSeq, Scalar, type YAMLMap } from 'yaml'
import type { MatrixSpec, ParamDecl, Point } from './types.js'

export interface MatrixProblem {
  message: string
  ruleId: string
  place: Point
}

type At = (offset: number | undefined) => Point
interface Ctx {
  text: string
  at: At
  params: Map<string, ParamDecl>
  problems: MatrixProblem[]
}

const placeOf = (ctx: Ctx, node: unknown) => ctx.at((node as { range?: [number, number, number] } | null)?.range?.[0])
const complain = (ctx: Ctx, ruleId: string, node: unknown, message: string) => ctx.problems.push({ message, ruleId, place: placeOf(ctx, node) })

/** A scalar's value as a param value: plain numbers and booleans as written, null as ''. */
function scalarText(ctx: Ctx, node: unknown): string | undefined {
  if (!isScalar(node)) return undefined
  const v = node.value
  if (v === null || v === undefined) return ''
  if (typeof v === 'object') return undefined
  if (node.type === Scalar.PLAIN && typeof v !== 'string' && node.range) {
    const written = ctx.text.slice(node.range[0], node.range[1])
    if (!written.includes('\n')) return written
  }
  return String(v)
}

/** Is `name` a param the matrix may set? Reports at `keyNode` when not. */
function checkKey(ctx: Ctx, name: string, keyNode: unknown): boolean {
  const problem = (message: string) => complain(ctx, 'matrix-param', keyNode, message)
  const p = ctx.params.get(name)
  const known = [...ctx.params.keys()]
  if (name === 'id') problem('`id` names each matrix entry (its workspace and artifacts); a param in the matrix cannot be called id')
  else if (!p) problem(`Matrix key \`${name}\` is not a declared param${known.length ? ` (params: ${known.join(', ')})` : ' (the runbook declares none)'}`)
  else if (p.secret) problem(`Param \`${name}\` is secret: a matrix would print its values into the CI configuration`)
  else return true
  return false
}

function checkValue(ctx: Ctx, name: string, node: unknown): string | undefined {
  const value = scalarText(ctx, node)
  const problem = (message: string) => complain(ctx, 'matrix-value', node, message)
  if (value === undefined) problem(`Matrix values are strings, numbers or booleans (\`${name}\`)`)
  else if (ctx.params.get(name)?.choices && !ctx.params.get(name)!.choices!.includes(value)) {
    problem(`Matrix value \`${value}\` for \`${name}\` is not one of its choices (${ctx.params.get(name)!.choices!.join(', ')})`)
  } else return value
  return undefined
}

/** `include:` / `exclude:`: a list of maps of param → value. */
function readCombinations(ctx: Ctx, key: string, node: unknown, allowed?: Set<string>): Record<string, string>[] {
  if (!isSeq(node) || node.items.some((i) => !isMap(i))) {
    complain(ctx, 'matrix-value', node, `Matrix \`${key}\` is a list of maps, e.g. \`${key}: [{kernel: '7.2', clang: '21'}]\``)
    return []
  }
  const out: Record<string, string>[] = []
  for (const item of node.items as YAMLMap[]) {
    const combo: Record<string, string> = {}
    for (const pair of item.items) {
      const name = String(isScalar(pair.key) ? pair.key.value : pair.key)
      if (allowed && !allowed.has(name)) {
        complain(ctx, 'matrix-param', pair.key, `Matrix \`exclude\` names \`${name}\`, which is not a matrix key (${[...allowed].join(', ')})`)
        continue
      }
      if (!checkKey(ctx, name, pair.key)) continue
      const value = checkValue(ctx, name, pair.value)
      if (value !== undefined) combo[name] = value
    }
    out.push(combo)
  }
  return out
}

/**
 * Read `matrix:` (its YAML node). Every key is a declared param with a list of values, besides
 * `include` and `exclude`; values must be among a param's choices. Expansion is src/matrix/expand.ts.
 */
export function readMatrix(node: unknown, params: ParamDecl[], text: string, at: At): { matrix?: MatrixSpec; problems: MatrixProblem[] } {
  const ctx: Ctx = { text, at, params: new Map(params.map((p) => [p.name, p])), problems: [] }
  if (!isMap(node)) {
    complain(ctx, 'frontmatter-value', node, "`matrix` maps params to lists of values, e.g. `matrix: {kernel: ['6.1', '7.2']}`")
    return { problems: ctx.problems }
  }
  const matrix: MatrixSpec = { axes: [], include: [], exclude: [] }
  const deferred: { key: 'include' | 'exclude'; node: unknown }[] = []
  /** The matrix's own keys (also one whose values have a problem, already reported). */
  const keys = new Set<string>()
  for (const pair of node.items) {
    const name = String(isScalar(pair.key) ? pair.key.value : pair.key)
    if (name === 'include' || name === 'exclude') {
      deferred.push({ key: name, node: pair.value })
      continue
    }
    if (!checkKey(ctx, name, pair.key)) continue
    keys.add(name)
    if (!isSeq(pair.value) || pair.value.items.length === 0) {
      complain(ctx, 'matrix-value', pair.value ?? pair.key, `Matrix \`${name}\` takes a list of values, e.g. \`${name}: [a, b]\``)
      continue
    }
    const values = pair.value.items.map((v) => checkValue(ctx, name, v))
    if (values.every((v) => v !== undefined)) matrix.axes.push({ name, values: values as string[] })
  }
  // exclude may only name the matrix's own keys: after the axes are known.
  for (const d of deferred) {
    if (d.key === 'include') matrix.include = readCombinations(ctx, d.key, d.node)
    else matrix.exclude = readCombinations(ctx, d.key, d.node, keys)
  }
  return { matrix, problems: ctx.problems }
}
