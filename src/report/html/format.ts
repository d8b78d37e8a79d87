// Small words and numbers the page's parts share.
import { formatDuration } from '../../common/durations.js'
import type { BlockStatus } from '../../events/events.js'
import type { PreviousBlock } from './previous.js'

export { STATUS_MARK } from '../marks.js'

/** A CSS class for a status ("not run" has a space). */
export const statusClass = (status: string) => `st-${status.replace(/\s+/g, '-')}`

export const duration = (ms: number | undefined) => (ms === undefined ? '' : formatDuration(ms))

/** "3 passed · 1 failed", leaving out what did not happen. */
export function countsText(counts: Record<BlockStatus, number>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
  return parts.length ? parts.join(' · ') : 'no blocks ran'
}

/** Against an earlier run: faster, slower or about the same (within 10% or 200 ms). */
export function versus(nowMs: number, before: PreviousBlock): { text: string; trend: 'faster' | 'slower' | 'same' } {
  const delta = nowMs - before.durationMs
  const base = `previous run ${formatDuration(before.durationMs)}`
  if (Math.abs(delta) < Math.max(200, before.durationMs * 0.1)) return { text: `${base}, about the same`, trend: 'same' }
  const pct = before.durationMs > 0 ? ` (${delta > 0 ? '+' : '−'}${Math.round((Math.abs(delta) / before.durationMs) * 100)}%)` : ''
  if (delta < 0) return { text: `${base}: ${formatDuration(-delta)} faster${pct}`, trend: 'faster' }
  return { text: `${base}: ${formatDuration(delta)} slower${pct}`, trend: 'slower' }
}

/** A UTC time as people read it, to the second. */
export const clock = (ms: number) =>
  Number.isFinite(ms)
    ? new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')
    : ''
