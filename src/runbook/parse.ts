// Markdown → Runbook. Knows Markdown, nothing about processes.
import { readFile } from 'node:fs/promises'
import { unified } from 'unified'
import remarkParse from 'remark-parse'
import remarkFrontmatter from 'remark-frontmatter'
import { toString } from 'mdast-util-to-string'
import GithubSlugger from 'github-slugger'
import { VFile } from 'vfile'
import type { Code, Heading, Root, RootContent, Yaml } from 'mdast'
import type { Attrs, Block, FrontMatter, Section, Span } from './types.js'
import { parseMeta, validateAttrs } from './attributes.js'
import { emptyFrontMatter, parseFrontMatter } from './frontmatter.js'
import { detectDialect, interpreterFor } from './dialect.js'
import { stripPrompts } from './prompts.js'
import { report } from './diagnostics.js'
import { sha256, type ParseResult } from './parse-cached.js'

export { hasErrors, sha256, type ParseResult } from './parse-cached.js'

export const SHELL_LANGS = new Set(['sh', 'bash', 'shell'])
/** Attributes that change nothing a block does: editing them does not make it run again. */
// Attributes that are not part of what a block does, so adding or changing one is not an edit
// that makes --resume run the block (and all after it) again: documentation links, Runme's UI
// hints, how docrun stores (`cache`, `cache-after`) or recognises (`done-if`) its work, and
// whether a block is in a run at all (`when`: see plan/when.ts).
const RUNME_HINTS = ['id', 'mimeType', 'closeTerminalOnSuccess', 'terminalRows', 'category', 'promptEnv']
const INERT_ATTRIBUTES = new Set(['mirrors', ...RUNME_HINTS, 'cache', 'cache-after', 'done-if', 'when'])
// What earlier docruns left out of a block's hash, newest first. A workspace's state records the
// hash of its time; a block it recorded under an earlier rule is the same block, so upgrading
// docrun does not make a done workspace run again (hash.ts `recordedAs`). Extend this list,
// never edit it, when an attribute becomes inert.
const FORMER_INERT_ATTRIBUTES: ReadonlySet<string>[] = [
  new Set(['mirrors', ...RUNME_HINTS, 'cache', 'cache-after', 'done-if']),
  new Set(['mirrors', ...RUNME_HINTS]),
  new Set(),
]
const NUMBERED_HEADING = /^(\d+(?:\.\d+)*)\.?[\s\u3000]+(.+)$/u

/** Read and parse a runbook, without the cache (parse-cached.ts has the cached one). */
export async function loadRunbook(path: string): Promise<ParseResult> {
  const text = await readFile(path, 'utf8')
  return parseRunbook(text, path)
}

/**
 * Inline Markdown (emphasis, links, code spans, inline HTML) decides nothing about a runbook's
 * blocks: left unread, a parse takes half the time. Character escapes and references stay, as
 * a fence's info string (its attributes) reads them.
 */
const NO_INLINE = { disable: { null: ['attention', 'autolink', 'codeText', 'labelStartImage', 'labelStartLink', 'labelEnd', 'hardBreakEscape', 'htmlText'] } }

export interface ParseOptions {
  /**
   * false: the blocks alone (their text, attributes and lines), for a reader such as the import
   * that parses a runbook again after each change. Headings keep their inline Markdown as written.
   */
  inline?: boolean
}

export function parseRunbook(text: string, path = 'runbook.md', opts: ParseOptions = {}): ParseResult {
  const file = new VFile({ path, value: text })
  const processor = unified().use(remarkParse)
  if (opts.inline === false) processor.data('micromarkExtensions', [NO_INLINE])
  const tree = processor.use(remarkFrontmatter, ['yaml']).parse(file) as Root
  const lines = text.split('\n')
  const { frontmatter, sections, codes } = outline(tree, file)
  const blocks: Block[] = []
  const perSection = new Map<string, number>()

  // Attributes first: whether the document is written for Runme decides how its fences read.
  const metas = codes.map(({ node }) => parseMeta(node.meta ?? ''))
  const fm = frontmatter
  const dialect = detectDialect({
    ...(fm.dialect ? { declared: fm.dialect } : {}),
    runmeKey: fm.runme !== undefined,
    blocks: metas.map((m) => ({ attrs: m.attrs, json: m.json === true })),
  })

  const names = new Map<string, Span>()
  for (const [index, { node, section }] of codes.entries()) {
    const pos = span(node.position)
    const lineText = lines[pos.start.line - 1] ?? ''
    const meta = node.meta ?? ''
    const metaCol = meta ? lineText.indexOf(meta, Math.max(0, pos.start.column - 1)) : -1
    const placeOf = (offset: number | undefined) => ({
      line: pos.start.line,
      column: metaCol >= 0 ? metaCol + 1 + (offset ?? 0) : pos.start.column,
    })
    const parsed = metas[index]!
    for (const p of parsed.problems) report(file, p.message, placeOf(p.offset), p.ruleId, p.ruleId !== 'attribute-syntax' || meta.trim().startsWith('{'))
    const { attrs, problems } = validateAttrs(parsed.attrs, parsed.offsets)
    for (const p of problems) report(file, p.message, placeOf(p.offset), p.ruleId, true)

    const lang = (node.lang ?? '').toLowerCase()
    // An indented code block (no fence) is how plain documents show commands: shell, unless
    // every line is NAME=value (a Kconfig fragment), which is data. A fence without a language
    // is shell for Runme, data (an output sample, say) for docrun.
    const fenced = /^\s{0,3}(```|~~~)/.test(lines[pos.start.line - 1] ?? '')
    const bare = !fenced ? (/^(?:\s*[A-Z][A-Z0-9_]*=\S*\s*\n?)+$/.test(node.value) ? 'kconfig' : 'sh') : dialect === 'runme' ? 'sh' : ''
    const effective = lang || (frontmatter.defaultLang ?? '').toLowerCase() || bare
    const interpreter =
      typeof attrs.interpreter === 'string' ? attrs.interpreter : dialect === 'runme' && !SHELL_LANGS.has(effective) ? interpreterFor(effective) : undefined
    const n = (perSection.get(section) ?? 0) + 1
    perSection.set(section, n)
    const name = typeof attrs.name === 'string' ? attrs.name : undefined
    const id = name ?? `${section || 'doc'}-${n}`
    const seen = names.get(id)
    if (seen)
      report(
        file,
        `Block id \`${id}\` is already used by the block at line ${seen.start.line}`,
        name ? placeOf(parsed.offsets.name) : pos.start,
        'duplicate-name',
        true,
      )
    else names.set(id, pos)
    const shell = SHELL_LANGS.has(effective) && !interpreter
    const prompted = shell && attrs.file === undefined ? stripPrompts(node.value) : undefined
    const content = prompted ? prompted.content : node.value
    blocks.push({
      id,
      lang,
      kind: shell || interpreter ? 'shell' : 'data',
      content,
      attrs,
      section,
      index,
      position: pos,
      hash: blockHash(INERT_ATTRIBUTES, lang, attrs, content, interpreter),
      ...formerHashes(lang, attrs, content, interpreter),
      ...(name ? { name } : {}),
      ...(interpreter ? { interpreter } : {}),
      ...(prompted ? { prompted: { origins: prompted.origins, output: prompted.output } } : {}),
    })
  }

  return {
    runbook: { path, sha256: sha256(text), dialect, frontmatter, sections, blocks },
    file,
  }
}

/** The document's outline: its front matter, its heading tree (sections) and its code blocks, each in its section. */
function outline(tree: Root, file: VFile): { frontmatter: FrontMatter; sections: Section[]; codes: { node: Code; section: string }[] } {
  let frontmatter = emptyFrontMatter()
  const sections: Section[] = []
  const slugger = new GithubSlugger()
  const stack: Section[] = []
  const codes: { node: Code; section: string }[] = []

  const visit = (node: RootContent | Root) => {
    if (node.type === 'yaml') {
      const y = node as Yaml
      const res = parseFrontMatter(y.value, (y.position?.start.line ?? 1) + 1)
      frontmatter = res.frontmatter
      for (const p of res.problems) report(file, p.message, p.place, p.ruleId, true)
      return
    }
    if (node.type === 'heading') {
      const h = node as Heading
      const heading = toString(h).trim()
      const m = NUMBERED_HEADING.exec(heading)
      const id = slugger.slug(heading) || `section-${sections.length + 1}`
      while (stack.length && stack[stack.length - 1]!.depth >= h.depth) stack.pop()
      const section: Section = {
        id,
        title: m ? m[2]!.trim() : heading,
        heading,
        depth: h.depth,
        position: span(h.position),
        ...(m ? { number: m[1]! } : {}),
        ...(stack.length ? { parent: stack[stack.length - 1]!.id } : {}),
      }
      stack.push(section)
      sections.push(section)
      return
    }
    if (node.type === 'code') {
      codes.push({ node: node as Code, section: stack.length ? stack[stack.length - 1]!.id : '' })
      return
    }
    if ('children' in node) for (const child of node.children) visit(child as RootContent)
  }
  visit(tree)
  return { frontmatter, sections, codes }
}

function span(p: { start: { line: number; column: number; offset?: number }; end: { line: number; column: number; offset?: number } } | undefined): Span {
  return {
    start: { line: p?.start.line ?? 1, column: p?.start.column ?? 1 },
    end: { line: p?.end.line ?? 1, column: p?.end.column ?? 1 },
  }
}

function blockHash(inert: ReadonlySet<string>, lang: string, attrs: Attrs, content: string, interpreter: string | undefined): string {
  const hashed = Object.entries(attrs)
    .filter(([k]) => !inert.has(k))
    .sort(([a], [b]) => a.localeCompare(b))
  return sha256(JSON.stringify([lang, hashed, content, ...(interpreter ? [interpreter] : [])]))
}

/** The block's hashes under earlier docruns' rules, where they differ from today's (most blocks: none). */
function formerHashes(lang: string, attrs: Attrs, content: string, interpreter: string | undefined): { formerHashes?: string[] } {
  const keys = Object.keys(attrs)
  const rules = FORMER_INERT_ATTRIBUTES.filter((former) => keys.some((k) => INERT_ATTRIBUTES.has(k) && !former.has(k)))
  if (!rules.length) return {}
  const hashes = new Set(rules.map((inert) => blockHash(inert, lang, attrs, content, interpreter)))
  return { formerHashes: [...hashes] }
}
