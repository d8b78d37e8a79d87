// The page's head: which runbook, how the run ended, its counts and time, params (already
// masked in the events), the host it ran on, the run's own notes, and the lines of
// events.jsonl that could not be read.
import { html, type Html } from './html.js'
import { clock, countsText, duration, statusClass } from './format.js'
import type { RunView } from './model.js'

const STATE_WORDS: Record<RunView['status'], string> = {
  passed: 'passed',
  failed: 'failed',
  interrupted: 'interrupted',
  error: 'docrun failed',
  running: 'running',
  unfinished: 'did not finish (its docrun is gone)',
}

function problems(view: RunView): Html {
  if (!view.problems.length) return html``
  const n = view.problems.length
  return html`<div class="problems" role="alert" id="problems"><b>${n} line${n > 1 ? 's' : ''} of events.jsonl could not be read</b>; the page shows what the other lines say.
<ul>${view.problems.slice(0, 50).map((p) => html`<li>line ${p.line}: ${p.reason}</li>`)}</ul>${n > 50 ? html`<p>… and ${n - 50} more</p>` : ''}</div>`
}

function params(view: RunView): Html {
  if (!view.params.length) return html``
  return html`<div><h3>Params</h3><dl class="kv params">${view.params.map((p) => html`<dt>${p.name}</dt><dd><code>${p.value}</code>${p.source === 'set' ? html` <span class="muted">(--set)</span>` : ''}</dd>`)}</dl></div>`
}

function host(view: RunView): Html {
  const f = view.facts
  if (!f) return html``
  const tools = Object.entries(f.tools).map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)
  return html`<div><h3>Host</h3><dl class="kv facts"><dt>distro</dt><dd>${f.distro}</dd><dt>kernel</dt><dd>${f.kernel} (${f.arch})</dd><dt>node</dt><dd>${f.node}</dd><dt>docrun</dt><dd>${f.docrun}</dd>${tools}</dl></div>`
}

function runNotes(view: RunView): Html {
  const notes = view.notes.filter((n) => !n.step)
  if (!notes.length) return html``
  return html`<h3>Notes</h3><ul class="notes">${notes.map((n) => html`<li class="${n.level}">${n.level === 'warn' ? '⚠️' : 'ℹ️'} ${n.message}</li>`)}</ul>`
}

export function renderHeader(view: RunView): Html {
  const title = view.runbook?.title ?? view.runbook?.path ?? view.runId
  const total = view.lastMs - view.startMs
  return html`<header class="run ${statusClass(view.status)}">
<h1>${title}</h1>
<p class="meta"><code>${view.runbook?.path ?? ''}</code>${view.runbook ? html` · sha256 <code title="${view.runbook.sha256}">${view.runbook.sha256.slice(0, 12)}</code>` : ''} · run <code>${view.runId}</code> · started ${clock(view.startMs)}${view.resumed ? ' · resumed (--resume)' : ''}</p>
<p class="summary"><span class="badge ${statusClass(view.status)}" id="run-status">${STATE_WORDS[view.status]}</span>${view.exitCode !== undefined ? ` exit ${view.exitCode}` : ''} · <span id="run-counts">${countsText(view.counts)}</span> · ${view.status === 'running' ? 'so far ' : 'total '}<span id="run-time">${duration(total)}</span></p>
${view.message ? html`<p class="message">${view.message}</p>` : ''}
${problems(view)}
<div class="cols">${params(view)}${host(view)}</div>
${runNotes(view)}
</header>`
}
