// A person's step-ins at a block (`docrun run --debug`): when, where, for how long, what they
// chose and what they typed — in the words the transcript and junit use (report/intervention.ts).
import { html, type Html } from './html.js'
import type { BlockResult, Intervention } from '../../events/events.js'
import { interventionWords } from '../intervention.js'

export function renderInterventions(result: BlockResult | undefined): Html {
  const list = result?.interventions
  if (!list?.length) return html``
  const one = (i: Intervention) => {
    const typed = i.commands?.length ? html`<pre class="console">${i.commands.map((c) => `$ ${c}`).join('\n')}</pre>` : ''
    return html`<li data-action="${i.action}">🧑‍🔧 ${interventionWords(i)}${typed}</li>`
  }
  return html`<ul class="interventions" aria-label="interventions">
    ${list.map(one)}
  </ul>`
}
