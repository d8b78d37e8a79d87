// The timeline: one bar per block run along the run's wall-clock time, a lane per section, a
// lane per guest for its life (booting, then up). Bars are positioned by CSS alone; a bar's
// title says what it was (hover) and it links to the block below (click).
import { html, type Html } from './html.js'
import { duration, statusClass, versus } from './format.js'
import type { Attempt, BlockView, GuestSpan, RunView } from './model.js'
import type { Baseline } from './previous.js'
import { domId } from './html.js'

interface Scale {
  t0: number
  span: number
}

const pct = (s: Scale, t: number) => Math.min(100, Math.max(0, ((t - s.t0) / s.span) * 100))
const place = (s: Scale, from: number, to: number) => {
  const [left, right] = [pct(s, from), pct(s, to)]
  return `left:${left.toFixed(3)}%;width:${Math.max(0, right - left).toFixed(3)}%`
}

function bar(s: Scale, b: BlockView, a: Attempt, endMs: number, baseline?: Baseline): Html {
  const end = a.endMs ?? endMs
  const took = end - a.startMs
  const prev = baseline?.get(b.id)
  const which = b.attempts.length > 1 ? ` (attempt ${a.attempt})` : ''
  const how = a.endMs ? ` in ${duration(took)}` : ` for ${duration(took)} so far`
  const tip = [`${b.id}${which} — ${a.status}${how} on ${a.target}`, prev && a.endMs ? versus(took, prev).text : ''].filter(Boolean).join('\n')
  const where = place(s, a.startMs, end)
  const cls = `bar ${statusClass(a.status)}`
  return html`<a class="${cls}" data-block="${b.id}" href="#${domId(b.id)}" style="${where}" title="${tip}"><span class="sr">${b.id}</span></a>`
}

function guestLane(s: Scale, g: GuestSpan, endMs: number): Html {
  const end = g.endMs ?? endMs
  const life = Math.max(1, end - g.startMs)
  const booting = g.readyMs !== undefined ? ((g.readyMs - g.startMs) / life) * 100 : 100
  const ready = g.readyMs !== undefined ? `, its shell answered after ${duration(g.readyMs - g.startMs)}` : ''
  const ended = g.endMs !== undefined ? `${g.end ?? 'stopped'} (up ${duration(end - g.startMs)})` : `up ${duration(end - g.startMs)} so far`
  const tip = `guest ${g.guest}: started by ${g.bootStep}${ready}; ${ended}`
  const boot = html`<span class="booting" style="width:${booting.toFixed(2)}%"></span>`
  const span = html`<span class="life" style="${place(s, g.startMs, end)}" title="${tip}">${boot}<span class="sr">${tip}</span></span>`
  return html`<div class="lane guest-lane" data-guest="${g.guest}">
    <div class="lane-label">guest ${g.guest}</div>
    <div class="track">${span}</div>
  </div>`
}

function axis(s: Scale): Html {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => html`<span style="left:${(f * 100).toFixed(0)}%">${f === 0 ? '0s' : duration(f * s.span)}</span>`)
  return html`<div class="axis" aria-hidden="true">${ticks}</div>`
}

const LEGEND = ['passed', 'failed', 'timed-out', 'interrupted', 'running']

export function renderTimeline(view: RunView, baseline?: Baseline): Html {
  const s: Scale = { t0: view.startMs, span: Math.max(1, view.lastMs - view.startMs) }
  const lanes = view.sections.map((sec) => {
    const blocks = view.blocks.filter((b) => b.sectionId === sec.id && b.attempts.length)
    if (!blocks.length) return html``
    const bars = blocks.map((b) => b.attempts.map((a) => bar(s, b, a, view.lastMs, baseline)))
    const label = html`<div class="lane-label" title="${sec.label}">${sec.label}</div>`
    return html`<div class="lane" data-section="${sec.label}">
      ${label}
      <div class="track">${bars}</div>
    </div>`
  })
  const ran = view.blocks.some((b) => b.attempts.length)
  const legend = LEGEND.map((st) => html`<span class="${statusClass(st)}"><i></i>${st}</span>`)
  return html`<section class="timeline" aria-label="timeline">
    <h2>Timeline</h2>
    ${ran ? [axis(s), lanes, view.guests.map((g) => guestLane(s, g, view.lastMs))] : html`<p class="muted">No block ran in this run.</p>`}
    <p class="legend">
      ${legend}<span><i style="background:#54aeff"></i>guest up</span>
    </p>
  </section>`
}
