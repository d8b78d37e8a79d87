// `tty`: a block, a target or a whole runbook runs with a pseudo-terminal as its stdin and stdout.
// Written `{tty}` (80×24), `{tty=120x40}` (columns × rows) or `{tty=false}`; in the front matter
// `tty: true`, `tty: 120x40`, or per target `tty: {host: true, toolchain: 120x40}`.
import type { TtySize } from './types.js'

export const DEFAULT_TTY: TtySize = { cols: 80, rows: 24 }

/** The largest side docrun sets (stty takes up to 65535; no terminal is wider than this). */
const MAX_SIDE = 9999

/** A tty value as written: its size, `false` (no terminal), or what is wrong with it. */
export function parseTty(value: unknown): { tty: TtySize | false } | { problem: string } {
  if (value === true || value === 'true' || value === 'yes') return { tty: DEFAULT_TTY }
  if (value === false || value === 'false' || value === 'no') return { tty: false }
  const m = typeof value === 'string' ? /^(\d+)[x×](\d+)$/u.exec(value.trim()) : null
  const cols = Number(m?.[1])
  const rows = Number(m?.[2])
  if (!m || cols < 1 || rows < 1 || cols > MAX_SIDE || rows > MAX_SIDE)
    return { problem: `takes true, false or a size COLUMNSxROWS such as 120x40 (each 1 to ${MAX_SIDE}), not \`${String(value)}\`` }
  return { tty: { cols, rows } }
}

/** How a size is written back (`docrun list`, messages). */
export function ttyText(size: TtySize): string {
  return `${size.cols}x${size.rows}`
}
