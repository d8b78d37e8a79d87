// Shell text read by a real parser, once per block, as plain data: the simple commands a script
// runs (with pipelines, lists, subshells and compound commands flattened), their words with the
// literal text where it is static, redirections and heredocs, the parameters it expands and the
// names it sets — each at its line and column in the text, so findings land where the runbook
// says them. Backslash continuations, quoting and heredocs are the parser's business.
//
// The parser is tree-sitter's bash grammar (tree-sitter-bash, WebAssembly through
// web-tree-sitter). sh-syntax (mvdan/sh as WebAssembly) was the first choice, but its JSON gives
// a statement's position only, no command names or words, and it instantiates a new WebAssembly
// module for every call. tree-sitter recovers from errors by itself, which documents need (their
// blocks are sometimes prose-like); what it could not read is reported as syntax problems.
//
// Loading the WebAssembly costs tens of milliseconds: it happens on the first `shellParser()`
// call, never at import, so commands that read no shell do not pay for it.
import { createRequire } from 'node:module'
import { setFlagsFromString } from 'node:v8'
import type { Node as TsNode, Parser as TsParser } from 'web-tree-sitter'

/** 0-based line within the parsed text; 0-based column in UTF-16 code units (JS string indices). */
export interface Place {
  line: number
  column: number
}

export interface ShellWord {
  /** The word as written (quotes and escapes included). */
  text: string
  /** Its value when nothing in it expands (quotes removed, escapes resolved). */
  literal?: string
  at: Place
  end: Place
}

export interface Heredoc {
  delimiter: string
  /** A quoted delimiter (`<<'EOF'`): nothing in the body expands. */
  quoted: boolean
  body: string
  at: Place
  end: Place
}

export interface Redirect {
  /** `>`, `>>`, `<`, `2>&1`'s `>&`, `<<`, `<<-`, `<<<`, ... */
  op: string
  fd?: string
  target?: ShellWord
  heredoc?: Heredoc
  at: Place
}

export interface Assignment {
  name: string
  value?: ShellWord
  at: Place
}

export interface SimpleCommand {
  /** The command word (absent for a bare `X=1`). */
  name?: ShellWord
  args: ShellWord[]
  /** `X=1 cmd`: assignments before the command word. */
  assignments: Assignment[]
  redirects: Redirect[]
  at: Place
  end: Place
  /** Runs in a child shell: in a subshell, a command substitution or a pipeline of several. */
  inSubshell: boolean
  /** Part of a pipeline that feeds it its standard input. */
  piped: boolean
  /** The only command of its top-level statement (no list, pipeline or redirection around it). */
  alone: boolean
}

export interface Expansion {
  /** `$X`, `${X}`, `${X:-d}`: the parameter's name. */
  name: string
  at: Place
  /** `${X:-d}`, `${X-d}`, `${X:=d}`, `${X:+a}`: written for a parameter that may be unset. */
  hasDefault: boolean
}

export interface FunctionDefinition {
  name: string
  /** The definition's text, `name() { ... }` up to its closing brace. */
  text: string
  at: Place
}

export interface SyntaxProblem {
  at: Place
  message: string
}

export interface ShellScript {
  text: string
  commands: SimpleCommand[]
  expansions: Expansion[]
  /** Names the script assigns, declares, exports, unsets, reads or loops over. */
  assigned: Set<string>
  heredocs: Heredoc[]
  /** Names of the shell functions the script defines. */
  functions: Set<string>
  /** The function definitions among the script's own top-level statements, as written (not one inside an `if` or another function). */
  definitions: FunctionDefinition[]
  comments: { at: Place; end: Place; text: string }[]
  /** What the parser could not read; empty for valid shell. */
  problems: SyntaxProblem[]
  /** Some lines were read one by one: the whole text is not valid shell. */
  tolerant: boolean
}

export type ParseShell = (text: string) => ShellScript

let loading: Promise<ParseShell> | undefined

/** The parser, loaded on the first call (its WebAssembly compiled once per process). */
export function shellParser(): Promise<ParseShell> {
  return (loading ??= load())
}

async function load(): Promise<ParseShell> {
  // The grammar is 1.3 MB of WebAssembly: V8's optimizing tier spends about 0.8 s of CPU on it
  // in background threads (a lint of s390-bpf.md took 1.9 s of CPU instead of 0.8). Its
  // baseline compiler alone is fast enough for a parse per block. docrun runs no other
  // WebAssembly, so the process-wide flag costs nothing else.
  setFlagsFromString('--liftoff-only')
  const { Parser, Language } = await import('web-tree-sitter')
  await Parser.init()
  const wasm = createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm')
  const parser = new Parser()
  parser.setLanguage(await Language.load(wasm))
  return (text) => parseWith(parser, text)
}

function parseWith(parser: TsParser, text: string): ShellScript {
  const whole = readTree(parser, text, 0)
  if (!whole.problems.length) return whole
  // Tolerant: keep what tree-sitter read outside its errors, and read each line an error
  // covers on its own, so one prose-like line does not hide the commands around it.
  const out: ShellScript = { ...whole, tolerant: true }
  const lines = text.split('\n')
  for (const line of whole.errorLines) {
    const piece = readTree(parser, lines[line]!, line)
    if (piece.problems.length) continue
    const elsewhere = (x: { at: Place }) => x.at.line !== line
    out.commands = out.commands.filter(elsewhere)
    out.expansions = out.expansions.filter(elsewhere)
    out.commands.push(...piece.commands)
    out.expansions.push(...piece.expansions)
    out.heredocs.push(...piece.heredocs)
    out.comments.push(...piece.comments)
    for (const n of piece.assigned) out.assigned.add(n)
    for (const n of piece.functions) out.functions.add(n)
    out.definitions.push(...piece.definitions)
  }
  const order = (a: { at: Place }, b: { at: Place }) => a.at.line - b.at.line || a.at.column - b.at.column
  out.commands.sort(order)
  out.expansions.sort(order)
  out.definitions.sort(order)
  return out
}

/** One parse, as plain data; `lineBase` shifts every line (a single line read on its own). */
function readTree(parser: TsParser, text: string, lineBase: number): ShellScript & { errorLines: number[] } {
  const tree = parser.parse(text)
  if (!tree) throw new Error('the shell parser returned no tree')
  try {
    const reader = new Reader(text, lineBase)
    reader.visit(tree.rootNode, { inSubshell: false, piped: false, topLevel: true })
    const order = (a: { at: Place }, b: { at: Place }) => a.at.line - b.at.line || a.at.column - b.at.column
    reader.commands.sort(order)
    reader.expansions.sort(order)
    return { text, ...reader.result(), tolerant: false, errorLines: [...reader.errorLines] }
  } finally {
    tree.delete()
  }
}

interface Where {
  inSubshell: boolean
  piped: boolean
  /** Directly in the script's statement list. */
  topLevel: boolean
}

/** Walks one tree, collecting the plain data. */
class Reader {
  commands: SimpleCommand[] = []
  expansions: Expansion[] = []
  assigned = new Set<string>()
  heredocs: Heredoc[] = []
  functions = new Set<string>()
  definitions: FunctionDefinition[] = []
  comments: ShellScript['comments'] = []
  problems: SyntaxProblem[] = []
  errorLines = new Set<number>()

  constructor(
    readonly text: string,
    readonly lineBase: number,
  ) {}

  result() {
    const { commands, expansions, assigned, heredocs, functions, definitions, comments, problems } = this
    return { commands, expansions, assigned, heredocs, functions, definitions, comments, problems }
  }

  place(p: { row: number; column: number }): Place {
    return { line: p.row + this.lineBase, column: p.column }
  }

  visit(node: TsNode, where: Where): void {
    if (node.isError || node.isMissing) return this.problem(node)
    switch (node.type) {
      case 'comment':
        this.comments.push({ at: this.place(node.startPosition), end: this.place(node.endPosition), text: node.text })
        return
      case 'command':
        return this.command(node, [], where)
      case 'redirected_statement':
        return this.redirected(node, where)
      case 'subshell':
      case 'command_substitution':
      case 'process_substitution':
        return this.children(node, { inSubshell: true, piped: false, topLevel: false })
      case 'pipeline': {
        const parts = node.namedChildren.filter((c): c is TsNode => !!c && c.type !== 'comment')
        parts.forEach((c, i) => this.visit(c, { inSubshell: where.inSubshell || parts.length > 1, piped: i > 0, topLevel: false }))
        return
      }
      case 'variable_assignment':
        this.name(node.childForFieldName('name'))
        return this.children(node, { ...where, topLevel: false })
      case 'declaration_command':
      case 'unset_command':
        return this.declaration(node, where)
      case 'function_definition': {
        const name = node.childForFieldName('name')
        if (name) this.functions.add(name.text)
        if (name && where.topLevel) this.definitions.push({ name: name.text, text: node.text, at: this.place(node.startPosition) })
        return this.children(node, { ...where, topLevel: false })
      }
      case 'for_statement':
        this.name(node.childForFieldName('variable'))
        return this.children(node, { ...where, topLevel: false })
      case 'simple_expansion':
      case 'expansion':
        this.expansion(node)
        return this.children(node, { ...where, topLevel: false })
      case 'heredoc_redirect':
        this.heredoc(node)
        return this.heredocTail(node, where)
      case 'program':
        return this.children(node, where)
      default:
        return this.children(node, { ...where, topLevel: false })
    }
  }

  children(node: TsNode, where: Where): void {
    for (const c of node.children) if (c) this.visit(c, where)
  }

  problem(node: TsNode): void {
    const at = this.place(node.startPosition)
    const text = node.text.trim() ? `cannot read \`${firstLine(node.text)}\` as shell` : 'unexpected end of the text'
    const what = node.isMissing ? `expected \`${node.type}\`` : text
    this.problems.push({ at, message: what })
    for (let l = node.startPosition.row; l <= node.endPosition.row; l++) this.errorLines.add(l + this.lineBase)
  }

  /** `cmd <<EOF`, `cmd > f`: the redirections belong to the command they follow. */
  redirected(node: TsNode, where: Where): void {
    const body = node.childForFieldName('body')
    const redirects = node.childrenForFieldName('redirect').filter((r): r is TsNode => !!r)
    for (const r of redirects) this.visit(r, { ...where, topLevel: false })
    const read = redirects.flatMap((r) => this.redirect(r))
    // `cat <<EOF | sh`: the grammar keeps the rest of the line inside the heredoc's node.
    const piped = redirects.some((r) => r.type === 'heredoc_redirect' && r.children.some((c) => c?.type === 'pipeline'))
    const inner = { ...where, inSubshell: where.inSubshell || piped }
    if (body?.type === 'command') this.command(body, read, inner)
    else if (body) this.visit(body, { ...inner, topLevel: false })
  }

  /** What follows a heredoc's start on its line: `| cmd` (piped into) or `&& cmd`. */
  heredocTail(node: TsNode, where: Where): void {
    const next = { ...where, topLevel: false }
    for (const c of node.children) {
      if (!c || c.type === 'heredoc_body') continue
      if (c.type !== 'pipeline') {
        this.visit(c, next)
        continue
      }
      const parts = c.namedChildren.filter((p): p is TsNode => !!p)
      parts.forEach((p, i) => {
        const into = { inSubshell: true, piped: true, topLevel: false }
        // `cat <<EOF | sh && echo`: the list after the pipe starts with the piped command.
        if (i === 0 && p.type === 'list') p.namedChildren.forEach((q, j) => q && this.visit(q, j === 0 ? into : next))
        else this.visit(p, i === 0 ? into : { ...into, piped: true })
      })
    }
    const body = node.children.find((c) => c?.type === 'heredoc_body')
    if (body) this.visit(body, next)
  }

  command(node: TsNode, redirects: Redirect[], where: Where): void {
    const nameNode = node.childForFieldName('name')
    const assignments: Assignment[] = []
    const args: ShellWord[] = []
    const own: Redirect[] = []
    for (const c of node.namedChildren) {
      if (!c) continue
      // Words hold expansions and command substitutions of their own (and assignments their names).
      this.visit(c, { inSubshell: where.inSubshell, piped: false, topLevel: false })
      if (c.type === 'variable_assignment') {
        const value = c.childForFieldName('value')
        assignments.push({ name: c.childForFieldName('name')?.text ?? '', ...(value ? { value: this.word(value) } : {}), at: this.place(c.startPosition) })
      } else if (c.type.endsWith('_redirect')) own.push(...this.redirect(c))
      else if (c.type !== 'command_name' && c.type !== 'comment' && c.startIndex >= (nameNode?.endIndex ?? 0)) args.push(this.word(c))
    }
    const name = nameNode ? this.word(nameNode.firstNamedChild ?? nameNode) : undefined
    const alone = where.topLevel && !redirects.length
    const span = { at: this.place(node.startPosition), end: this.place(node.endPosition) }
    const { inSubshell, piped } = where
    this.commands.push({ ...(name ? { name } : {}), args, assignments, redirects: [...own, ...redirects], ...span, inSubshell, piped, alone })
    if (name?.literal === 'read' || name?.literal === 'mapfile' || name?.literal === 'readarray') {
      for (const a of args) if (a.literal && /^[A-Za-z_]\w*$/.test(a.literal)) this.assigned.add(a.literal)
    }
  }

  /** `export A=1 B`, `local C`, `unset D`: builtins the grammar gives nodes of their own. */
  declaration(node: TsNode, where: Where): void {
    for (const c of node.namedChildren) if (c?.type === 'variable_name') this.name(c)
    this.children(node, { ...where, topLevel: false })
    const keyword = node.firstChild
    if (!keyword) return
    const args = node.namedChildren.filter((c): c is TsNode => !!c && c.type !== 'comment').map((c) => this.word(c))
    const name: ShellWord = { text: keyword.text, literal: keyword.text, at: this.place(keyword.startPosition), end: this.place(keyword.endPosition) }
    const span = { at: this.place(node.startPosition), end: this.place(node.endPosition) }
    this.commands.push({ name, args, assignments: [], redirects: [], ...span, inSubshell: where.inSubshell, piped: where.piped, alone: where.topLevel })
  }

  name(node: TsNode | null): void {
    if (node && /^[A-Za-z_]\w*$/.test(node.text)) this.assigned.add(node.text)
  }

  expansion(node: TsNode): void {
    const v = node.namedChildren.find((c) => c?.type === 'variable_name')
    // `$1`, `$@`, `$$` are the shell's own.
    if (!v || !/^[A-Za-z_]\w*$/.test(v.text)) return
    // `${#X}` counts X; `${X:-d}` and its kin are written for a parameter that may be unset.
    const ops = node.children.filter((c): c is TsNode => !!c && !c.isNamed).map((c) => c.type)
    const hasDefault = ops.some((o) => [':-', '-', ':=', '=', ':+', '+'].includes(o))
    this.expansions.push({ name: v.text, at: this.place(node.startPosition), hasDefault })
  }

  heredoc(node: TsNode): void {
    const start = node.children.find((c) => c?.type === 'heredoc_start')
    const body = node.children.find((c) => c?.type === 'heredoc_body')
    if (!start) return
    const delimiter = start.text.replace(/^(['"])(.*)\1$/, '$2').replace(/\\/g, '')
    const at = this.place((body ?? start).startPosition)
    this.heredocs.push({ delimiter, quoted: /['"\\]/.test(start.text), body: body?.text ?? '', at, end: this.place(node.endPosition) })
  }

  redirect(node: TsNode): Redirect[] {
    const at = this.place(node.startPosition)
    const fd = node.childForFieldName('descriptor')?.text
    const op = node.children.find((c) => c && !c.isNamed)?.type ?? ''
    const dest = node.childForFieldName('destination') ?? node.namedChildren.find((c) => c && c.type !== 'file_descriptor' && !c.type.startsWith('heredoc'))
    const out: Redirect = { op, at, ...(fd ? { fd } : {}), ...(dest && node.type !== 'heredoc_redirect' ? { target: this.word(dest) } : {}) }
    if (node.type === 'heredoc_redirect') {
      const doc = this.heredocs.find((h) => h.at.line > at.line || (h.at.line === at.line && h.at.column >= at.column))
      if (doc) out.heredoc = doc
      // `cat <<EOF > f`: the grammar nests the file redirection in the heredoc's.
      return [out, ...node.namedChildren.filter((c): c is TsNode => c?.type === 'file_redirect').flatMap((c) => this.redirect(c))]
    }
    return [out]
  }

  word(node: TsNode): ShellWord {
    const literal = literalOf(node)
    return { text: node.text, ...(literal !== undefined ? { literal } : {}), at: this.place(node.startPosition), end: this.place(node.endPosition) }
  }
}

/** A word's value when nothing in it expands. */
function literalOf(node: TsNode): string | undefined {
  switch (node.type) {
    case 'word':
    case 'number':
    case 'command_name':
      if (node.type === 'command_name' && node.firstNamedChild) return literalOf(node.firstNamedChild)
      return node.namedChildCount ? undefined : node.text.replace(/\\\n/g, '').replace(/\\(.)/g, '$1')
    case 'raw_string':
      return node.text.slice(1, -1)
    case 'string': {
      const parts = node.namedChildren
      if (parts.some((p) => p?.type !== 'string_content')) return undefined
      // Inside double quotes a backslash escapes only $ ` " \ and the newline (a continuation).
      return parts.map((p) => p!.text.replace(/\\\n/g, '').replace(/\\([$`"\\])/g, '$1')).join('')
    }
    case 'variable_assignment': {
      const name = node.childForFieldName('name')?.text
      const value = node.childForFieldName('value')
      const v = value ? literalOf(value) : ''
      return name !== undefined && v !== undefined ? `${name}=${v}` : undefined
    }
    case 'concatenation': {
      const parts = node.namedChildren.map((p) => (p ? literalOf(p) : undefined))
      return parts.every((p) => p !== undefined) ? parts.join('') : undefined
    }
    default:
      return undefined
  }
}

function firstLine(s: string): string {
  const line = s.trim().split('\n')[0]!
  return line.length > 40 ? `${line.slice(0, 40)}…` : line
}

/** Prefixes that run the words after them as a command: `sudo make` runs make. */
const WRAPPERS = new Set(['sudo', 'env', 'nohup', 'nice', 'exec', 'command', 'time', 'stdbuf', 'chrt', 'ionice'])
/** Options of sudo that take a value (`sudo -u nobody make`). */
const SUDO_VALUE_OPTIONS = new Set(['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-U'])

/**
 * The program a command runs and its arguments, past wrappers (`sudo -u nobody`, `env X=1`,
 * `nohup`, `time`): `sudo -u nobody make -C linux` runs `make` with `-C linux`. `via` lists the
 * wrappers passed (`sudo`), in order.
 */
export function programOf(cmd: SimpleCommand): { name: ShellWord; args: ShellWord[]; via: string[] } | undefined {
  if (!cmd.name) return undefined
  const words = [cmd.name, ...cmd.args]
  const via: string[] = []
  let k = 0
  while (k < words.length && WRAPPERS.has(words[k]!.literal ?? '')) {
    const wrapper = words[k]!.literal!
    via.push(wrapper)
    k++
    while (k < words.length) {
      const w = words[k]!.literal ?? ''
      if (wrapper === 'sudo' && SUDO_VALUE_OPTIONS.has(w)) k += 2
      else if (w.startsWith('-') || (wrapper === 'env' && /^\w+=/.test(w))) k++
      else break
    }
  }
  const name = words[k]
  // `command -v make` asks where make is; it does not run it.
  if (via.at(-1) === 'command' && words.slice(1, k).some((w) => /^-[vV]$/.test(w.literal ?? ''))) return undefined
  return name ? { name, args: words.slice(k + 1), via } : undefined
}

/** `chroot DIR`, `ssh HOST`: the program, its options, one operand, and nothing else in the statement. */
export function isBare(cmd: SimpleCommand, program: string): boolean {
  const p = programOf(cmd)
  if (!cmd.alone || p?.name.literal !== program) return false
  const operands = p.args.filter((a) => !a.text.startsWith('-'))
  return operands.length === 1 && p.args.at(-1) === operands[0]
}

/** Builtins and keywords: words that start a command but name no program on the PATH. */
const BUILTINS = new Set(
  (
    'for case in function select [[ ]] if then else elif fi while until do done esac { } ! ' +
    'cd echo export set unset source . test [ true false printf read exit return local eval wait trap shift alias type hash ' +
    'ulimit umask pwd kill jobs bg fg exec command builtin declare typeset let readonly getopts break continue : mapfile readarray'
  ).split(' '),
)

export function isBuiltin(name: string): boolean {
  return BUILTINS.has(name)
}

/** The place of the character `offset` of a word's text (which may span lines). */
export function placeIn(word: ShellWord, offset: number): Place {
  const before = word.text.slice(0, offset)
  const nl = before.lastIndexOf('\n')
  if (nl < 0) return { line: word.at.line, column: word.at.column + offset }
  return { line: word.at.line + before.split('\n').length - 1, column: offset - nl - 1 }
}

/** A command's text on one line, as the shell reads its backslash continuations (one space). */
export function oneLine(text: string): string {
  return text.replace(/\s*\\\n\s*/g, ' ')
}

/** The lines `from` to `to` of a script's text (a command continued over several, say). */
export function linesOf(script: ShellScript, from: number, to: number): string {
  return script.text
    .split('\n')
    .slice(from, to + 1)
    .join('\n')
}

/**
 * The functions `script` defines at its top level, as written: what a POSIX sh session replays
 * after the block, having no `declare -f` to dump them (shell/sh-protocol.ts). Most blocks define
 * none, so the parser (WebAssembly, loaded on first use) reads only a text that may.
 */
export async function topLevelFunctions(script: string): Promise<FunctionDefinition[]> {
  if (!/\(\s*\)|\bfunction\s/.test(script)) return []
  return (await shellParser())(script).definitions
}
