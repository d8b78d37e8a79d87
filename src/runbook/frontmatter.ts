// Front matter (YAML between `---` lines): params, defaults and runbook-wide settings.
import { parseDocument, isMap, LineCounter } from 'yaml'
import type { FrontMatter, ParamDecl, Point } from './types.js'
import { parseDuration } from '../common/durations.js'
import { SECRET_NAME_RE } from '../common/mask.js'
import { readMatrix } from './frontmatter-matrix.js'

export interface FrontMatterProblem {
  message: string
  ruleId: string
  place: Point
}

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/
/** Environment names that secrets usually have; such params are masked even when not marked. */

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
  for (const err of doc.errors) problems.push({ message: `Front matter is not valid YAML: ${err.message.split('\n')[0]}`, ruleId: 'frontmatter-yaml', place: at(err.pos[0]) })
  if (doc.errors.length) return { frontmatter: fm, problems }
  if (doc.contents === null) return { frontmatter: fm, problems }
  if (!isMap(doc.contents)) {
    problems.push({ message: 'Front matter must be a mapping (key: value lines)', ruleId: 'frontmatter-shape', place: at(doc.contents.range?.[0]) })
    return { frontmatter: fm, problems }
  }
  const data = doc.toJS() as Record<string, unknown>
  const offsetOf = (...path: string[]) => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined
    return at(node?.range?.[0])
  }
  for (const [key, value] of Object.entries(data)) {
    switch (key) {
      case 'title':
        fm.title = String(value)
        break
      case 'default-lang':
      case 'defaultLang':
        if (typeof value !== 'string') problems.push({ message: '`default-lang` takes a language name such as sh', ruleId: 'frontmatter-value', place: offsetOf(key) })
        else fm.defaultLang = value
        break
      case 'timeout': {
        const ms = parseDuration(value as string | number)
        if (ms === undefined) problems.push({ message: `\`timeout\` takes a duration such as 30m, not \`${String(value)}\``, ruleId: 'frontmatter-value', place: offsetOf(key) })
        else fm.timeoutMs = ms
        break
      }
      case 'checks':
        if (typeof value !== 'string') problems.push({ message: '`checks` takes a path to a TypeScript module', ruleId: 'frontmatter-value', place: offsetOf(key) })
        else fm.checks = value
        break
      case 'chroots':
        if (!value || typeof value !== 'object' || Array.isArray(value)) {
          problems.push({ message: '`chroots` maps names to directories, e.g. `chroots: {toolchain: ./s390-toolchain}`', ruleId: 'frontmatter-value', place: offsetOf(key) })
          break
        }
        for (const [name, dir] of Object.entries(value as Record<string, unknown>)) {
          if (typeof dir !== 'string') problems.push({ message: `chroot \`${name}\` needs a directory`, ruleId: 'frontmatter-value', place: offsetOf(key, name) })
          else fm.chroots[name] = dir
        }
        break
      case 'dialect':
        if (value !== 'runme' && value !== 'docrun') problems.push({ message: `\`dialect\` is runme or docrun, not \`${String(value)}\``, ruleId: 'frontmatter-value', place: offsetOf(key) })
        else fm.dialect = value
        break
      case 'runme':
        if (!value || typeof value !== 'object' || Array.isArray(value)) problems.push({ message: '`runme` holds Runme\'s document identity, e.g. `runme: {id: 01H..., version: v3}`', ruleId: 'frontmatter-value', place: offsetOf(key) })
        else fm.runme = value as Record<string, unknown>
        break
      case 'shell':
      case 'cwd':
        if (typeof value !== 'string' || !value) problems.push({ message: `\`${key}\` takes a ${key === 'shell' ? 'shell such as bash' : 'directory'}`, ruleId: 'frontmatter-value', place: offsetOf(key) })
        else fm[key] = value
        break
      case 'volatile': {
        const list = typeof value === 'string' ? [value] : value
        if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) {
          problems.push({ message: '`volatile` lists regular expressions for output that changes between runs, e.g. `volatile: [\'Linux version \\S+\']`', ruleId: 'frontmatter-value', place: offsetOf(key) })
          break
        }
        for (const [i, re] of (list as string[]).entries()) {
          try {
            new RegExp(re, 'u')
            fm.volatile.push(re)
          } catch (error) {
            problems.push({ message: `\`volatile\`: \`${re}\` is not a valid regular expression: ${(error as Error).message}`, ruleId: 'frontmatter-value', place: typeof value === 'string' ? offsetOf(key) : offsetOf(key, String(i)) })
          }
        }
        break
      }
      case 'skipPrompts':
        if (typeof value !== 'boolean') problems.push({ message: '`skipPrompts` takes true or false', ruleId: 'frontmatter-value', place: offsetOf(key) })
        else fm.skipPrompts = value
        break
      case 'params':
        if (value === null || value === undefined) break
        if (typeof value !== 'object' || Array.isArray(value)) {
          problems.push({ message: '`params` maps names to defaults, e.g. `params: {jobs: 2}`', ruleId: 'frontmatter-value', place: offsetOf(key) })
          break
        }
        for (const [name, decl] of Object.entries(value as Record<string, unknown>)) {
          const place = offsetOf('params', name)
          if (!IDENT_RE.test(name)) {
            problems.push({ message: `Param \`${name}\` is not a valid environment variable name`, ruleId: 'param-name', place })
            continue
          }
          const p = toParam(name, decl)
          if (typeof p === 'string') problems.push({ message: p, ruleId: 'param-value', place })
          else fm.params.push(p)
        }
        break
      case 'matrix':
        // Read after the loop: its keys are checked against the params, wherever they are written.
        break
      default:
        fm.extra[key] = value
    }
  }
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
  if (typeof d.description === 'string') p.description = d.description
  if (d.secret === true || SECRET_NAME_RE.test(name)) p.secret = true
  if (d.path === true) p.path = true
  if (d.choices !== undefined) {
    if (!Array.isArray(d.choices)) return `Param \`${name}\`: choices must be a list`
    p.choices = d.choices.map(String)
    if (!p.choices.includes(def)) return `Param \`${name}\`: default \`${def}\` is not one of its choices (${p.choices.join(', ')})`
  }
  const unknown = Object.keys(d).filter((k) => !['default', 'description', 'secret', 'choices', 'path'].includes(k))
  if (unknown.length) return `Param \`${name}\`: unknown key(s) ${unknown.map((k) => `\`${k}\``).join(', ')}`
  return p
}
