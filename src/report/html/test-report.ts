// The test report found in a block's output (kselftest TAP, KTAP/KUnit, test_verifier,
// test_progs) as a table of passed, failed, skipped (and known failures when a deny list
// expects some), one row per nested program or suite, with the failing tests' names.
import { html, table, type Html } from './html.js'
import type { TestReport } from '../../events/events.js'

const children = (r: TestReport) => [...(r.nested ?? []), ...(r.subtests ?? [])]
const all = (r: TestReport): TestReport[] => [r, ...children(r).flatMap(all)]

function rows(r: TestReport, depth: number, withKnown: boolean): Html[] {
  const cell = (cls: string, n: number | undefined) => html`<td class="${cls}${n === 0 ? ' zero' : ''}">${n ?? ''}</td>`
  const label = r.name ? `${r.format}: ${r.name}` : r.format
  const known = withKnown ? cell('known', r.known) : ''
  const counts = [cell('passed', r.passed), cell('failed', r.failed), cell('skipped', r.skipped), known, cell('total', r.total)]
  const row = html`<tr data-format="${r.format}" data-depth="${depth}">
    <td>${depth ? `${'  '.repeat(depth - 1)}↳ ` : ''}${label}</td>
    ${counts}
  </tr>`
  return [row, ...children(r).flatMap((n) => rows(n, depth + 1, withKnown))]
}

function names(title: string, cls: string, list: Html[]): Html {
  if (!list.length) return html``
  const more = list.length > 200 ? html`<p>… and ${list.length - 200} more</p>` : ''
  return html`<p class="${cls}">${title} (${list.length}):</p>
    <ul class="${cls}">
      ${list.slice(0, 200)}
    </ul>
    ${more}`
}

export function renderTestReport(report: TestReport | undefined): Html {
  if (!report) return html``
  const flat = all(report)
  const withKnown = flat.some((x) => x.known !== undefined)
  const failures = [...new Set(flat.flatMap((x) => x.failures))].map((f) => html`<li><code>${f}</code></li>`)
  const known = flat.flatMap((x) => x.knownFailures ?? []).map((k) => html`<li><code>${k.name}</code> <span class="muted">(${k.list})</span></li>`)
  const heads = ['test report', 'passed', 'failed', 'skipped', ...(withKnown ? ['known'] : []), 'total']
  const tableHtml = table('report', heads, rows(report, 0, withKnown))
  return html`<div class="test-report">${tableHtml} ${names('Failing', 'failing', failures)}${names('Known failures', 'known-failures', known)}</div>`
}
