// Expected output from the prose. A document that says "you should see the following:" (in
// Chinese "输出如下：", "应该看到：") before a literal block that follows a command block shows
// what that command prints: the import makes it the command's `{expect}`, so a run checks it.
// Where the document elides (`...`, `[...]`, "etc.") the expectation says `...` (or `.*` inside
// a line), and what changes from run to run (times, addresses, versions) becomes `(re)` lines,
// as the transcript writes them. Each such block is named in the front matter
// (`inferred-expect:`), which lint reports, and carries a comment saying why.
// A `$ `-prompted block shows its output under its commands (`$ pytest --version` then
// `pytest 7.2.1`): that output becomes an `{expect}` block added after it, the block itself as it was.
import { DEFAULT_RULES, expectLine, type VolatileRule } from '../checks/volatile.js'
import type { Block } from '../runbook/types.js'
import { shellParser } from '../syntax/shell.js'
import { addFrontMatter, LineEdits, looksLikeCommands, Reading, replaceContent, withAttrs, withLang, type ProseBlock } from './prose.js'

/** Words that introduce output, as the documents write them (English and Chinese). */
const OUTPUT_WORDS =
  /\b(?:you should see|you will see|you'll see|you should get|the output is|the output should be|the output will be|output (?:looks|will look|should look) like|prints|will print|will look like|should look like|looks like this|(?:example|sample|typical) output|output similar to)\b|输出|应该看到|应当看到|会看到|将看到|显示如下/iu

/** Languages a block of output can have in an imported document (pandoc's filter marks bare `::` blocks sh). */
const OUTPUT_LANGS = new Set(['', 'sh', 'text', 'txt', 'none', 'console', 'output'])

/** The last sentence of a paragraph (for Chinese, its last clause): what introduces the block. */
function lastClause(lead: string): string {
  const sentences = lead.split(/(?<=[.!?])\s+|(?<=[。！？])/u).filter((s) => s.trim())
  // An aside in parentheses ("(as the example output shows)") introduces nothing.
  const last = (sentences.at(-1) ?? '').replace(/\([^)]*\)|（[^）]*）/gu, ' ')
  return /[\u4e00-\u9fff]/u.test(last) ? (last.split(/[，；]/u).at(-1) ?? last) : last
}

/** The phrase that introduces `lead`'s block as output, if it does (the paragraph ends in a colon). */
export function outputPhrase(lead: string): string | undefined {
  if (!/[:：]\s*$/u.test(lead)) return undefined
  return OUTPUT_WORDS.exec(lastClause(lead))?.[0]
}

export interface ExpectedBlock {
  /** The block's index among the runbook's fenced blocks. */
  index: number
  phrase: string
  /** The output shown under the block's own `$ ` prompts: the expectation is added after it. */
  shown?: boolean
}

/**
 * Which blocks are output the document shows for the command block before them. The text comes
 * back with those blocks' language made `text`, so that nothing after this reads them as commands.
 */
export async function findExpected(markdown: string, reading?: Reading): Promise<{ text: string; found: ExpectedBlock[] }> {
  const read = reading ?? new Reading(await shellParser())
  const isCommands = (b: Block) => {
    if (b.kind !== 'shell' || b.attrs.expect || b.attrs.check || b.attrs.file !== undefined) return false
    return looksLikeCommands(read.shell, b.content)
  }
  const edits = new LineEdits(markdown)
  const found: ExpectedBlock[] = []
  const blocks = read.blocks(markdown)
  blocks.forEach((p, i) => {
    const prev = blocks[i - 1]
    if (showsOutput(p.block) && isCommands(p.block)) return found.push({ index: p.block.index, phrase: 'output under its prompts', shown: true })
    const phrase = outputPhrase(p.lead)
    if (!prev || !phrase || !OUTPUT_LANGS.has(p.block.lang) || !p.block.content.trim() || p.block.prompted) return
    if (Object.keys(p.block.attrs).length || !isCommands(prev.block)) return
    found.push({ index: p.block.index, phrase })
    edits.set(p.open, withLang(edits.line(p.open), 'text'))
  })
  return { text: edits.text(), found }
}

/** A prompted shell block that shows output under its commands (and nothing says more about it). */
function showsOutput(b: Block): boolean {
  const attrs = Object.keys(b.attrs).filter((k) => k !== 'mirrors')
  return b.kind === 'shell' && !attrs.length && !!b.prompted?.output.length
}

/**
 * The output a prompted block shows, as written: its lines that are not commands, blank lines
 * inside it kept (program output has them), those at its ends and before a prompt left out.
 */
function shownOutput(lines: string[], p: ProseBlock): string[] {
  const commands = new Set(p.block.prompted!.origins.map((o) => o.line))
  const body = lines.slice(p.open + 1, p.close).map((l) => (l.startsWith(p.prefix) ? l.slice(p.prefix.length) : l.replace(/^[\s>]*/, '')))
  const out: string[] = []
  body.forEach((line, k) => {
    if (commands.has(k)) {
      while (out.length && !out.at(-1)!.trim()) out.pop()
    } else if (line.trim() || out.length) out.push(line)
  })
  while (out.length && !out.at(-1)!.trim()) out.pop()
  return out
}

/** A line the document leaves out stands alone: `...`, `[...]`, `etc.`. */
const ELIDED_LINE = /^\s*(?:\.{3,}|…+|\[\s*(?:\.{3}|…)\s*\]|\(\s*(?:\.{3}|…)\s*\)|etc\.?)\s*$/iu

/** Inside a line: what the document leaves out there, then placeholders for values (`XXX`), then what varies between runs. */
const RULES: VolatileRule[] = [
  { find: /\s*(?:\[\s*(?:\.{3}|…)\s*\]|\.{3,}|…)\s*|,?\s+etc\.?\s*$/gu, as: '.*' },
  { find: /\bX{3,}\b/g, as: '\\S+' },
  ...DEFAULT_RULES,
  // Versions: a kernel's, a compiler's, a package's (6.1.0-13-amd64, 12.2.0, 3.8.0-rc4-dbg+).
  { find: /\b\d+(?:\.\d+)+(?:[-+~][0-9A-Za-z][\w.+~-]*)?/g, as: '\\d+(?:\\.\\d+)+(?:[-+~][\\w.+~-]*)?' },
]

/** The document's output as `{expect}` lines. */
export function expectedLines(content: string): string[] {
  return content.split('\n').map((line) => (ELIDED_LINE.test(line) ? '...' : expectLine(line, RULES)))
}

/**
 * After every other inference (the blocks it adds would move the others' indices): the output
 * shown under a prompted block's commands as an `{expect}` block after it, with a comment.
 */
export function addShownExpected(markdown: string, found: ExpectedBlock[], reading = new Reading()): string {
  const shown = found.filter((f) => f.shown)
  if (!shown.length) return markdown
  const blocks = reading.blocks(markdown)
  const lines = markdown.split('\n')
  const edits = new LineEdits(markdown)
  for (const f of shown) addShownExpect(edits, blocks[f.index]!, expectedLines(shownOutput(lines, blocks[f.index]!).join('\n')))
  return edits.text()
}

function addShownExpect(edits: LineEdits, p: ProseBlock, expected: string[]): void {
  const fence = /^[\s>]*(`{3,}|~{3,})/.exec(edits.line(p.open))![1]!
  const why =
    'the expected output of the block before: the document shows it under the `$ ` (or `% `) prompts of that block; ' +
    '`...` and `(re)` lines where it elides or the output varies. Review it (`--no-infer-expect` leaves it unchecked)'
  const mirrors = p.block.attrs.mirrors === undefined ? '' : ` mirrors=${String(p.block.attrs.mirrors)}`
  edits.insertAfter(p.close, [
    '',
    `${p.prefix}<!-- docrun import: ${why} -->`,
    `${p.prefix}${fence}text {expect${mirrors}}`,
    ...expected.map((l) => (l ? `${p.prefix}${l}` : p.prefix.trimEnd())),
    `${p.prefix}${fence}`,
  ])
}

/** After the other inferences: the found blocks become `{expect}` blocks, each with a comment saying why. */
export function markExpected(markdown: string, found: ExpectedBlock[], reading = new Reading()): string {
  if (!found.length) return markdown
  const blocks = reading.blocks(markdown)
  const edits = new LineEdits(markdown)
  const mirrors: number[] = []
  for (const f of found) {
    const p = blocks[f.index]!
    mirrors.push(Number(p.block.attrs.mirrors ?? f.index + 1))
    // Added last (addShownExpected), when no inference reads blocks by index any more.
    if (f.shown) continue
    edits.set(p.open, withAttrs(edits.line(p.open), ['expect']))
    replaceContent(edits, p, expectedLines(p.block.content))
    edits.comment(
      p.open,
      p.prefix,
      `the expected output of the block before: the document introduces it as output ("${f.phrase}"); ` +
        '`...` and `(re)` lines where it elides or the output varies. Review it (`--no-infer-expect` leaves it as text)',
    )
  }
  return addFrontMatter(edits.text(), 'inferred-expect', mirrors, ' blocks (mirrors=N) taken as the expected output of the command before them')
}
