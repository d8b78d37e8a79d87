// `docrun drift DOC RUNBOOK`: line up a mirror runbook with the document it mirrors, block by
// block (its `mirrors=N` attributes name the document's literal blocks), and say what the
// runbook changed; or write that as a patch against the document's own text.
import { createTwoFilesPatch, diffLines } from 'diff'
import { basename } from 'node:path'
import type { Plan, Step } from '../plan/types.js'
import { parseRunbook } from '../runbook/parse.js'

export interface DocBlock {
  n: number
  /** 1-based document lines of the block's first and last content line. */
  start: number
  end: number
  indent: string
  /** The block's text as the document has it (indentation removed). */
  content: string
}

/**
 * The document's literal blocks, located in its text. `imported` is the document as
 * `docrun import` converted it: its blocks in order, and the line each starts on.
 */
export function documentBlocks(docText: string, imported: string): DocBlock[] {
  const { runbook } = parseRunbook(imported, 'imported.md')
  const starts = runbook.frontmatter.extra['imported-lines']
  if (!Array.isArray(starts)) throw new Error('the imported document has no imported-lines: import it with this docrun')
  const lines = docText.split('\n')
  return runbook.blocks.map((b, i) => {
    const start = Number(starts[i])
    const count = b.content.split('\n').length
    const first = lines[start - 1] ?? ''
    const indent = /^\s*/.exec(first)![0]
    const end = start + count - 1
    const content = lines
      .slice(start - 1, end)
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
      .join('\n')
    return { n: i + 1, start, end, indent, content }
  })
}

/** A runbook's params in a block's text, replaced by their values, so the text stands alone. */
export function withParams(text: string, params: Record<string, string>): string {
  let out = text
  for (const [name, value] of Object.entries(params)) {
    const word = /^[\w@%+=:,./-]+$/.test(value)
    out = out.replace(new RegExp(`"\\$(?:${name}|\\{${name}\\})"`, 'g'), word ? value : `"${value}"`)
    out = out.replace(new RegExp(`\\$(?:\\{${name}\\}|${name}\\b)`, 'g'), value)
  }
  return out
}

export interface Alignment {
  block: DocBlock
  /** The runbook blocks that mirror it, in order. */
  mirrors: Step[]
  /** The text the document would have, from the runbook (undefined: no runbook block mirrors it). */
  proposed?: string
  changed: boolean
}

export function align(doc: DocBlock[], plan: Plan): { aligned: Alignment[]; runbookOnly: Step[] } {
  const params = Object.fromEntries(plan.params.map((p) => [p.name, p.value]))
  const byN = new Map<number, Step[]>()
  const runbookOnly: Step[] = []
  for (const s of plan.steps) {
    const n = Number(s.attrs.mirrors)
    if (s.attrs.mirrors === undefined || !Number.isInteger(n)) {
      // Checks, captures and machine fixes exist only in the runbook.
      if (s.action !== 'none' || s.attrs.check || s.attrs.expect) runbookOnly.push(s)
      continue
    }
    byN.set(n, [...(byN.get(n) ?? []), s])
  }
  const aligned = doc.map((block, i) => {
    const mirrors = byN.get(block.n) ?? []
    if (!mirrors.length) return { block, mirrors, changed: false }
    let proposed = mirrors.map((s) => withParams(s.content.replace(/\n+$/, ''), params)).join('\n')
    // The runbook enters a chroot with target=; the document's reader types `chroot DIR`.
    const next = doc
      .slice(i + 1)
      .map((b) => byN.get(b.n)?.[0])
      .find(Boolean)
    const last = mirrors[mirrors.length - 1]!
    if (next && next.target.kind === 'chroot' && last.target.kind === 'host') proposed += `\nsudo chroot ${next.target.root}`
    return { block, mirrors, proposed, changed: proposed !== block.content }
  })
  return { aligned, runbookOnly }
}

/** Block by block, what the runbook changed, as text for a person. */
export function describeDrift(docName: string, aligned: Alignment[], runbookOnly: Step[]): string {
  const out: string[] = []
  for (const a of aligned) {
    const where = `${docName}:${a.block.start}${a.block.end > a.block.start ? `-${a.block.end}` : ''}`
    if (!a.mirrors.length) {
      out.push(`block ${a.block.n} (${where}): no runbook block mirrors it`)
      continue
    }
    const ids = a.mirrors.map((s) => s.id).join(', ')
    if (!a.changed) {
      out.push(`block ${a.block.n} (${where}) ← ${ids}: as written`)
      continue
    }
    out.push(`block ${a.block.n} (${where}) ← ${ids}: changed`)
    for (const part of diffLines(`${a.block.content}\n`, `${a.proposed}\n`)) {
      const mark = part.added ? '+ ' : part.removed ? '- ' : undefined
      if (mark) for (const l of part.value.replace(/\n$/, '').split('\n')) out.push(`    ${mark}${l}`)
    }
  }
  if (runbookOnly.length) out.push(`only in the runbook (not in a patch): ${runbookOnly.map((s) => s.id).join(', ')}`)
  return `${out.join('\n')}\n`
}

/** The document with the runbook's blocks in place of its own: a patch one could send upstream. */
export function patchDocument(docPath: string, docText: string, aligned: Alignment[]): string {
  const lines = docText.split('\n')
  for (const a of [...aligned].reverse()) {
    if (!a.changed || a.proposed === undefined) continue
    const body = a.proposed.split('\n').map((l) => (l.trim() ? a.block.indent + l : ''))
    lines.splice(a.block.start - 1, a.block.end - a.block.start + 1, ...body)
  }
  const name = basename(docPath)
  return createTwoFilesPatch(`a/${name}`, `b/${name}`, docText, lines.join('\n'), '', '', { context: 3 })
}
