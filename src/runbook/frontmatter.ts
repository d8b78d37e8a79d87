// Front matter (YAML between `---` lines): params, defaults and runbook-wide settings.
import { parseDocument, isMap, isScalar, LineCounter } from 'yaml'
import type { FrontMatter, ParamDecl, Point, TtySize } from './types.js'
import { parseDuration } from '../common/durations.js'
import { SECRET_NAME_RE } from '../common/mask.js'
import { readMatrix } from './frontmatter-matrix.js'
import { readHost } from './frontmatter-hosts.js'
import { parseTty } from './tty.js'

export interface FrontMatterProblem {
  message: string
  ruleId: string
  place: Point
}

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/
/** Environment names that secrets usually have; such params are masked even when not marked. */

/** What a reader of one front matter key needs: the front matter to fill, and where to say what is wrong. */
interface ReadContext {
  fm: FrontMatter
  /** A problem at the YAML node under `path` (the key, then list indexes or map keys). */
  problem(message: string, ruleId: string, ...path: string[]): void
  /** The runbook line of the YAML node under `path`. */
  lineOf(...path: string[]): number
}
type Reader = (value: unknown, ctx: ReadContext, key: string) => void

const bad = (ctx: ReadContext, key: string, message: string, ...path: string[]) => ctx.problem(message, 'frontmatter-value', key, ...path)

/** One reader per key, each small; unknown keys are kept in `extra` for other tools. */
const READERS: Record<string, Reader> = {
  title: (v, { fm }) => void (fm.title = String(v)),
  'default-lang': readDefaultLang,
  defaultLang: readDefaultLang,
  timeout: (v, ctx, key) => {
    const ms = parseDuration(v as string | number)
    if (ms === undefined) bad(ctx, key, `\`timeout\` takes a duration such as 30m, not \`${String(v)}\``)
    else ctx.fm.timeoutMs = ms
  },
  checks: (v, ctx, key) => (typeof v !== 'string' ? bad(ctx, key, '`checks` takes a path to a TypeScript module') : void (ctx.fm.checks = v)),
  chroots: readChroots,
  hosts: readHosts,
  dialect: (v, ctx, key) =>
    v !== 'runme' && v !== 'docrun' ? bad(ctx, key, `\`dialect\` is runme or docrun, not \`${String(v)}\``) : void (ctx.fm.dialect = v),
  runme: (v, ctx, key) =>
    !v || typeof v !== 'object' || Array.isArray(v)
      ? bad(ctx, key, "`runme` holds Runme's document identity, e.g. `runme: {id: 01H..., version: v3}`")
      : void (ctx.fm.runme = v as Record<string, unknown>),
  shell: readShellOrCwd,
  cwd: readShellOrCwd,
  volatile: (v, ctx, key) => {
    const list = readRegexList(
      v,
      ctx,
      key,
      "`volatile` lists regular expressions for output that changes between runs, e.g. `volatile: ['Linux version \\S+']`",
    )
    ctx.fm.volatile.push(...list)
  },
  skipPrompts: (v, ctx, key) => (typeof v !== 'boolean' ? bad(ctx, key, '`skipPrompts` takes true or false') : void (ctx.fm.skipPrompts = v)),
  params: readParams,
  'allow-splats': readAllowSplats,
  'known-failures': readKnownFailures,
  // Read after the others: its keys are checked against the params, wherever they are written.
  matrix: () => {},
  // Read after the others: its target names are checked against `chroots:`.
  tty: () => {},
}

function readDefaultLang(v: unknown, ctx: ReadContext, key: string): void {
  if (typeof v !== 'string') bad(ctx, key, '`default-lang` takes a language name such as sh')
  else ctx.fm.defaultLang = v
}

function readShellOrCwd(v: unknown, ctx: ReadContext, key: string): void {
  if (typeof v !== 'string' || !v) bad(ctx, key, `\`${key}\` takes a ${key === 'shell' ? 'shell such as bash' : 'directory'}`)
  else ctx.fm[key as 'shell' | 'cwd'] = v
}

function readChroots(v: unknown, ctx: ReadContext, key: string): void {
  if (!v || typeof v !== 'object' || Array.isArray(v))
    return bad(ctx, key, '`chroots` maps names to directories, e.g. `chroots: {toolchain: ./s390-toolchain}`')
  for (const [name, dir] of Object.entries(v as Record<string, unknown>)) {
    if (typeof dir !== 'string') bad(ctx, key, `chroot \`${name}\` needs a directory`, name)
    else ctx.fm.chroots[name] = dir
  }
}

function readHosts(v: unknown, ctx: ReadContext, key: string): void {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return bad(ctx, key, '`hosts` maps names to ssh destinations, e.g. `hosts: {z: {ssh: root@10.0.0.2}}`')
  for (const [name, decl] of Object.entries(v as Record<string, unknown>)) {
    const host = readHost(name, decl)
    if (typeof host === 'string') bad(ctx, key, host, name)
    else if (ctx.fm.chroots[name]) bad(ctx, key, `host \`${name}\`: a chroot has that name already`, name)
    else (ctx.fm.hosts ??= {})[name] = host
  }
}

/** `tty: true | false | 120x40` for every block, or `tty: {TARGET: …}` per target (host, a chroot in `chroots:`, a remote host in `hosts:`). */
function readTty(v: unknown, ctx: ReadContext): void {
  const usage = '`tty` takes true, false, a size such as 120x40, or a size per target: `tty: {host: true, toolchain: 120x40}`'
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const targets: Record<string, TtySize | false> = {}
    for (const [name, value] of Object.entries(v as Record<string, unknown>)) {
      const t = parseTty(value)
      if (name !== 'host' && !Object.hasOwn(ctx.fm.chroots, name) && !Object.hasOwn(ctx.fm.hosts ?? {}, name))
        bad(ctx, 'tty', `\`tty\`: \`${name}\` is not host nor a chroot named in \`chroots:\` (a guest's blocks run on its console)`, name)
      else if ('problem' in t) bad(ctx, 'tty', `\`tty\` of \`${name}\` ${t.problem}`, name)
      else targets[name] = t.tty
    }
    ctx.fm.tty = { targets }
    return
  }
  const t = parseTty(v)
  if ('problem' in t) bad(ctx, 'tty', usage)
  else ctx.fm.tty = { all: t.tty, targets: {} }
}

function readParams(v: unknown, ctx: ReadContext, key: string): void {
  if (v === null || v === undefined) return
  if (typeof v !== 'object' || Array.isArray(v)) return bad(ctx, key, '`params` maps names to defaults, e.g. `params: {jobs: 2}`')
  for (const [name, decl] of Object.entries(v as Record<string, unknown>)) {
    if (!IDENT_RE.test(name)) {
      ctx.problem(`Param \`${name}\` is not a valid environment variable name`, 'param-name', key, name)
      continue
    }
    const p = toParam(name, decl)
    if (typeof p === 'string') ctx.problem(p, 'param-value', key, name)
    else ctx.fm.params.push(p.required ? { ...p, line: ctx.lineOf(key, name) } : p)
  }
}

/** A regular expression or a list of them; each one checked. */
function readRegexList(v: unknown, ctx: ReadContext, key: string, usage: string): string[] {
  const list = typeof v === 'string' ? [v] : v
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) {
    bad(ctx, key, usage)
    return []
  }
  return (list as string[]).filter((re, i) => {
    const why = regexProblem(re)
    if (why) bad(ctx, key, `\`${key}\`: \`${re}\` is not a valid regular expression: ${why}`, ...(typeof v === 'string' ? [] : [String(i)]))
    return !why
  })
}

function regexProblem(re: string): string | undefined {
  try {
    new RegExp(re, 'u')
    return undefined
  } catch (error) {
    return (error as Error).message
  }
}

/** `allow-splats:` kernel reports a run expects: `- {pattern: REGEX, reason: WHY}` (a reason is required). */
function readAllowSplats(v: unknown, ctx: ReadContext, key: string): void {
  const usage =
    "`allow-splats` lists the kernel reports a run expects, each with its reason: `- {pattern: 'WARNING: .* at kernel/bpf/', reason: known since 7.1}`"
  if (!Array.isArray(v)) return bad(ctx, key, usage)
  v.forEach((entry, i) => {
    const e = entry as { pattern?: unknown; reason?: unknown } | null
    if (!e || typeof e !== 'object' || typeof e.pattern !== 'string' || typeof e.reason !== 'string' || !e.reason.trim()) return bad(ctx, key, usage, String(i))
    const why = regexProblem(e.pattern)
    if (why) return bad(ctx, key, `\`allow-splats\`: \`${e.pattern}\` is not a valid regular expression: ${why}`, String(i))
    ;(ctx.fm.allowSplats ??= []).push({ pattern: e.pattern, reason: e.reason })
  })
}

/** `known-failures:` tests expected to fail: `{lists: [DENYLIST paths], tests: [names]}`. */
function readKnownFailures(v: unknown, ctx: ReadContext, key: string): void {
  const usage =
    '`known-failures` names the failures a run expects: `{lists: [path/to/DENYLIST.s390x], tests: [name, suite/subtest]}` (paths relative to the workspace, $params expanded)'
  if (!v || typeof v !== 'object' || Array.isArray(v)) return bad(ctx, key, usage)
  const { lists = [], tests = [], ...rest } = v as Record<string, unknown>
  const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string')
  if (Object.keys(rest).length || !strings(lists) || !strings(tests)) return bad(ctx, key, usage)
  ctx.fm.knownFailures = { lists: lists as string[], tests: tests as string[] }
}

export function emptyFrontMatter(): FrontMatter {
  return { params: [], chroots: {}, volatile: [], extra: {} }
}

/**
 * Parse front matter text. `firstLine` is the runbook line of the first YAML line
 * (the line after the opening `---`), so problems point into the runbook.
 */
export function parseFrontMatter(text: string, firstLine: number): { frontmatter: FrontMatter; problems: FrontMatterProblem[] } {
  const fm = emptyFrontMatter()
  const problems: FrontMatterProblem[] = []
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false })
  const at = (offset: number | undefined): Point => {
    const p = lc.linePos(offset ?? 0)
    return { line: p.line + firstLine - 1, column: p.col }
  }
  for (const err of doc.errors)
    problems.push({ message: `Front matter is not valid YAML: ${err.message.split('\n')[0]}`, ruleId: 'frontmatter-yaml', place: at(err.pos[0]) })
  if (doc.errors.length) return { frontmatter: fm, problems }
  if (doc.contents === null) return { frontmatter: fm, problems }
  if (!isMap(doc.contents)) {
    problems.push({ message: 'Front matter must be a mapping (key: value lines)', ruleId: 'frontmatter-shape', place: at(doc.contents.range?.[0]) })
    return { frontmatter: fm, problems }
  }
  const data = doc.toJS() as Record<string, unknown>
  const ctx: ReadContext = {
    fm,
    problem: (message, ruleId, ...path) => problems.push({ message, ruleId, place: offsetOf(...path) }),
    lineOf: (...path) => keyAt(...path).line,
  }
  /** Where the key of the entry under `path` is written (`  NAME:`), not its value. */
  const keyAt = (...path: string[]) => {
    const parent = doc.getIn(path.slice(0, -1), true)
    const pair = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && p.key.value === path.at(-1)) : undefined
    return isScalar(pair?.key) ? at(pair.key.range?.[0]) : offsetOf(...path)
  }
  const offsetOf = (...path: string[]) => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined
    return at(node?.range?.[0])
  }
  for (const [key, value] of Object.entries(data)) {
    const read = READERS[key]
    if (read) read(value, ctx, key)
    else fm.extra[key] = value
  }
  if (Object.hasOwn(data, 'tty')) readTty(data.tty, ctx)
  if (Object.hasOwn(data, 'matrix') && data.matrix !== null) {
    const res = readMatrix(doc.get('matrix', true), fm.params, text, at)
    problems.push(...res.problems)
    if (res.matrix) fm.matrix = res.matrix
  }
  return { frontmatter: fm, problems }
}

function scalar(v: unknown): string | undefined {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v)
  return undefined
}

function toParam(name: string, decl: unknown): ParamDecl | string {
  const s = scalar(decl)
  if (s !== undefined) return { name, default: s, ...(SECRET_NAME_RE.test(name) ? { secret: true } : {}) }
  if (typeof decl !== 'object' || Array.isArray(decl)) return `Param \`${name}\` must be a value or {default, description, secret, choices, path}`
  const d = decl as Record<string, unknown>
  const def = scalar(d.default)
  if (def === undefined) return `Param \`${name}\`: default must be a string, number or boolean`
  const p: ParamDecl = { name, default: def }
  // Declared without a default (`{description: …}`): the run needs a value (`--set NAME=VALUE`).
  if (!Object.hasOwn(d, 'default')) p.required = true
  if (typeof d.description === 'string') p.description = d.description
  if (d.secret === true || SECRET_NAME_RE.test(name)) p.secret = true
  if (d.path === true) p.path = true
  if (d.choices !== undefined) {
    if (!Array.isArray(d.choices)) return `Param \`${name}\`: choices must be a list`
    p.choices = d.choices.map(String)
    if (!p.required && !p.choices.includes(def)) return `Param \`${name}\`: default \`${def}\` is not one of its choices (${p.choices.join(', ')})`
  }
  const unknown = Object.keys(d).filter((k) => !['default', 'description', 'secret', 'choices', 'path'].includes(k))
  if (unknown.length) return `Param \`${name}\`: unknown key(s) ${unknown.map((k) => `\`${k}\``).join(', ')}`
  return p
}
