// One block on the page: its status, target, exit code and duration (against the previous run
// of the runbook), what went wrong, its postconditions, test report, kernel splats, notes and
// output.
import { html, type Html } from './html.js'
import { domId } from './html.js'
import { duration, statusClass, versus } from './format.js'
import type { BlockView } from './model.js'
import type { Baseline } from './previous.js'
import { renderChecks } from './checks.js'
import { renderTestReport } from './test-report.js'
import { renderSplats } from './splats.js'
import { renderInterventions } from './interventions.js'
import { renderOutput, type Href } from './output.js'
import { ansiHtml } from './ansi.js'

function timing(b: BlockView, baseline?: Baseline): Html {
  const r = b.result
  if (!r) return html``
  const prev = baseline?.get(b.id)
  const vs = prev ? versus(r.durationMs, prev) : undefined
  const against = vs ? html` <span class="vs ${vs.trend}" title="run ${prev!.runId}">(${vs.text})</span>` : ''
  return html`<span class="duration">${duration(r.durationMs)}</span>${against}`
}

function head(b: BlockView, baseline?: Baseline): Html {
  const r = b.result
  const how = r ? [r.timedOut ? ' (timed out)' : '', r.interrupted ? ' (interrupted)' : ''] : []
  return html`<div class="block-head">
    ${[
      html`<code class="id">${b.id}</code>`,
      html`<span class="status badge ${statusClass(b.status)}">${b.status}</span>`,
      html`<span class="target">on <code>${b.target}</code>${b.action === 'boot' ? ' (starts a guest)' : ''}</span>`,
      r ? html`<span>exit <code class="exit">${r.exitCode ?? 'none'}</code>${how}</span>` : '',
      timing(b, baseline),
      b.attempts.length > 1 ? html`<span class="muted">${b.attempts.length} attempts</span>` : '',
    ]}
  </div>`
}

function trouble(b: BlockView): Html {
  const r = b.result
  const lines = r?.console ?? []
  return html`${[
    r?.message ? html`<pre class="message">${r.message}</pre>` : '',
    b.skipReason ? html`<p class="muted">skipped: ${b.skipReason}</p>` : '',
    lines.length
      ? html`<details open>
          <summary>the guest's console, last ${lines.length} lines</summary>
          <pre class="console">${ansiHtml(lines.join('\n'))}</pre>
        </details>`
      : '',
  ]}`
}

/** Notes, a warning marked as one. */
export function renderNotes(notes: { level: 'info' | 'warn'; message: string }[]): Html {
  if (!notes.length) return html``
  return html`<ul class="notes">
    ${notes.map((n) => html`<li class="${n.level}">${n.level === 'warn' ? '⚠️' : 'ℹ️'} ${n.message}</li>`)}
  </ul>`
}

export function renderBlock(b: BlockView, opts: { baseline?: Baseline; href: Href }): Html {
  const r = b.result
  return html`<article class="block ${statusClass(b.status)}" id="${domId(b.id)}" data-block="${b.id}" data-status="${b.status}">
    ${[head(b, opts.baseline), trouble(b), renderChecks(r?.checks), renderTestReport(r?.report), renderSplats(r), renderInterventions(r), renderNotes(b.notes), renderOutput(b, opts.href)]}
  </article>`
}

/** The blocks, under their sections' headings. */
export function renderBlocks(blocks: BlockView[], sections: { id: string; label: string }[], opts: { baseline?: Baseline; href: Href }): Html {
  const section = (s: { id: string; label: string }) => {
    const inside = blocks.filter((b) => b.sectionId === s.id).map((b) => renderBlock(b, opts))
    return html`<section class="section" data-section="${s.label}">
      <h3>${s.label}</h3>
      ${inside}
    </section>`
  }
  return html`<section class="blocks" aria-label="blocks">
    <h2>Blocks</h2>
    ${sections.map(section)}
  </section>`
}
