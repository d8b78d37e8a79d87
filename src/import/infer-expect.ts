// Expected output from the prose. A document that says "you should see the following:" (in
// Chinese "输出如下：", "应该看到：") before a literal block that follows a command block shows
// what that command prints: the import makes it the command's `{expect}`, so a run checks it.
// Where the document elides (`...`, `[...]`, "etc.") the expectation says `...` (or `.*` inside
// a line), and what changes from run to run (times, addresses, versions) becomes `(re)` lines,
// as the transcript writes them. Each such block is named in the front matter
// (`inferred-expect:`), which lint reports, and carries a comment saying why.
import { DEFAULT_RULES, expectLine, type VolatileRule } from '../checks/volatile.js'
import type { Block } from '../runbook/types.js'
import { shellParser } from '../syntax/shell.js'
import { addFrontMatter, LineEdits, looksLikeCommands, Reading, replaceContent, withAttrs, withLang } from './prose.js'

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
    const phrase = outputPhrase(p.lead)
    if (!prev || !phrase || !OUTPUT_LANGS.has(p.block.lang) || !p.block.content.trim() || p.block.prompted) return
    if (Object.keys(p.block.attrs).length || !isCommands(prev.block)) return
    found.push({ index: p.block.index, phrase })
    edits.set(p.open, withLang(edits.line(p.open), 'text'))
  })
  return { text: edits.text(), found }
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

/** After the other inferences: the found blocks become `{expect}` blocks, each with a comment saying why. */
export function markExpected(markdown: string, found: ExpectedBlock[], reading = new Reading()): string {
  if (!found.length) return markdown
  const blocks = reading.blocks(markdown)
  const edits = new LineEdits(markdown)
  const mirrors: number[] = []
  for (const f of found) {
    const p = blocks[f.index]!
    edits.set(p.open, withAttrs(edits.line(p.open), ['expect']))
    replaceContent(edits, p, expectedLines(p.block.content))
    edits.comment(
      p.open,
      p.prefix,
      `the expected output of the block before: the document introduces it as output ("${f.phrase}"); ` +
        '`...` and `(re)` lines where it elides or the output varies. Review it (`--no-infer-expect` leaves it as text)',
    )
    mirrors.push(f.index + 1)
  }
  return addFrontMatter(edits.text(), 'inferred-expect', mirrors, ' blocks (mirrors=N) taken as the expected output of the command before them')
}
