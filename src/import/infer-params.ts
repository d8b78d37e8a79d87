// Placeholders become params. A document's commands leave some words to their reader —
// `$PATH_TO_LINUX_REPO`, `$YOUR_NAME`, `/path/to/linux-build`, `<module>`, `linux-X.Y`,
// `/dev/loopX` — which no earlier block defines. The import declares each as a param without a
// default (so a run stops before anything runs until `--set NAME=VALUE` gives it), with the
// document's line in its description, and writes the block with `"${NAME}"` where the word was.
// A `/dev/loopX` after the document's own `losetup -f` is left as it is: the value comes from
// the command (`losetup -f --show`), which lint and the drift report say.
import { parseDocument, Scalar } from 'yaml'
import { programOf, shellParser, type ShellScript } from '../syntax/shell.js'
import { LineEdits, looksLikeCommands, Reading, replaceContentLine, sameLine, type ProseBlock } from './prose.js'

interface Placeholder {
  /** Finds the placeholder in a line of shell (comments blanked). */
  find: RegExp
  /** The param's name for what it found. */
  name: (found: string) => string
  /** Only outside quotes. */
  unquoted?: boolean
}

const upper = (s: string) =>
  s
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase()

/** Written into the text: these are replaced by the param. */
const WORDS: Placeholder[] = [
  // `/path/to/linux-build/tools`: the placeholder is its first part, the rest is real.
  { find: /\/path\/to\/[\w.-]*[\w-]/g, name: (s) => upper(s) },
  { find: /(?<![$\w{])YOUR_[A-Z0-9_]*[A-Z0-9]/g, name: (s) => s },
  // `<name>`, `<intf name>` (not `<<EOF`, `<(…)`, `2>&1`); in quotes it is text for a person (`echo "Usage: $0 <dir>"`).
  { find: /(?<![<\w])<[A-Za-z][\w .-]*>(?![>\w])/g, name: (s) => upper(s.slice(1, -1)), unquoted: true },
  { find: /\b[xX]\.[yY]\.[zZ]\b/g, name: () => 'FULL_VERSION' },
  { find: /\b[xX]\.[yY]\b/g, name: () => 'VERSION' },
  { find: /\/dev\/loop[xX]\b/g, name: () => 'LOOP_DEVICE' },
]

const ANY_WORD = new RegExp(WORDS.map((w) => w.find.source).join('|'), 'g')

/** Expanded already (`$PATH_TO_X`): the name is the param's, nothing is rewritten. */
const EXPANDED = /^(?:PATH_TO_|YOUR_)\w+$/

export interface InferredParam {
  name: string
  /** The placeholder as the document writes it. */
  word: string
  /** The document's line (0 when not known) and the command there. */
  docLine: number
  command: string
}

/** Where a quote is open at `column` of `line` (the shell's rules for `'`, `"` and `\`). */
function quoteAt(line: string, column: number): '' | "'" | '"' {
  let q: '' | "'" | '"' = ''
  for (let i = 0; i < column; i++) {
    const c = line[i]
    if (q !== "'" && c === '\\') i++
    else if (q === '' && (c === "'" || c === '"')) q = c
    else if (c === q) q = ''
  }
  return q
}

/** The param's expansion in the quoting the placeholder stood in. */
function expansion(name: string, quote: '' | "'" | '"'): string {
  return quote === '"' ? `\${${name}}` : quote === "'" ? `'"\${${name}}"'` : `"\${${name}}"`
}

/** A `losetup -f`/`--find` in the script: the document's own command gives the loop device. */
function findsLoop(script: ShellScript, beforeLine: number): boolean {
  return script.commands.some((c) => {
    const p = programOf(c)
    return p?.name.literal === 'losetup' && c.at.line < beforeLine && p.args.some((a) => /^-\w*f|^--find$/.test(a.literal ?? ''))
  })
}

/** The block's lines with comments and quoted heredoc bodies blanked (they expand nothing). */
function searchable(script: ShellScript): string[] {
  const lines = script.text.split('\n')
  const blank = (line: number, from: number, to: number) => {
    const l = lines[line]!
    lines[line] = l.slice(0, from) + ' '.repeat(Math.max(0, to - from)) + l.slice(to)
  }
  for (const c of script.comments) if (c.at.line === c.end.line) blank(c.at.line, c.at.column, c.end.column)
  for (const h of script.heredocs) if (h.quoted) for (let l = h.at.line + 1; l < h.end.line; l++) blank(l, 0, lines[l]!.length)
  return lines
}

interface Context {
  edits: LineEdits
  docLineOf: (p: ProseBlock, line: number) => number
  found: Map<string, InferredParam>
  loopFound: boolean
}

/** One block's placeholders: replaced in the text, recorded as params; the block's comment says which. */
function inferInBlock(p: ProseBlock, script: ShellScript, defined: Set<string>, ctx: Context): void {
  const content = p.block.content.split('\n')
  const here: string[] = []
  const note = (name: string, word: string, line: number) => {
    if (!ctx.found.has(name)) ctx.found.set(name, { name, word, docLine: ctx.docLineOf(p, line), command: content[line]!.trim() })
    if (!here.includes(name)) here.push(name)
  }
  for (const e of script.expansions) if (EXPANDED.test(e.name) && !defined.has(e.name)) note(e.name, `$${e.name}`, e.at.line)
  searchable(script).forEach((line, k) => {
    let text = content[k]!
    let masked = line
    let changed = false
    for (const w of WORDS) {
      // Matches found in the line as it was; replaced from the right so earlier columns hold.
      const hits = [...masked.matchAll(w.find)].filter((m) => !(w.name(m[0]) === 'LOOP_DEVICE' && (ctx.loopFound || findsLoop(script, k + 1))))
      for (const m of hits.reverse()) {
        const name = w.name(m[0])
        const quote = quoteAt(text, m.index)
        if (!name || defined.has(name) || (w.unquoted && quote)) continue
        const rep = expansion(name, quote)
        text = text.slice(0, m.index) + rep + text.slice(m.index + m[0].length)
        // What was replaced is not searched again (`${PATH_TO_X}` holds no placeholder).
        masked = masked.slice(0, m.index) + ' '.repeat(rep.length) + masked.slice(m.index + m[0].length)
        changed = true
        note(name, m[0], k)
      }
    }
    if (changed) replaceContentLine(ctx.edits, p, k, text)
  })
  if (here.length)
    ctx.edits.comment(
      p.open,
      p.prefix,
      `${here.map((n) => `\`${ctx.found.get(n)!.word}\``).join(', ')}: the document leaves ${here.length > 1 ? 'these' : 'this'} to its reader; ` +
        `${here.length > 1 ? 'params' : 'param'} ${here.join(', ')} without a default (a run needs --set ${here[0]}=VALUE)`,
    )
}

/** The document line of each literal block, as the import recorded it (`imported-lines:`). */
function importedLines(markdown: string): number[] {
  const close = markdown.startsWith('---\n') ? markdown.indexOf('\n---\n', 3) : -1
  const lines = close < 0 ? undefined : (parseDocument(markdown.slice(4, close + 1)).toJS() as Record<string, unknown> | null)?.['imported-lines']
  return Array.isArray(lines) ? lines.map(Number) : []
}

/** The imported runbook with its placeholders as params (declared in the front matter, without a default). */
export async function inferParams(markdown: string, source?: string, reading?: Reading): Promise<{ text: string; params: InferredParam[] }> {
  const read = reading ?? new Reading(await shellParser())
  const starts = importedLines(markdown)
  const docLines = source?.split('\n') ?? []
  const lines = markdown.split('\n')
  // The line as the document writes it (a `$ ` prompt included), found from where its block starts.
  const docLineOf = (p: ProseBlock, k: number) => {
    const raw = lines[p.open + 1 + (p.block.prompted?.origins[k]?.line ?? k)]!.replace(/^[\s>]*/, '').trim()
    const from = Math.max(0, (starts[Number(p.block.attrs.mirrors) - 1] ?? 1) - 1)
    const at = docLines.findIndex((l, i) => i >= from && sameLine(l, raw))
    return at < 0 ? 0 : at + 1
  }
  const ctx: Context = { edits: new LineEdits(markdown), docLineOf, found: new Map(), loopFound: false }
  const defined = new Set<string>()
  for (const p of read.blocks(markdown)) {
    const a = p.block.attrs
    if (p.block.kind !== 'shell' || a.expect || a.check || a.file !== undefined) continue
    const script = read.shell(p.block.content)
    // A stack dump or an option table is no command line: its `<c12ba080>` is no placeholder.
    if (looksLikeCommands(read.shell, p.block.content, ANY_WORD)) inferInBlock(p, script, new Set([...defined, ...script.assigned]), ctx)
    for (const n of script.assigned) defined.add(n)
    if (typeof a.capture === 'string') defined.add(a.capture)
    ctx.loopFound ||= findsLoop(script, Infinity)
  }
  const params = [...ctx.found.values()]
  return { text: params.length ? withParams(ctx.edits.text(), params) : markdown, params }
}

function withParams(text: string, params: InferredParam[]): string {
  const close = text.indexOf('\n---\n', 3)
  if (!text.startsWith('---\n') || close < 0) return text
  const doc = parseDocument(text.slice(4, close + 1))
  const decls = Object.fromEntries(
    params.map((p) => [
      p.name,
      { description: `${p.docLine ? `document line ${p.docLine}` : 'the document'}: \`${p.command}\` (\`${p.word}\` is left to the reader)` },
    ]),
  )
  const key = new Scalar('params')
  key.comment = ' placeholders the document leaves to its reader: a run needs --set NAME=VALUE for each'
  doc.set(key, doc.createNode({ ...((doc.toJS() as { params?: object } | null)?.params ?? {}), ...decls }))
  const yaml = doc.toString({ lineWidth: 0, flowCollectionPadding: false, commentString: (c) => c.replace(/^(?!$)(?: $)?/gm, ' #') })
  return `---\n${yaml}${text.slice(close + 1)}`
}
