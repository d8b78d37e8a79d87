// What an imported document says around its literal blocks: the sentence that introduces a
// block ("you should see the following:", "Create a file `x.c` with:") and the one after it
// ("… to ~/.gdbinit."). The inferences that read the prose (expected output, files,
// placeholders) share this view of the runbook pandoc made, and its way of editing a fence.
import { parseDocument } from 'yaml'
import { parseRunbook } from '../runbook/parse.js'
import type { ParseShell, ShellScript } from '../syntax/shell.js'
import type { Block, Runbook } from '../runbook/types.js'

export interface ProseBlock {
  block: Block
  /** 0-based line of the opening and the closing fence in the runbook text. */
  open: number
  close: number
  /** What stands before the fence on its line: indentation and `>` quote markers. */
  prefix: string
  /** The paragraph just before the block (after the previous block), as one line of plain text; '' when none. */
  lead: string
  /** The paragraph just after the block (before the next one). */
  tail: string
}

/** A paragraph as one line: quote markers, list markers and HTML comments out, whitespace folded. */
function paragraphText(lines: string[]): string {
  return (
    lines
      .map((l) => l.replace(/^\s*(?:>\s?)*/, '').replace(/^(?:[-*+]|\d+[.)])\s+/, ''))
      .join(' ')
      .replace(/<!--[\s\S]*?-->/g, ' ')
      // pandoc's Markdown escapes (`\~/.gdbinit`, `\>=4K`): the prose as the document wrote it.
      .replace(/\\([!-/:-@[-`{-~])/g, '$1')
      .replace(/\s+/g, ' ')
      .trim()
  )
}

/** The paragraphs of the lines between two blocks (blank lines separate them). */
function paragraphs(lines: string[]): string[] {
  const out: string[][] = [[]]
  for (const l of lines) {
    if (/^\s*(?:>\s*)*$/.test(l)) out.push([])
    else if (!/^\s*(?:>\s*)*<!--.*-->\s*$/.test(l)) out.at(-1)!.push(l)
  }
  return out.filter((p) => p.length).map(paragraphText)
}

/**
 * One import's reading of its texts. Each inference reads the runbook pandoc made, and most of
 * its blocks' shell, again: parsing Markdown (micromark) and shell (tree-sitter) four or five
 * times over was most of an import's CPU (three quarters of it across the kernel's
 * Documentation/). Each text is read once here; an inference that changes the text makes a new
 * one. What it hands out is shared: its readers never change it.
 */
export class Reading {
  private readonly runbooks = new Map<string, Runbook>()
  private readonly prose = new Map<string, ProseBlock[]>()
  private readonly scripts = new Map<string, ShellScript>()
  /** `parseShell`: the shell parser (`shellParser()`), for the inferences that read commands. */
  constructor(private readonly parseShell?: ParseShell) {}

  runbook(markdown: string): Runbook {
    // Blocks only: the prose around them is read from its lines (`lead`, `tail`), not from the tree.
    return memo(this.runbooks, markdown, () => parseRunbook(markdown, 'imported.md', { inline: false }).runbook)
  }

  blocks(markdown: string): ProseBlock[] {
    return memo(this.prose, markdown, () => proseBlocksOf(this.runbook(markdown), markdown))
  }

  /** A block's shell, parsed once (a ParseShell). */
  readonly shell: ParseShell = (text) => {
    if (!this.parseShell) throw new Error('Reading: no shell parser given')
    return memo(this.scripts, text, () => this.parseShell!(text))
  }
}

function memo<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let value = cache.get(key)
  if (value === undefined) cache.set(key, (value = make()))
  return value
}

/**
 * A document's line as pandoc gives it back, to find it in the document: pandoc expands tabs
 * (`INO\t\tDONE` comes back as `INO     DONE`), so runs of whitespace count as one.
 */
export const sameLine = (a: string, b: string): boolean => a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim()

/** Every fenced block of a runbook with the prose around it. */
export function proseBlocks(markdown: string, reading: Reading = new Reading()): ProseBlock[] {
  return reading.blocks(markdown)
}

function proseBlocksOf(runbook: Runbook, markdown: string): ProseBlock[] {
  const lines = markdown.split('\n')
  const spans = runbook.blocks.map((b) => ({ block: b, open: b.position.start.line - 1, close: b.position.end.line - 1 }))
  return spans.map((s, i) => {
    const before = lines.slice(i ? spans[i - 1]!.close + 1 : 0, s.open)
    const after = lines.slice(s.close + 1, i + 1 < spans.length ? spans[i + 1]!.open : lines.length)
    // Headings end what a sentence can introduce.
    const cut = (ls: string[], fromEnd: boolean) => {
      const h = fromEnd ? ls.findLastIndex((l) => /^#{1,6}\s/.test(l)) : ls.findIndex((l) => /^#{1,6}\s/.test(l))
      return h < 0 ? ls : fromEnd ? ls.slice(h + 1) : ls.slice(0, h)
    }
    return {
      ...s,
      prefix: /^[\s>]*/.exec(lines[s.open]!)![0],
      lead: paragraphs(cut(before, true)).at(-1) ?? '',
      tail: paragraphs(cut(after, false))[0] ?? '',
    }
  })
}

/** A fence line with more attributes in its braces (or braces of its own). */
export function withAttrs(fence: string, attrs: string[]): string {
  if (!attrs.length) return fence
  const m = /^(.*?)\s*\{(.*)\}\s*$/.exec(fence)
  if (m && /^[\s>]*(?:`{3,}|~{3,})/.test(m[1]!)) return `${m[1]} {${[m[2]!.trim(), ...attrs].filter(Boolean).join(' ')}}`
  return `${fence.trimEnd()} {${attrs.join(' ')}}`
}

/** A fence line with another language (pandoc's `` ``` sh `` spacing included). */
export function withLang(fence: string, lang: string): string {
  return fence.replace(/^([\s>]*(?:`{3,}|~{3,}))\s*[\w+-]*/, `$1${lang}`)
}

/** Edits to a runbook text by line: fence rewrites, comments before a fence, content replaced. */
export class LineEdits {
  private readonly lines: string[]
  private readonly before = new Map<number, string[]>()
  private readonly after = new Map<number, string[]>()
  constructor(text: string) {
    this.lines = text.split('\n')
  }
  line(i: number): string {
    return this.lines[i]!
  }
  set(i: number, text: string): void {
    this.lines[i] = text
  }
  /** A `<!-- docrun import: … -->` comment on the line before `i`, with the fence's prefix. */
  comment(i: number, prefix: string, why: string): void {
    this.before.set(i, [...(this.before.get(i) ?? []), `${prefix}<!-- docrun import: ${why.replace(/-->/g, '- ->')} -->`])
  }
  /** Lines after line `i` (a block the import adds after a fence's closing line). */
  insertAfter(i: number, lines: string[]): void {
    this.after.set(i, [...(this.after.get(i) ?? []), ...lines])
  }
  text(): string {
    return this.lines.flatMap((l, i) => [...(this.before.get(i) ?? []), l, ...(this.after.get(i) ?? [])]).join('\n')
  }
}

/** Replace line `k` of a block's content, keeping what stands before it (indentation, `>`, a `$ ` prompt). */
export function replaceContentLine(edits: LineEdits, p: ProseBlock, k: number, text: string): void {
  const i = p.open + 1 + (p.block.prompted?.origins[k]?.line ?? k)
  const line = edits.line(i)
  const was = p.block.content.split('\n')[k] ?? ''
  const keep = was && line.endsWith(was) ? line.slice(0, line.length - was.length) : /^[\s>]*/.exec(line)![0]
  edits.set(i, `${keep}${text}`)
}

/** Replace a block's content lines one for one. */
export function replaceContent(edits: LineEdits, p: ProseBlock, content: string[]): void {
  content.forEach((text, k) => replaceContentLine(edits, p, k, text))
}

/**
 * The runbook with one more front matter key (a YAML node built from `value`, its comment on its
 * line), the rest of the front matter as it was.
 */
export function addFrontMatter(text: string, key: string, value: unknown, comment?: string): string {
  const close = text.startsWith('---\n') ? text.indexOf('\n---\n', 3) : -1
  if (close < 0) return text
  const doc = parseDocument(text.slice(4, close + 1))
  const node = doc.createNode(value, { flow: Array.isArray(value) })
  if (comment) node.comment = comment
  doc.set(key, node)
  // Two spaces before a line comment, as the rest of the imported front matter has them.
  const yaml = doc.toString({ lineWidth: 0, flowCollectionPadding: false, commentString: (c) => c.replace(/^(?!$)(?: $)?/gm, ' #') })
  return `---\n${yaml}${text.slice(close + 1)}`
}

/** A command's name as documents write them: `make`, `./kunit.py`, `sudo` (not `[<c12ba080>]`, `--sort`, `Page`). */
const COMMAND_NAME = /^(?:[a-z_][\w./+-]*|\.{0,2}\/[\w./+-]+|~\/[\w./+-]+)$/

/**
 * Does a literal block hold commands? pandoc's filter marks every unlabelled block sh, so
 * stack dumps, option tables and C read as shell too: commands parse cleanly and are named as
 * commands are. `mask` blanks what the caller knows is no shell (placeholders such as `<file>`).
 */
export function looksLikeCommands(parse: ParseShell, text: string, mask?: RegExp): boolean {
  const script = parse(mask ? text.replace(mask, (m) => 'X'.repeat(m.length)) : text)
  if (!script.commands.length || script.problems.length || script.tolerant) return false
  return script.commands.every((c) => !c.name || c.name.literal === undefined || COMMAND_NAME.test(c.name.literal))
}
