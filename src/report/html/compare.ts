// Two runs side by side, block by block: status, duration (and the change), test counts.
// The same rows make the page's table and the text `docrun report --compare` prints.
import { html, table, type Html } from './html.js'
import type { TestReport } from '../../events/events.js'
import { duration, statusClass } from './format.js'
import type { BlockState, RunView } from './model.js'

export interface CompareSide {
  status: BlockState
  durationMs?: number
  report?: TestReport
}

export interface CompareRow {
  id: string
  section: string
  /** This run, and the run it is compared with; absent where the block is not in that run. */
  a?: CompareSide
  b?: CompareSide
  deltaMs?: number
  /** The status or the test counts got worse from b to a. */
  worse: boolean
}

const side = (v: RunView, id: string): CompareSide | undefined => {
  const blk = v.blocks.find((x) => x.id === id)
  if (!blk) return undefined
  return { status: blk.status, ...(blk.result ? { durationMs: blk.result.durationMs } : {}), ...(blk.result?.report ? { report: blk.result.report } : {}) }
}

function worse(a?: CompareSide, b?: CompareSide): boolean {
  if (!a || !b) return false
  if (b.status === 'passed' && a.status !== 'passed' && a.status !== 'skipped') return true
  return !!(a.report && b.report && (a.report.failed > b.report.failed || a.report.passed < b.report.passed))
}

export function compareRuns(a: RunView, b: RunView): CompareRow[] {
  const ids = [...a.blocks.map((x) => x.id), ...b.blocks.map((x) => x.id).filter((id) => !a.blocks.some((x) => x.id === id))]
  return ids.map((id) => {
    const sa = side(a, id)
    const sb = side(b, id)
    const section = (a.blocks.find((x) => x.id === id) ?? b.blocks.find((x) => x.id === id))!.section
    const deltaMs = sa?.durationMs !== undefined && sb?.durationMs !== undefined ? sa.durationMs - sb.durationMs : undefined
    return { id, section, ...(sa ? { a: sa } : {}), ...(sb ? { b: sb } : {}), ...(deltaMs !== undefined ? { deltaMs } : {}), worse: worse(sa, sb) }
  })
}

export const testsText = (r?: TestReport) => (r ? `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped` : '')
const delta = (ms?: number) => (ms === undefined ? '' : `${ms < 0 ? '−' : '+'}${duration(Math.abs(ms))}`)

export function renderCompare(a: RunView, b: RunView, rows: CompareRow[]): Html {
  const cells = (s?: CompareSide) =>
    html`<td class="${s ? statusClass(s.status) : ''}">${s?.status ?? '—'}</td>
      <td>${duration(s?.durationMs)}</td>`
  const heads = ['block', 'section', 'this run', 'time', b.runId, 'time', 'change', 'tests (this run)', `tests (${b.runId})`]
  const row = (r: CompareRow) =>
    html`<tr data-block="${r.id}" class="${r.worse ? 'worse' : ''}">
      <td><code>${r.id}</code></td>
      <td>${r.section}</td>
      ${[
        cells(r.a),
        cells(r.b),
        html`<td>${delta(r.deltaMs)}</td>
          <td>${testsText(r.a?.report)}</td>
          <td>${testsText(r.b?.report)}</td>`,
      ]}
    </tr>`
  const differs = a.runbook?.sha256 !== b.runbook?.sha256 ? ' · the runbook differs between the two runs' : ''
  return html`<section class="compare" aria-label="comparison">
    <h2>Compared with run <code>${b.runId}</code></h2>
    <p class="meta">this run ${duration(a.lastMs - a.startMs)} (${a.status}); run ${b.runId} ${duration(b.lastMs - b.startMs)} (${b.status})${differs}</p>
    ${table('compare', heads, rows.map(row))}
  </section>`
}

/** The comparison as a plain text table, for the terminal. */
export function compareText(a: RunView, b: RunView, rows: CompareRow[]): string {
  const table = [['block', 'this run', 'time', b.runId, 'time', 'change', 'tests (this run)', `tests (${b.runId})`]]
  for (const r of rows) {
    const [sa, sb] = [r.a, r.b]
    const cols = (x?: CompareSide) => [x?.status ?? '—', duration(x?.durationMs)]
    table.push([`${r.worse ? '! ' : ''}${r.id}`, ...cols(sa), ...cols(sb), delta(r.deltaMs), testsText(sa?.report), testsText(sb?.report)])
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)))
  const lines = table.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  )
  const head = `run ${a.runId} (${a.status}, ${duration(a.lastMs - a.startMs)}) compared with run ${b.runId} (${b.status}, ${duration(b.lastMs - b.startMs)})`
  return [head, ...lines, ...(rows.some((r) => r.worse) ? ['! worse than in the other run'] : [])].join('\n') + '\n'
}
