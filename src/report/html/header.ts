// The page's head: which runbook, how the run ended, its counts and time, params (already
// masked in the events), the host it ran on, the run's own notes, and the lines of
// events.jsonl that could not be read.
import { html, type Html } from './html.js'
import { clock, countsText, duration, statusClass } from './format.js'
import type { RunView } from './model.js'
import { renderNotes } from './block.js'

const STATE_WORDS: Record<RunView['status'], string> = {
  passed: 'passed',
  failed: 'failed',
  interrupted: 'interrupted',
  error: 'docrun failed',
  running: 'running',
  unfinished: 'did not finish (its docrun is gone)',
}

function problems(view: RunView): Html {
  const n = view.problems.length
  if (!n) return html``
  return html`<div class="problems" role="alert" id="problems">
    <b>${n} line${n > 1 ? 's' : ''} of events.jsonl could not be read</b>; the page shows what the other lines say.
    <ul>
      ${view.problems.slice(0, 50).map((p) => html`<li>line ${p.line}: ${p.reason}</li>`)}
    </ul>
    ${n > 50 ? html`<p>… and ${n - 50} more</p>` : ''}
  </div>`
}

function params(view: RunView): Html {
  if (!view.params.length) return html``
  const set = html` <span class="muted">(--set)</span>`
  const param = (p: RunView['params'][number]) =>
    html`<dt>${p.name}</dt>
      <dd><code>${p.value}</code>${p.source === 'set' ? set : ''}</dd>`
  return html`<div>
    <h3>Params</h3>
    <dl class="kv params">${view.params.map(param)}</dl>
  </div>`
}

function host(view: RunView): Html {
  const f = view.facts
  if (!f) return html``
  const facts: [string, string][] = [
    ['distro', f.distro],
    ['kernel', `${f.kernel} (${f.arch})`],
    ['node', f.node],
    ['docrun', f.docrun],
    ...Object.entries(f.tools),
  ]
  return html`<div>
    <h3>Host</h3>
    <dl class="kv facts">
      ${facts.map(
        ([k, v]) =>
          html`<dt>${k}</dt>
            <dd>${v}</dd>`,
      )}
    </dl>
  </div>`
}

function runNotes(view: RunView): Html {
  const notes = view.notes.filter((n) => !n.step)
  return notes.length
    ? html`<h3>Notes</h3>
        ${renderNotes(notes)}`
    : html``
}

function where(view: RunView): Html {
  const rb = view.runbook
  return html`<p class="meta">
    ${[
      html`<code>${rb?.path ?? ''}</code>`,
      rb ? html` · sha256 <code title="${rb.sha256}">${rb.sha256.slice(0, 12)}</code>` : '',
      html` · run <code>${view.runId}</code> · started ${clock(view.startMs)}`,
      view.resumed ? ' · resumed (--resume)' : '',
    ]}
  </p>`
}

function outcome(view: RunView): Html {
  const total = view.lastMs - view.startMs
  return html`<p class="summary">
    ${[
      html`<span class="badge ${statusClass(view.status)}" id="run-status">${STATE_WORDS[view.status]}</span>`,
      view.exitCode !== undefined ? ` exit ${view.exitCode}` : '',
      html` · <span id="run-counts">${countsText(view.counts)}</span>`,
      html` · ${view.status === 'running' ? 'so far ' : 'total '}<span id="run-time">${duration(total)}</span>`,
    ]}
  </p>`
}

export function renderHeader(view: RunView): Html {
  const title = view.runbook?.title ?? view.runbook?.path ?? view.runId
  return html`<header class="run ${statusClass(view.status)}">
    <h1>${title}</h1>
    ${[where(view), outcome(view), view.message ? html`<p class="message">${view.message}</p>` : '', problems(view)]}
    <div class="cols">${params(view)}${host(view)}</div>
    ${runNotes(view)}
  </header>`
}
