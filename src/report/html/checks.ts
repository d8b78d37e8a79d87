// A block's postconditions ({check}, {expect}, the checks module): each with its verdict, the
// assertion's message, the unified diff (lines coloured by what they are) and what a failed
// {check} printed.
import { html, type Html } from './html.js'
import type { CheckResult } from '../../events/events.js'
import { ansiHtml } from './ansi.js'

function diffLines(diff: string): Html {
  const line = (l: string) => {
    const kind = l.startsWith('@@') ? 'hunk' : l.startsWith('+') && !l.startsWith('+++') ? 'add' : l.startsWith('-') && !l.startsWith('---') ? 'del' : ''
    return kind ? html`<span class="${kind}">${l}</span> ` : html`${l} `
  }
  return html`<pre class="diff">${diff.replace(/\n$/, '').split('\n').map(line)}</pre>`
}

function check(c: CheckResult): Html {
  const verdict = c.skipped !== undefined ? 'skipped' : c.passed ? 'passed' : 'failed'
  const mark = verdict === 'skipped' ? '⏭️' : c.passed ? '☑️' : '❌'
  return html`<li class="check check-${verdict}" data-check="${c.name}">
    ${[
      html`${mark} <span class="muted">${c.kind}</span> <span class="name">${c.name}</span>`,
      c.skipped !== undefined ? html` <span class="muted">— not run: ${c.skipped}</span>` : '',
      c.message ? html`<pre class="check-message">${ansiHtml(c.message)}</pre>` : '',
      c.diff ? diffLines(c.diff) : '',
      c.output
        ? html`<details>
            <summary>what the check printed</summary>
            <pre class="console">${ansiHtml(c.output)}</pre>
          </details>`
        : '',
      c.updated !== undefined ? html`<p class="muted">--update-expect wrote a new {expect} body</p>` : '',
    ]}
  </li>`
}

export function renderChecks(checks: CheckResult[] | undefined): Html {
  if (!checks?.length) return html``
  return html`<div class="postconditions">
    <h4 class="sr">Postconditions</h4>
    <ul class="checks">
      ${checks.map(check)}
    </ul>
  </div>`
}
