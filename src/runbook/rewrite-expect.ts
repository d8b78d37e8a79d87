// `--update-expect`: put new bodies into a runbook's {expect} blocks, as `cram -i` and
// `vitest -u` do. Pure text in, text out; only the blocks' bodies change (and a fence grows
// when the new body holds a longer run of its character).
import type { Span } from './types.js'

export interface ExpectUpdate {
  /** The {expect} block's span, fences included. */
  position: Span
  body: string
}

export function rewriteExpects(text: string, updates: ExpectUpdate[]): string {
  const lines = text.split('\n')
  // Bottom first, so earlier positions still hold.
  for (const u of [...updates].sort((a, b) => b.position.start.line - a.position.start.line)) {
    const open = u.position.start.line - 1
    const close = u.position.end.line - 1
    const m = /^(\s{0,3})(`{3,}|~{3,})(.*)$/.exec(lines[open] ?? '')
    if (!m) throw new Error(`line ${open + 1} is not the opening fence of an {expect} block`)
    const [, indent, fence, info] = m as unknown as [string, string, string, string]
    const ch = fence[0]!
    let longest = 0
    for (const run of u.body.matchAll(ch === '`' ? /`+/g : /~+/g)) longest = Math.max(longest, run[0].length)
    const newFence = longest >= fence.length ? ch.repeat(longest + 1) : fence
    const body = u.body === '' ? [] : u.body.split('\n').map((l) => (l ? indent + l : l))
    lines.splice(open, close - open + 1, `${indent}${newFence}${info}`, ...body, `${indent}${newFence}`)
  }
  return lines.join('\n')
}
