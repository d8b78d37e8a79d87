// What a terminal shows under a failed block besides its message: the diff of an {expect}
// that did not match, or a failed check's multi-line message. Bounded, so a huge diff does
// not bury the rest; the transcript has it whole.
import type { BlockResult } from '../events/events.js'

const MAX_LINES = 60

export function failureDetails(r: BlockResult): string | undefined {
  const parts: string[] = []
  for (const c of r.checks ?? []) {
    if (c.passed) continue
    const body = c.diff ?? (c.message?.includes('\n') ? c.message : undefined)
    if (!body) continue
    const lines = body.split('\n')
    const shown = lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `… ${lines.length - MAX_LINES} more lines in the transcript`] : lines
    parts.push(`${c.name}:`, ...shown.map((l) => `  ${l}`))
  }
  return parts.length ? parts.join('\n') : undefined
}
