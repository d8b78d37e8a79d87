// Kernel splats (WARNING, BUG, Oops, KASAN, lockdep, …) a guest printed while a block ran:
// each with its kind and first line, and its lines below; an allowed one says why.
import { html, type Html } from './html.js'
import type { BlockResult, Splat } from '../../events/events.js'
import { ansiHtml } from './ansi.js'

export function renderSplats(result: BlockResult | undefined): Html {
  const splats = result?.splats
  if (!splats?.length) return html``
  const bad = splats.filter((s) => !s.allowed).length
  const n = splats.length
  const splat = (s: Splat) => {
    const allowed = s.allowed ? html` <span class="muted">— allowed: ${s.allowed}</span>` : ''
    const summary = html`<summary><b>${s.kind}</b> in guest ${s.guest}: ${s.title}${allowed}</summary>`
    const body = html`<pre class="console">${ansiHtml(s.lines.join('\n'))}</pre>`
    return html`<details class="splat" data-kind="${s.kind}" ${s.allowed ? '' : html`open`}>${summary}${body}</details>`
  }
  const allowed = bad < n ? ` (${n - bad} allowed)` : ''
  const head = html`<p class="${bad ? 'message' : 'muted'}">🐞 ${n} kernel splat${n > 1 ? 's' : ''} on the console${allowed}</p>`
  return html`<div class="splats">${head}${splats.map(splat)}</div>`
}
