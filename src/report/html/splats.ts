// Kernel splats (oops, WARN, BUG, panic) a guest reported under a block. BlockResult has no
// such field yet (another change adds it): whatever shape it takes, a list of strings or of
// objects with a title and text, is shown; its absence shows nothing.
import { html, type Html } from './html.js'
import { ansiHtml } from './ansi.js'

type Splat = string | { kind?: unknown; title?: unknown; summary?: unknown; text?: unknown; lines?: unknown; [k: string]: unknown }

function text(s: Splat): { title: string; body: string } {
  if (typeof s === 'string') return { title: s.split('\n', 1)[0] ?? 'kernel splat', body: s }
  const title = [s.kind, s.title ?? s.summary].filter((x) => typeof x === 'string').join(': ') || 'kernel splat'
  const body = typeof s.text === 'string' ? s.text : Array.isArray(s.lines) ? s.lines.join('\n') : JSON.stringify(s, null, 2)
  return { title, body }
}

export function renderSplats(result: object | undefined): Html {
  const splats = (result as { splats?: unknown } | undefined)?.splats
  if (!Array.isArray(splats) || !splats.length) return html``
  return html`<div class="splats"><p class="message">🐞 ${splats.length} kernel splat${splats.length > 1 ? 's' : ''} in the guest's console</p>${(splats as Splat[]).map((s) => {
    const t = text(s)
    return html`<details class="splat" open><summary>${t.title}</summary><pre class="console">${ansiHtml(t.body)}</pre></details>`
  })}</div>`
}
