// A tagged template for HTML that escapes every value put into it (text and attribute values
// alike, with escape-goat) unless it is HTML made by this same template: what a block printed
// can never become markup.
import { htmlEscape } from 'escape-goat'

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

export type Part = Html | string | number | boolean | null | undefined | readonly Part[]

function piece(v: Part): string {
  if (v === null || v === undefined || v === false) return ''
  if (v instanceof Html) return v.text
  if (Array.isArray(v)) return v.map(piece).join('')
  return htmlEscape(String(v))
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? ''
  values.forEach((v, i) => (out += piece(v) + (strings[i + 1] ?? '')))
  return new Html(out)
}

/** Markup made elsewhere that is known to be safe (an inline stylesheet, the ANSI renderer's spans). */
export const trusted = (text: string) => new Html(text)

/** A DOM id for a block id (any characters) that a URL fragment can name as it is. */
export const domId = (blockId: string) => `b-${blockId.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.codePointAt(0)!.toString(16)}`)}`

/** A table with a header row of `heads` and the given body rows (the report page's tables). */
export const table = (cls: string, heads: readonly string[], body: Part) =>
  html`<table class="${cls}">
    <thead>
      <tr>
        ${heads.map((h) => html`<th>${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${body}
    </tbody>
  </table>`
