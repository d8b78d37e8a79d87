// Block attributes: parse a fence's info-string meta (`{name=x target=host}` or Runme's
// JSON `{"name":"x"}`) and validate it against the schema below.
import type { AttrValue, Attrs } from './types.js'
import { posix } from 'node:path'
import { parseDuration } from '../common/durations.js'
import { parseTty, ttyText } from './tty.js'

export type AttrKind = 'string' | 'flag' | 'boolean' | 'duration' | 'count' | 'name' | 'identifier' | 'regex' | 'tty' | 'any'

export interface AttrSpec {
  kind: AttrKind
  description: string
}

/** Every attribute docrun understands. Anything else is an error (`docrun lint`, and before a run). */
export const ATTRIBUTES: Record<string, AttrSpec> = {
  name: { kind: 'name', description: 'block name, unique in the runbook; used by --only, alt= and checks' },
  target: { kind: 'name', description: 'where the block runs: host (default), chroot, guest, or a named chroot/guest' },
  root: { kind: 'string', description: 'chroot directory for target=chroot (relative to the workspace)' },
  timeout: { kind: 'duration', description: 'kill the block after this long (30s, 5m, 1h30m)' },
  errexit: { kind: 'boolean', description: 'stop the block at its first failing command (default true)' },
  file: { kind: 'string', description: 'write the block content to this file instead of running it' },
  append: { kind: 'flag', description: 'with file=: append instead of overwrite' },
  skip: { kind: 'flag', description: 'leave the block out of runs' },
  when: {
    kind: 'string',
    description:
      'run the block only when the params say so, decided before the run: `NAME` (not empty), `!NAME` (empty), `NAME==VALUE`, `NAME!=VALUE`, joined by `&&`',
  },
  excludeFromRunAll: { kind: 'boolean', description: 'Runme: leave out of a full run; runnable with --only' },
  cwd: { kind: 'string', description: 'directory to run the block in (the shell returns to its own afterwards)' },
  keep: { kind: 'flag', description: 'keep the mounts and loop devices this block creates after the run (docrun clean removes them)' },
  capture: { kind: 'identifier', description: "store the block's last output line in this shell variable" },
  guest: { kind: 'name', description: 'this block starts a QEMU guest of this name (its console becomes target=NAME); timeout= is the boot timeout' },
  ready: { kind: 'regex', description: "with guest=: the console text that says the guest's shell is ready (default: a shell prompt)" },
  login: { kind: 'string', description: 'with guest=: user name to type at a `login:` prompt' },
  password: { kind: 'string', description: 'with guest=: password to type at a `Password:` prompt (masked in logs)' },
  check: { kind: 'flag', description: 'the block is a postcondition of the block before it: run on the same target, in a subshell; its exit status decides' },
  expect: { kind: 'flag', description: 'the expected output of the block before it (literal lines, `...` for any lines, `REGEX (re)` lines)' },
  interactive: { kind: 'flag', description: 'needs a person at a terminal (menuconfig); unattended runs use its alt= block instead' },
  alt: { kind: 'name', description: 'with interactive: the block that does the same without a person' },
  tty: {
    kind: 'tty',
    description: 'run the block with a pseudo-terminal as its stdin, stdout and stderr: `tty` (80x24), `tty=120x40` (columns x rows), `tty=false`',
  },
  breakpoint: {
    kind: 'flag',
    description:
      "with `docrun run --debug`: a shell on the block's target before it runs (then run it, pass it by hand, skip it or abort); no effect without --debug",
  },
  setup: { kind: 'flag', description: 'a guest block that re-runs whenever its guest is booted again (mounts, modules): on --resume too' },
  cache: {
    kind: 'string',
    description:
      'after the block passes, store these workspace paths (quoted, comma- or space-separated) in the block cache; a later run with the same key restores them instead of running it',
  },
  'cache-after': {
    kind: 'name',
    description:
      'with cache=: store the paths once block NAME (later in the runbook) has run and passed in the same run, not when this block has — ' +
      'for what later blocks finish (a disk image a later boot completes); a hit still restores them in place of this block',
  },
  inputs: {
    kind: 'string',
    description:
      "the files and directories the block reads (quoted, comma- or space-separated; relative to the workspace, absolute ones inside a chroot target's root): " +
      'when they change, --resume runs it and what follows again',
  },
  'inputs-exclude': {
    kind: 'string',
    description: 'with inputs=: more basename globs (`*`, `?`) that are not inputs, besides build outputs (*.o, vmlinux, …)',
  },
  'done-if': {
    kind: 'string',
    description:
      "a shell test that says the block's lasting effect is already there (`test ! -e /debootstrap`): run on its target before the block; " +
      'when it succeeds the block is passed without running again (--from, --only, --resume)',
  },
  retry: { kind: 'count', description: 'run a failing block again, up to this many more times (each attempt in the transcript); delay= between attempts' },
  delay: { kind: 'duration', description: 'with retry= or until=: how long to wait between attempts (default 5s)' },
  until: { kind: 'duration', description: 'run the block again until it passes, for at most this long (a network coming up, a service answering)' },
  wait: {
    kind: 'regex',
    description: "after the block's content (if any), wait until the console of its guest target prints a line matching this (timeout= bounds it)",
  },
  copy: {
    kind: 'flag',
    description:
      "the block lists files or trees to copy, `SRC DEST` a line, from the target from= (default host) to the target to= (default the block's target); checked by sha256",
  },
  put: { kind: 'flag', description: "copy from the host to the block's target: each line `HOST-PATH TARGET-PATH` (a file or a tree), checked by sha256" },
  get: { kind: 'flag', description: "copy from the block's target to the host: each line `TARGET-PATH HOST-PATH` (a file or a tree), checked by sha256" },
  from: { kind: 'name', description: 'with copy: the target the files come from (default host)' },
  to: { kind: 'name', description: "with copy: the target the files go to (default the block's target)" },
  mirrors: { kind: 'string', description: "which of the source document's literal blocks (1, 2, …) this block mirrors; `docrun drift` aligns by it" },
  // Runme's cell options: accepted so a README written for Runme runs unchanged.
  interpreter: { kind: 'string', description: 'Runme: run the block with this program (content on its stdin), e.g. python3' },
  background: { kind: 'boolean', description: 'start the block (host or chroot) and go on: it runs until the run ends (Runme)' },
  closeTerminalOnSuccess: { kind: 'boolean', description: 'Runme: terminal visibility; no effect in docrun' },
  mimeType: { kind: 'string', description: 'Runme: how to render the output; docrun records it as text' },
  promptEnv: { kind: 'any', description: 'Runme: prompt for exported values; docrun uses the values as written' },
  category: { kind: 'string', description: 'Runme: run-all categories; docrun selects blocks with --only' },
  terminalRows: { kind: 'any', description: "Runme: terminal height: the rows of the cell's pseudo-terminal" },
  id: { kind: 'string', description: "Runme: the cell's identity; kept as written" },
}

export interface AttrProblem {
  message: string
  ruleId: string
  /** 0-based offset of the offending text within the meta string, if known. */
  offset?: number
}

export interface ParsedMeta {
  attrs: Attrs
  /** Offsets of each key within the meta string, for precise diagnostics. */
  offsets: Record<string, number>
  problems: AttrProblem[]
  /** Written as a JSON object (Runme's form). */
  json?: boolean
}

/** Parse the info-string text after the language. Never throws. */
export function parseMeta(meta: string | null | undefined): ParsedMeta {
  const out: ParsedMeta = { attrs: {}, offsets: {}, problems: [] }
  if (!meta || !meta.trim()) return out
  const lead = meta.length - meta.trimStart().length
  const text = meta.trim()
  if (!text.startsWith('{') || !text.endsWith('}')) {
    out.problems.push({
      message: `Unexpected info string \`${text}\`: attributes go in braces, e.g. \`{name=build timeout=5m}\``,
      ruleId: 'attribute-syntax',
      offset: lead,
    })
    return out
  }
  // Runme writes JSON objects.
  if (/^\{\s*"/.test(text) || /^\{\s*\}$/.test(text)) {
    try {
      const obj: unknown = JSON.parse(text)
      if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
        out.json = true
        for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
          const at = meta.indexOf(`"${k}"`)
          out.offsets[k] = at >= 0 ? at : lead
          if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out.attrs[k] = v
          else out.problems.push({ message: `Attribute \`${k}\` must be a string, number or boolean`, ruleId: 'attribute-value', offset: out.offsets[k] })
        }
        return out
      }
    } catch (error) {
      out.problems.push({ message: `Invalid JSON attributes: ${(error as Error).message}`, ruleId: 'attribute-syntax', offset: lead })
      return out
    }
  }
  tokenize(meta, lead + 1, meta.length - (meta.length - meta.trimEnd().length) - 1, out)
  return out
}

function tokenize(meta: string, from: number, to: number, out: ParsedMeta): void {
  let i = from
  const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === ','
  while (i < to) {
    while (i < to && isSpace(meta[i])) i++
    if (i >= to) break
    const keyStart = i
    while (i < to && /[A-Za-z0-9_.-]/.test(meta[i]!)) i++
    const key = meta.slice(keyStart, i)
    if (!key) {
      out.problems.push({ message: `Unexpected character \`${meta[i]}\` in attributes`, ruleId: 'attribute-syntax', offset: i })
      return
    }
    if (key in out.attrs) out.problems.push({ message: `Attribute \`${key}\` is given twice`, ruleId: 'attribute-duplicate', offset: keyStart })
    out.offsets[key] = keyStart
    if (meta[i] !== '=') {
      if (i < to && !isSpace(meta[i])) {
        out.problems.push({ message: `Unexpected character \`${meta[i]}\` after attribute \`${key}\``, ruleId: 'attribute-syntax', offset: i })
        return
      }
      out.attrs[key] = true
      continue
    }
    i++ // '='
    let value: AttrValue
    const q = meta[i]
    if (q === '"' || q === "'") {
      let j = i + 1
      let v = ''
      while (j < to && meta[j] !== q) {
        if (meta[j] === '\\' && q === '"' && j + 1 < to) j++
        v += meta[j]
        j++
      }
      if (j >= to) {
        out.problems.push({ message: `Unterminated quoted value for attribute \`${key}\``, ruleId: 'attribute-syntax', offset: i })
        return
      }
      value = v
      i = j + 1
    } else {
      const vs = i
      while (i < to && !isSpace(meta[i])) i++
      const raw = meta.slice(vs, i)
      value = raw === 'true' ? true : raw === 'false' ? false : raw
    }
    out.attrs[key] = value
  }
}

/**
 * `cache=PATHS`: paths relative to the workspace, separated by commas or spaces (quote the value
 * for more than one: the attribute tokenizer splits on both). Normalised; `..`, absolute paths
 * and the workspace itself are refused (a restore removes what is there first).
 */
export function parseCachePaths(value: string): { paths: string[]; problem?: string } {
  const paths = [
    ...new Set(
      value
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((p) => posix.normalize(p).replace(/\/+$/, '')),
    ),
  ]
  if (!paths.length) return { paths, problem: 'needs at least one path' }
  const bad = paths.find((p) => p.startsWith('/') || p === '.' || p === '..' || p.startsWith('../'))
  if (bad) return { paths, problem: `takes paths inside the workspace (relative, no \`..\`), not \`${bad}\`` }
  // A restore replaces the paths: docrun's own state and lock must not be among them.
  const own = paths.find((p) => p === '.docrun' || p.startsWith('.docrun/'))
  if (own) return { paths, problem: `cannot hold docrun's own state (\`${own}\`)` }
  return { paths }
}

/**
 * `inputs=PATHS` (and `inputs-exclude=GLOBS`): separated by commas or spaces, normalised.
 * Relative paths are relative to the workspace; an absolute path on a chroot block is inside the
 * chroot's root (the runner resolves them: src/inputs/paths.ts).
 */
export function parseInputPaths(value: string): { paths: string[]; problem?: string } {
  const paths = [
    ...new Set(
      value
        .split(/[\s,]+/)
        .filter(Boolean)
        .map((p) => (p === '/' ? p : posix.normalize(p).replace(/\/+$/, ''))),
    ),
  ]
  return paths.length ? { paths } : { paths, problem: 'needs at least one path' }
}

/** `tty` goes on a block that runs in the shell: not with background, file= or guest=. */
function ttyCombinations(norm: Attrs, offsets: Record<string, number>): AttrProblem[] {
  if (norm.tty === undefined || norm.tty === false) return []
  const why =
    norm.background === true
      ? '`tty` and `background` do not go together: a background block runs without a terminal'
      : norm.file !== undefined || norm.guest !== undefined
        ? `\`tty\` goes on a block that runs; this one ${norm.file !== undefined ? 'writes a file' : 'starts a guest'}`
        : undefined
  return why ? [{ message: why, ruleId: 'attribute-value', offset: offsets.tty }] : []
}

const NAME_RE = /^[\p{L}\p{N}_][\p{L}\p{N}_.:-]*$/u
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Check each attribute against the schema; returns normalised attributes and problems. */
export function validateAttrs(attrs: Attrs, offsets: Record<string, number>): { attrs: Attrs; problems: AttrProblem[] } {
  const problems: AttrProblem[] = []
  const norm: Attrs = {}
  for (const [key, value] of Object.entries(attrs)) {
    const spec = ATTRIBUTES[key]
    const offset = offsets[key]
    if (!spec) {
      problems.push({ message: `Unknown attribute \`${key}\` (known: ${Object.keys(ATTRIBUTES).join(', ')})`, ruleId: 'attribute-unknown', offset })
      continue
    }
    const bad = (why: string) => problems.push({ message: `Attribute \`${key}\` ${why}`, ruleId: 'attribute-value', offset })
    switch (spec.kind) {
      case 'flag':
      case 'boolean':
        if (typeof value === 'boolean') norm[key] = value
        // Runme writes its JSON attributes as strings: {"excludeFromRunAll":"true"}.
        else if (value === 'yes' || value === 'no' || value === 'true' || value === 'false') norm[key] = value === 'yes' || value === 'true'
        else bad(`takes true or false, not \`${String(value)}\``)
        break
      case 'duration': {
        const ms = parseDuration(value as string | number)
        if (typeof value === 'boolean' || ms === undefined) bad(`takes a duration such as 30s, 5m or 1h30m, not \`${String(value)}\``)
        else norm[key] = ms
        break
      }
      case 'count':
        if (typeof value === 'boolean' || !/^\d+$/.test(String(value)) || Number(value) < 1) bad(`takes a whole number of at least 1, not \`${String(value)}\``)
        else norm[key] = Number(value)
        break
      case 'name':
        if (typeof value !== 'string' || !NAME_RE.test(value)) bad(`takes a name (letters, digits, _ . : -), not \`${String(value)}\``)
        else norm[key] = value
        break
      case 'identifier':
        if (typeof value !== 'string' || !IDENT_RE.test(value)) bad(`takes a shell variable name, not \`${String(value)}\``)
        else norm[key] = value
        break
      case 'regex':
        if (typeof value !== 'string') bad('takes a regular expression')
        else {
          try {
            new RegExp(value)
            norm[key] = value
          } catch (error) {
            bad(`is not a valid regular expression: ${(error as Error).message}`)
          }
        }
        break
      case 'string':
        if (typeof value === 'boolean' || value === '') bad('needs a value')
        else norm[key] = String(value)
        break
      case 'tty': {
        const t = parseTty(value)
        if ('problem' in t) bad(t.problem)
        else norm[key] = t.tty === false ? false : value === true || value === 'true' || value === 'yes' ? true : ttyText(t.tty)
        break
      }
      case 'any':
        norm[key] = value
        break
    }
  }
  for (const k of ['ready', 'login', 'password'] as const) {
    if (norm[k] !== undefined && norm.guest === undefined)
      problems.push({ message: `\`${k}\` only goes with \`guest=NAME\``, ruleId: 'attribute-value', offset: offsets[k] })
  }
  if (norm.guest !== undefined && norm.file !== undefined)
    problems.push({ message: '`guest=` starts a guest from the block; it cannot also be `file=`', ruleId: 'attribute-value', offset: offsets.guest })
  if (norm.delay !== undefined && norm.retry === undefined && norm.until === undefined)
    problems.push({ message: '`delay` goes with `retry=` or `until=`', ruleId: 'attribute-value', offset: offsets.delay })
  if (norm.retry !== undefined && norm.until !== undefined)
    problems.push({ message: 'a block takes `retry=` (a number of attempts) or `until=` (a time), not both', ruleId: 'attribute-value', offset: offsets.until })
  if (norm.check && norm.expect)
    problems.push({ message: 'a block is either `check` or `expect`, not both', ruleId: 'attribute-value', offset: offsets.expect })
  if (typeof norm.cache === 'string') {
    const { problem } = parseCachePaths(norm.cache)
    if (problem) problems.push({ message: `Attribute \`cache\` ${problem}`, ruleId: 'attribute-value', offset: offsets.cache })
    if (norm.check || norm.expect)
      problems.push({ message: '`cache=` goes on the block that makes the paths, not on its check', ruleId: 'attribute-value', offset: offsets.cache })
  }
  if (typeof norm.inputs === 'string' && parseInputPaths(norm.inputs).problem) {
    problems.push({ message: 'Attribute `inputs` needs at least one path', ruleId: 'attribute-value', offset: offsets.inputs })
  }
  if (norm['cache-after'] !== undefined && norm.cache === undefined) {
    problems.push({ message: '`cache-after` only goes with `cache=PATHS`', ruleId: 'attribute-value', offset: offsets['cache-after'] })
  }
  if (norm['inputs-exclude'] !== undefined && norm.inputs === undefined) {
    problems.push({ message: '`inputs-exclude` only goes with `inputs=PATHS`', ruleId: 'attribute-value', offset: offsets['inputs-exclude'] })
  }
  problems.push(...ttyCombinations(norm, offsets))
  if (norm.append && norm.file === undefined)
    problems.push({ message: '`append` only makes sense with `file=PATH`', ruleId: 'attribute-value', offset: offsets.append })
  return { attrs: norm, problems }
}
