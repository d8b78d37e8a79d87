// The test report found in a block's output (kselftest TAP, test_verifier, test_progs) as a
// table of passed, failed, skipped (and known failures when the report counts them), with the
// failing tests' names.
import { html, type Html } from './html.js'
import type { TestReport } from '../../events/events.js'

/** A report with a count of known failures (a denylist), when a later parser adds one. */
type Report = TestReport & { known?: number; nested?: Report[] }

function rows(r: Report, depth: number, withKnown: boolean): Html[] {
  const cell = (cls: string, n: number | undefined) => html`<td class="${cls}${n === 0 ? ' zero' : ''}">${n ?? ''}</td>`
  const row = html`<tr data-format="${r.format}" data-depth="${depth}"><td>${depth ? '↳ ' : ''}${r.format}</td>${cell('passed', r.passed)}${cell('failed', r.failed)}${cell('skipped', r.skipped)}${withKnown ? cell('known', r.known) : ''}${cell('total', r.total)}</tr>`
  return [row, ...(r.nested ?? []).flatMap((n) => rows(n, depth + 1, withKnown))]
}

function allFailures(r: Report): string[] {
  return [...r.failures, ...(r.nested ?? []).flatMap(allFailures)]
}

export function renderTestReport(report: TestReport | undefined): Html {
  if (!report) return html``
  const r = report as Report
  const flat = [r, ...(r.nested ?? [])]
  const withKnown = flat.some((x) => x.known !== undefined)
  const failures = [...new Set(allFailures(r))]
  return html`<div class="test-report"><table class="report"><thead><tr><th>test report</th><th>passed</th><th>failed</th><th>skipped</th>${withKnown ? html`<th>known</th>` : ''}<th>total</th></tr></thead><tbody>${rows(r, 0, withKnown)}</tbody></table>
${failures.length ? html`<p class="failing">Failing (${failures.length}):</p><ul class="failing">${failures.slice(0, 200).map((f) => html`<li><code>${f}</code></li>`)}</ul>${failures.length > 200 ? html`<p>… and ${failures.length - 200} more</p>` : ''}` : ''}</div>`
}
