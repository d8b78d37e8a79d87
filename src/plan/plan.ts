// Runbook + options → Plan. Pure: no processes, no file system.
import { dirname, posix, resolve } from 'node:path'
import { VFile } from 'vfile'
import { DocrunError } from '../common/errors.js'
import type { Block, Runbook, Section } from '../runbook/types.js'
import { matchSections, sectionLabel, sectionTree } from '../runbook/sections.js'
import { report } from '../runbook/diagnostics.js'
import { parseCachePaths, parseInputPaths } from '../runbook/attributes.js'
import { applyTty } from './tty.js'
import type { BootSpec, HostStart, Plan, PlanSection, ResolvedParam, Selection, Step, TargetRef } from './types.js'
import { foldIntoHash } from './hash.js'
import { blockCondition } from './when.js'
import { applyHostParams } from './host-params.js'

/** The command line asks for what the runbook does not have (a param, a section, a block): a usage error. */
export class PlanError extends DocrunError {}

export function planSection(s: Section): PlanSection {
  return { id: s.id, title: s.title, label: sectionLabel(s), depth: s.depth, ...(s.number ? { number: s.number } : {}) }
}

/** Apply `--set key=value` overrides to the declared params. Unknown keys are errors. */
export function resolveParams(runbook: Runbook, sets: Record<string, string>): ResolvedParam[] {
  const declared = new Map(runbook.frontmatter.params.map((p) => [p.name, p]))
  for (const key of Object.keys(sets)) {
    if (!declared.has(key)) {
      const known = [...declared.keys()]
      throw new PlanError(`--set ${key}: the runbook declares no param \`${key}\`${known.length ? ` (params: ${known.join(', ')})` : ' (it declares none)'}`)
    }
  }
  return runbook.frontmatter.params.map((p) => {
    const set = Object.hasOwn(sets, p.name)
    const value = set ? sets[p.name]! : p.default
    if (p.choices && (set || !p.required) && !p.choices.includes(value)) throw new PlanError(`--set ${p.name}=${value}: must be one of ${p.choices.join(', ')}`)
    return {
      name: p.name,
      value,
      source: set ? 'set' : 'default',
      secret: p.secret === true,
      ...(p.path ? { path: true } : {}),
      ...(p.description ? { description: p.description } : {}),
      ...(p.required && !set ? { missing: p.line === undefined ? {} : { line: p.line } } : {}),
    }
  })
}

/** Names of the guests the runbook starts (`{guest=NAME}` blocks); once per runbook (every block's target asks). */
const guestsOf = new WeakMap<Runbook, string[]>()
export function guestNames(runbook: Runbook): string[] {
  let names = guestsOf.get(runbook)
  if (!names) guestsOf.set(runbook, (names = [...new Set(runbook.blocks.flatMap((b) => (typeof b.attrs.guest === 'string' ? [b.attrs.guest] : [])))]))
  return names
}

/** Where a block runs. Problems are reported into `file` with the block's position. */
export function resolveTarget(runbook: Runbook, block: Block, file: VFile): TargetRef {
  const t = typeof block.attrs.target === 'string' ? block.attrs.target : 'host'
  const root = typeof block.attrs.root === 'string' ? block.attrs.root : undefined
  const chroots = runbook.frontmatter.chroots
  const guests = guestNames(runbook)
  const isStart = typeof block.attrs.guest === 'string'
  if (!isStart && (guests.includes(t) || t === 'guest')) {
    if (root) report(file, '`root=` only goes with `target=chroot`', block.position.start, 'attribute-value', true)
    if (guests.includes(t)) return { kind: 'guest', name: t }
    if (guests.length === 1) return { kind: 'guest', name: guests[0]! }
    report(
      file,
      guests.length
        ? `\`target=guest\` is ambiguous: this runbook starts ${guests.length} guests (${guests.join(', ')}); name one`
        : '`target=guest` but no block starts a guest (mark the QEMU command `{guest=NAME}`)',
      block.position.start,
      'target-unknown',
      true,
    )
    return { kind: 'host', name: 'host' }
  }
  if (isStart && (t === 'guest' || guests.includes(t))) {
    report(file, 'A guest is started from the host or a chroot, not from inside a guest', block.position.start, 'target-unknown', true)
    return { kind: 'host', name: 'host' }
  }
  if (t === 'host') {
    if (root) report(file, '`root=` only goes with `target=chroot`', block.position.start, 'attribute-value', true)
    return { kind: 'host', name: 'host' }
  }
  if (t === 'chroot') {
    if (root) {
      // The same directory is the same chroot, whether named in the front matter or not.
      const named = Object.entries(chroots).find(([, dir]) => posix.normalize(dir) === posix.normalize(root))
      return named ? { kind: 'chroot', name: named[0], root: named[1] } : { kind: 'chroot', name: `chroot:${posix.normalize(root)}`, root }
    }
    const names = Object.keys(chroots)
    if (names.length === 1) return { kind: 'chroot', name: names[0]!, root: chroots[names[0]!]! }
    report(file, '`target=chroot` needs `root=DIR` (or exactly one chroot named in the front matter)', block.position.start, 'target-unknown', true)
    return { kind: 'host', name: 'host' }
  }
  if (chroots[t]) return { kind: 'chroot', name: t, root: chroots[t] }
  const host = runbook.frontmatter.hosts?.[t]
  if (host) {
    if (root) report(file, '`root=` only goes with `target=chroot`', block.position.start, 'attribute-value', true)
    return { kind: 'ssh', name: t, host }
  }
  report(
    file,
    `Unknown target \`${t}\`: use host, chroot (with root=DIR), a chroot or a remote host named in the front matter (\`chroots:\`, \`hosts:\`), or a guest started by a \`{guest=NAME}\` block`,
    block.position.start,
    'target-unknown',
    true,
  )
  return { kind: 'host', name: 'host' }
}

export interface PlanOptions {
  sets?: Record<string, string>
  selection?: Selection
  /** A person is at a terminal: {interactive} blocks get it (else their alt= runs). */
  terminal?: boolean
}

/** Build the plan. Document problems go into `file`; selection problems throw PlanError. */
export function buildPlan(runbook: Runbook, file: VFile, opts: PlanOptions = {}): Plan {
  const params = resolveParams(runbook, opts.sets ?? {})
  const host = hostStart(runbook, file)
  const sectionById = new Map(runbook.sections.map((s) => [s.id, s]))
  const steps: Step[] = runbook.blocks.map((b) => {
    const section = b.section ? sectionById.get(b.section) : undefined
    const fileAttr = typeof b.attrs.file === 'string' ? { path: b.attrs.file, append: b.attrs.append === true } : undefined
    const boot = typeof b.attrs.guest === 'string' ? bootSpec(b) : undefined
    const copy = b.attrs.copy === true || b.attrs.put === true || b.attrs.get === true ? copySpec(runbook, b, file) : undefined
    const action = copy ? 'copy' : fileAttr ? 'file' : b.kind !== 'shell' ? 'none' : boot ? 'boot' : 'run'
    const timeout = typeof b.attrs.timeout === 'number' ? b.attrs.timeout : runbook.frontmatter.timeoutMs
    const unless = blockCondition(b, params, file)
    const step: Step = {
      id: b.id,
      index: b.index,
      section: section ? planSection(section) : null,
      lang: b.lang,
      action,
      target: resolveTarget(runbook, b, file),
      content: b.content,
      hash: b.hash,
      ...(b.formerHashes ? { formerHashes: b.formerHashes } : {}),
      attrs: b.attrs,
      position: b.position,
      errexit: b.attrs.errexit !== false,
      ...(timeout ? { timeoutMs: timeout } : {}),
      // Runme combines a cell's cwd with the document's: `..` is relative to where blocks start.
      ...(typeof b.attrs.cwd === 'string' ? { cwd: runbook.dialect === 'runme' && host.cwd ? resolve(host.cwd, b.attrs.cwd) : b.attrs.cwd } : {}),
      ...(b.interpreter ? { interpreter: b.interpreter } : {}),
      ...(typeof b.attrs.capture === 'string' ? { capture: b.attrs.capture } : {}),
      ...(fileAttr ? { file: fileAttr } : {}),
      ...(boot ? { boot } : {}),
      ...(copy ? { copy } : {}),
      ...(b.attrs.setup === true ? { setup: true } : {}),
      ...(typeof b.attrs.cache === 'string' ? { cache: parseCachePaths(b.attrs.cache).paths } : {}),
      ...(typeof b.attrs.inputs === 'string' ? { inputs: inputsOf(b.attrs.inputs, b.attrs['inputs-exclude']) } : {}),
      ...(b.attrs.background === true && action === 'run' ? { background: true } : {}),
      ...(typeof b.attrs['done-if'] === 'string' && b.attrs['done-if'].trim() ? { doneIf: b.attrs['done-if'] } : {}),
      ...retryOf(b.attrs),
      ...(typeof b.attrs.wait === 'string' ? { wait: b.attrs.wait } : {}),
    }
    if (step.background && step.target.kind === 'guest')
      step.refuse = 'background: a block can run in the background on the host or in a chroot, not inside a guest (its console is one shell)'
    if (b.attrs.setup === true && step.target.kind !== 'guest')
      report(
        file,
        '`setup` marks a guest block that re-runs when its guest boots again; this block does not run in a guest',
        b.position.start,
        'attribute-value',
        true,
      )
    applyTty(runbook, b, step, file)
    if (action === 'none') step.skip = { kind: 'data', lang: b.lang }
    else if (b.attrs.skip === true) step.skip = { kind: 'marked' }
    else if (unless) step.skip = unless
    else if (b.attrs.excludeFromRunAll === true) step.skip = { kind: 'exclude-from-run-all' }
    return step
  })
  attachChecks(steps, file)
  applyHostParams(steps, params)
  applyAlternatives(steps, file, opts.terminal === true, runbook.dialect)
  resolveCacheAfter(steps, file)
  applySelection(runbook, steps, opts.selection ?? {})
  return {
    runbook: {
      path: runbook.path,
      sha256: runbook.sha256,
      dialect: runbook.dialect,
      ...(runbook.frontmatter.title ? { title: runbook.frontmatter.title } : {}),
    },
    host,
    volatile: runbook.frontmatter.volatile,
    allowSplats: runbook.frontmatter.allowSplats ?? [],
    knownFailures: runbook.frontmatter.knownFailures ?? { lists: [], tests: [] },
    params,
    sections: runbook.sections.map(planSection),
    steps,
  }
}

/**
 * `{copy from=A to=B}`, `{put target=z}` (host → z), `{get target=z}` (z → host): the block's
 * lines are `SRC DEST` (paths as written: no spaces, nothing expanded; `#` lines are comments).
 */
function copySpec(runbook: Runbook, b: Block, file: VFile): Step['copy'] {
  const here = resolveTarget(runbook, b, file)
  const named = (name: unknown, fallback: TargetRef) => (typeof name === 'string' ? resolveTarget(runbook, { ...b, attrs: { target: name } }, file) : fallback)
  const host: TargetRef = { kind: 'host', name: 'host' }
  const modes = (['copy', 'put', 'get'] as const).filter((k) => b.attrs[k] === true)
  if (modes.length > 1) report(file, `\`${modes.join('` and `')}\` on one block: say one`, b.position.start, 'attribute-value', true)
  if ((b.attrs.from !== undefined || b.attrs.to !== undefined) && b.attrs.copy !== true)
    report(file, '`from=` and `to=` go with `copy`', b.position.start, 'attribute-value', true)
  const from = b.attrs.put === true ? host : b.attrs.get === true ? here : named(b.attrs.from, host)
  const to = b.attrs.put === true ? here : b.attrs.get === true ? host : named(b.attrs.to, here)
  const items: { src: string; dest: string }[] = []
  for (const line of b.content.split('\n')) {
    const words = line.trim().split(/\s+/).filter(Boolean)
    if (!words.length || words[0]!.startsWith('#')) continue
    if (words.length !== 2) report(file, `a copy line is \`SRC DEST\` (no spaces in paths), not \`${line.trim()}\``, b.position.start, 'attribute-value', true)
    else items.push({ src: words[0]!, dest: words[1]! })
  }
  if (!items.length) report(file, 'a copy block lists `SRC DEST` lines', b.position.start, 'attribute-value', true)
  if (from.name === to.name) report(file, `a copy from ${from.name} to itself`, b.position.start, 'attribute-value', true)
  return { from, to, items }
}

/** `retry=N` / `until=DURATION` with `delay=` (default 5 s between attempts). */
function retryOf(attrs: Step['attrs']): Pick<Step, 'retry'> {
  const delayMs = typeof attrs.delay === 'number' ? attrs.delay : 5000
  if (typeof attrs.retry === 'number') return { retry: { attempts: attrs.retry, delayMs } }
  if (typeof attrs.until === 'number') return { retry: { untilMs: attrs.until, delayMs } }
  return {}
}

/**
 * `{check}` and `{expect}` blocks belong to the runnable block before them: they become its
 * postconditions (and part of its hash, so editing a check re-runs the block on --resume).
 */
function attachChecks(steps: Step[], file: VFile): void {
  let last: Step | undefined
  for (const s of steps) {
    const kind = s.attrs.check === true ? 'check' : s.attrs.expect === true ? 'expect' : undefined
    if (!kind) {
      if (s.action !== 'none') last = s
      continue
    }
    if (!last) {
      report(file, `\`{${kind}}\` needs a block before it to check`, s.position.start, 'check-orphan', true)
      continue
    }
    const n = (last.checks ?? []).filter((c) => c.kind === kind).length + 1
    // An unnamed check is named after what it checks: `make:check`, `make:expect2`.
    const id = typeof s.attrs.name === 'string' ? s.id : `${last.id}:${kind}${n > 1 ? n : ''}`
    const until =
      kind === 'check' && typeof s.attrs.until === 'number'
        ? { untilMs: s.attrs.until, ...(typeof s.attrs.delay === 'number' ? { delayMs: s.attrs.delay } : {}) }
        : {}
    ;(last.checks ??= []).push({ id, kind, content: s.content, position: s.position, ...until })
    foldIntoHash(last, `${kind}\0${s.content}`)
    s.action = 'none'
    s.skip = { kind: 'postcondition', check: kind, of: last.id }
  }
}

/** `{cache-after=B}`: B must be a later block that runs; unknown or earlier is an error at the block. */
function resolveCacheAfter(steps: Step[], file: VFile): void {
  const index = new Map(steps.map((s, i) => [s.id, i]))
  steps.forEach((s, i) => {
    const name = s.attrs['cache-after']
    if (typeof name !== 'string' || !s.cache) return
    const at = index.get(name)
    const after = at === undefined ? undefined : steps[at]
    if (!after) report(file, `\`cache-after=${name}\`: no block has that name`, s.position.start, 'attribute-value', true)
    else if (at! <= i) report(file, `\`cache-after=${name}\`: that block comes before this one; name a later block`, s.position.start, 'attribute-value', true)
    else if (after.action === 'none') report(file, `\`cache-after=${name}\`: that block does not run (it is data)`, s.position.start, 'attribute-value', true)
    else s.cacheAfter = after.id
  })
}

/**
 * `{interactive alt=B}`: with a person at a terminal the block gets the terminal and its
 * alternative B stays out; unattended (no terminal) B runs instead. Without alt= an unattended
 * interactive block fails at once, saying so.
 */
function applyAlternatives(steps: Step[], file: VFile, terminal: boolean, dialect: Plan['runbook']['dialect']): void {
  const byId = new Map(steps.map((s) => [s.id, s]))
  for (const s of steps) {
    if (s.attrs.interactive !== true) continue
    // Runme's `interactive` (its default) only asks for a terminal: such a block runs unattended.
    if (dialect === 'runme' && s.attrs.alt === undefined) continue
    const alt = typeof s.attrs.alt === 'string' ? byId.get(s.attrs.alt) : undefined
    if (typeof s.attrs.alt === 'string' && !alt) report(file, `\`alt=${s.attrs.alt}\`: no block has that name`, s.position.start, 'alt-unknown', true)
    if (s.action !== 'run') continue
    if (terminal) {
      if (s.target.kind === 'guest')
        s.refuse = "interactive: a block can have the terminal on the host or in a chroot, not inside a guest (its console is docrun's)"
      else s.interactive = true
      if (alt) alt.skip ??= { kind: 'alternative', to: s.id }
    } else if (alt) s.skip ??= { kind: 'needs-terminal', alternative: alt.id }
    else s.refuse = 'interactive: this block needs a person at a terminal, and the runbook gives no alt= block that does the same unattended'
  }
}

const SHELLS: Record<string, HostStart['shell']> = {
  bash: 'bash',
  '/bin/bash': 'bash',
  '/usr/bin/bash': 'bash',
  sh: 'sh',
  '/bin/sh': 'sh',
  dash: 'sh',
  '/bin/dash': 'sh',
}

/**
 * The host shell's program and starting directory. Runme starts commands in the document's
 * directory (or its front matter's `cwd`, relative to it); docrun runbooks in the workspace.
 */
function hostStart(runbook: Runbook, file: VFile): HostStart {
  const fm = runbook.frontmatter
  let shell: HostStart['shell'] = 'bash'
  if (fm.shell !== undefined) {
    const known = SHELLS[fm.shell]
    if (known) shell = known
    else report(file, `\`shell: ${fm.shell}\`: docrun runs blocks in bash or sh; they run in bash`, { line: 1, column: 1 }, 'shell-unsupported', false)
  }
  const base = dirname(resolve(runbook.path))
  const cwd = fm.cwd !== undefined ? resolve(base, fm.cwd) : runbook.dialect === 'runme' ? base : undefined
  return { shell, ...(cwd ? { cwd } : {}) }
}

function bootSpec(b: Block): BootSpec {
  const str = (k: string) => (typeof b.attrs[k] === 'string' ? { [k]: b.attrs[k] as string } : {})
  return { guest: b.attrs.guest as string, ...str('ready'), ...str('login'), ...str('password') }
}

/** Find one section for a --from/--to query, or throw a helpful PlanError. */
export function findSection(runbook: Runbook, query: string): Section {
  const hits = matchSections(runbook, query)
  if (hits.length === 1) return hits[0]!
  if (hits.length > 1) throw new PlanError(`Section \`${query}\` is ambiguous: ${hits.map(sectionLabel).join(' | ')}`)
  const list = runbook.sections.map((s) => `  ${sectionLabel(s)}  (${s.id})`).join('\n')
  throw new PlanError(`No section \`${query}\`. Sections:\n${list}`)
}

function applySelection(runbook: Runbook, steps: Step[], sel: Selection): void {
  if (sel.only?.length) {
    const wanted = new Set(sel.only)
    for (const id of wanted) {
      if (!steps.some((s) => s.id === id)) throw new PlanError(`--only ${id}: no block with that name or id (see \`docrun list\`)`)
    }
    for (const s of steps) {
      if (!wanted.has(s.id)) s.skip ??= { kind: 'not-selected' }
      // A block named explicitly runs even when left out of full runs.
      else if (s.skip?.kind === 'exclude-from-run-all') delete s.skip
    }
    return
  }
  const indexOfSection = (query: string, edge: 'first' | 'last') => {
    // A block's name (`--from kernel`) starts or ends the range at that block.
    const named = steps.find((s) => s.id === query)
    if (named) return named.index
    const tree = sectionTree(runbook, findSection(runbook, query).id)
    const idx = steps.filter((s) => s.section && tree.has(s.section.id)).map((s) => s.index)
    if (!idx.length) throw new PlanError(`Section \`${query}\` has no blocks`)
    return edge === 'first' ? Math.min(...idx) : Math.max(...idx)
  }
  const from = sel.from ? indexOfSection(sel.from, 'first') : -Infinity
  const to = sel.to ? indexOfSection(sel.to, 'last') : Infinity
  for (const s of steps) if (s.index < from || s.index > to) s.skip ??= { kind: 'not-selected' }
}

/** `inputs=` and `inputs-exclude=` as the step's data. */
function inputsOf(paths: string, exclude: unknown): NonNullable<Step['inputs']> {
  const globs = typeof exclude === 'string' ? parseInputPaths(exclude).paths : []
  return { paths: parseInputPaths(paths).paths, ...(globs.length ? { exclude: globs } : {}) }
}
