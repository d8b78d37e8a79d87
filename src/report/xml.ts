// The few XML elements junit.xml is made of, written as xmlbuilder2's `end({ prettyPrint: true })`
// writes them, byte for byte (test/unit/xml.test.ts compares the two on generated trees).
// Why not xmlbuilder2 itself: it loads ~150 module files and builds a DOM, which cost about a
// second of a 1,000-block run's end on the loaded development VM; what junit.xml needs from it is
// the escaping below and the indentation. merge.ts, which reads junit files back, still uses it.

type Attrs = Record<string, string | number>

// What xmlbuilder2 escapes: `&`, `<`, `>` in text, and `"` as well in an attribute's value.
const TEXT_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }
const escapeText = (s: string) => s.replace(/[&<>]/g, (c) => TEXT_ESCAPES[c]!)
const escapeAttr = (s: string) => s.replace(/[&<>"]/g, (c) => TEXT_ESCAPES[c]!)

export class XmlElement {
  private readonly children: XmlElement[] = []
  private text: string | undefined

  constructor(
    private readonly name: string,
    private readonly attrs: Attrs = {},
  ) {}

  /** A child element, returned (like xmlbuilder2's `ele`). */
  ele(name: string, attrs: Attrs = {}): XmlElement {
    const child = new XmlElement(name, attrs)
    this.children.push(child)
    return child
  }

  /** The element's text; junit.xml's elements hold either text or elements, never both. */
  txt(text: string): this {
    this.text = (this.text ?? '') + text
    return this
  }

  /** The document: the declaration, then this element and its descendants, two spaces a level. */
  document(): string {
    const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>']
    this.write(out, '')
    return out.join('\n')
  }

  private write(out: string[], indent: string): void {
    let open = `${indent}<${this.name}`
    for (const [k, v] of Object.entries(this.attrs)) open += ` ${k}="${escapeAttr(String(v))}"`
    if (this.text) {
      out.push(`${open}>${escapeText(this.text)}</${this.name}>`)
      return
    }
    if (!this.children.length) {
      out.push(`${open}/>`)
      return
    }
    out.push(`${open}>`)
    for (const c of this.children) c.write(out, `${indent}  `)
    out.push(`${indent}</${this.name}>`)
  }
}
