// A block's output on the page: collapsed, ANSI colours rendered, a long one as its head and
// tail with the number of lines left out and a link to the side file with all of it.
import { html, type Html } from './html.js'
import { ansiHtml } from './ansi.js'
import type { BlockView } from './model.js'

/** Where the page links a run directory's file from (relative to the page, or the server's path). */
export type Href = (runFile: string) => string

export function renderOutput(b: BlockView, href: Href): Html {
  const { head, tail, elided, partial } = b.output.view()
  const lines = b.output.lines + (partial ? 1 : 0)
  const file = b.result?.outputFile
  if (!lines && !file) return html``
  const bytes = b.result?.outputBytes ?? b.output.bytes
  const link = file ? html`<a class="side-file" href="${href(file)}">${file}</a>` : ''
  const summary = lines ? `output: ${lines} line${lines === 1 ? '' : 's'}, ${bytes} bytes` : 'no output'
  if (!lines) return html`<p class="output muted">no output${file ? html` (${link})` : ''}</p>`
  const gap = html`<span class="elided">… ${elided} line${elided === 1 ? '' : 's'} left out: the whole output is in ${file ?? 'its side file'} …</span>`
  const shown = elided > 0 ? html`${ansiHtml(head.join('\n'))} ${gap} ${ansiHtml(tail.join('\n'))}` : ansiHtml([...head, ...tail].join('\n'))
  const last = partial ? html`${lines > 1 ? '\n' : ''}${ansiHtml(partial)}` : ''
  const title = html`<summary>${summary}${elided > 0 ? ` (head and tail; ${elided} lines left out)` : ''}</summary>`
  return html`<details class="output" data-key="${b.id}/output">
    ${title}
    <pre>${shown}${last}</pre>
    ${link ? html`<p>whole output: ${link}</p>` : ''}
  </details>`
}
