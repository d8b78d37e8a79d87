// The whole report page: one self-contained HTML file (styles and script inline, nothing
// fetched), rendered from the view model alone.
import { html, trusted, type Html } from './html.js'
import type { RunView } from './model.js'
import type { Baseline } from './previous.js'
import type { Href } from './output.js'
import { renderHeader } from './header.js'
import { renderTimeline } from './timeline.js'
import { renderBlocks } from './block.js'
import { renderCompare, type CompareRow } from './compare.js'
import { countsText, STATUS_MARK } from './format.js'
import { STYLE } from './style.js'
import { CLIENT_SCRIPT } from './client.js'

export interface PageOptions {
  /** Each block's duration in an earlier run of the runbook. */
  baseline?: Baseline
  /** Links to the run directory's files (output/<block>.log), from where the page is. */
  href?: Href
  compare?: { view: RunView; rows: CompareRow[] }
  /** Served live: the URL of the event stream the page follows. */
  live?: string
}

export function pageTitle(view: RunView): string {
  const mark = view.status === 'running' ? STATUS_MARK.running : (STATUS_MARK[view.status] ?? '')
  return `${mark} ${view.runbook?.title ?? view.runbook?.path ?? 'run'} — docrun run ${view.runId}`
}

/** The line a live page shows above the run. */
export const liveStatus = (view: RunView) => `${view.status} · ${countsText(view.counts)}`

/** What is inside <main>: the part a live page replaces as the run goes on. */
export function renderMain(view: RunView, opts: PageOptions = {}): Html {
  const href = opts.href ?? ((f: string) => f)
  return html`${renderHeader(view)} ${opts.compare ? renderCompare(view, opts.compare.view, opts.compare.rows) : ''} ${renderTimeline(view, opts.baseline)}
    ${renderBlocks(view.blocks, view.sections, { ...(opts.baseline ? { baseline: opts.baseline } : {}), href })}
    <footer class="meta">
      Rendered by docrun from the run's events.jsonl${view.facts ? ` (the run: docrun ${view.facts.docrun})` : ''}. Whole outputs are in the run directory's
      output/ folder.
    </footer>`
}

export function renderPage(view: RunView, opts: PageOptions = {}): string {
  const live = opts.live ? html`<div id="live" role="status">live: ${liveStatus(view)}</div>` : ''
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${pageTitle(view)}</title><style>${trusted(STYLE)}</style></head>
<body${opts.live ? html` data-live="${opts.live}"` : ''}>${live}<main id="run">
${renderMain(view, opts)}
</main><script>${trusted(CLIENT_SCRIPT)}</script></body></html>
`.text
}
