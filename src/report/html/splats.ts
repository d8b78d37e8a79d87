// Kernel splats (WARNING, BUG, Oops, KASAN, lockdep, …) a guest printed while a block ran:
// each with its kind and first line, and its lines below; an allowed one says why.
import { html, type Html } from './html.js'
import type { BlockResult } from '../../events/events.js'
import { ansiHtml } from './ansi.js'

export function renderSplats(result: BlockResult | undefined): Html {
  const splats = result?.splats
  if (!splats?.length) return html``
  const bad = splats.filter((s) => !s.allowed).length
  return html`<div class="splats"><p class="${bad ? 'message' : 'muted'}">🐞 ${splats.length} kernel splat${splats.length > 1 ? 's' : ''} on the console${bad < splats.length ? ` (${splats.length - bad} allowed)` : ''}</p>${splats.map(
    (s) => html`<details class="splat" data-kind="${s.kind}" ${s.allowed ? '' : html`open`}><summary><b>${s.kind}</b> in guest ${s.guest}: ${s.title}${s.allowed ? html` <span class="muted">— allowed: ${s.allowed}</span>` : ''}</summary><pre class="console">${ansiHtml(s.lines.join('\n'))}</pre></details>`,
  )}</div>`
}
