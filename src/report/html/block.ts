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
import { renderOutput, type Href } from './output.js'
import { ansiHtml } from './ansi.js'

function timing(b: BlockView, baseline?: Baseline): Html {
  const r = b.result
  if (!r) return html``
  const prev = baseline?.get(b.id)
  const vs = prev ? versus(r.durationMs, prev) : undefined
  return html`<span class="duration">${duration(r.durationMs)}</span>${vs ? html` <span class="vs ${vs.trend}" title="run ${prev!.runId}">(${vs.text})</span>` : ''}`
}

function head(b: BlockView, baseline?: Baseline): Html {
  const r = b.result
  const attempts = b.attempts.length > 1 ? html`<span class="muted">${b.attempts.length} attempts</span>` : ''
  const exit = r ? html`<span>exit <code class="exit">${r.exitCode ?? 'none'}</code>${r.timedOut ? ' (timed out)' : ''}${r.interrupted ? ' (interrupted)' : ''}</span>` : ''
  return html`<div class="block-head"><code class="id">${b.id}</code><span class="status badge ${statusClass(b.status)}">${b.status}</span><span class="target">on <code>${b.target}</code>${b.action === 'boot' ? ' (starts a guest)' : ''}</span>${exit}${timing(b, baseline)}${attempts}</div>`
}

function trouble(b: BlockView): Html {
  const r = b.result
  const consoleTail = r?.console?.length ? html`<details open><summary>the guest's console, last ${r.console.length} lines</summary><pre class="console">${ansiHtml(r.console.join('\n'))}</pre></details>` : ''
  return html`${r?.message ? html`<pre class="message">${r.message}</pre>` : ''}${b.skipReason ? html`<p class="muted">skipped: ${b.skipReason}</p>` : ''}${consoleTail}`
}

function notes(b: BlockView): Html {
  if (!b.notes.length) return html``
  return html`<ul class="notes">${b.notes.map((n) => html`<li class="${n.level}">${n.level === 'warn' ? '⚠️' : 'ℹ️'} ${n.message}</li>`)}</ul>`
}

export function renderBlock(b: BlockView, opts: { baseline?: Baseline; href: Href }): Html {
  return html`<article class="block ${statusClass(b.status)}" id="${domId(b.id)}" data-block="${b.id}" data-status="${b.status}">
${head(b, opts.baseline)}${trouble(b)}${renderChecks(b.result?.checks)}${renderTestReport(b.result?.report)}${renderSplats(b.result)}${notes(b)}${renderOutput(b, opts.href)}
</article>`
}

/** The blocks, under their sections' headings. */
export function renderBlocks(blocks: BlockView[], sections: { id: string; label: string }[], opts: { baseline?: Baseline; href: Href }): Html {
  return html`<section class="blocks" aria-label="blocks"><h2>Blocks</h2>${sections.map((s) => html`<section class="section" data-section="${s.label}"><h3>${s.label}</h3>${blocks.filter((b) => b.sectionId === s.id).map((b) => renderBlock(b, opts))}</section>`)}</section>`
}
