// junit.xml's writer (src/report/xml.ts) writes what xmlbuilder2's `end({ prettyPrint: true })`
// wrote for the same elements, byte for byte: generated trees of elements, attributes and text
// (any UTF-16, markup characters, whitespace and line breaks among them), built both ways.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { create } from 'xmlbuilder2'
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js'
import { XmlElement } from '../../src/report/xml.js'

interface Node {
  name: string
  attrs: [string, string | number][]
  text?: string
  children: Node[]
}

// C0 controls but tab, line feed and carriage return, and DEL: what xmlSafe drops.
const CONTROL = new Set([...Array.from({ length: 32 }, (_, i) => i).filter((i) => i !== 9 && i !== 10 && i !== 13), 127])
// Text the writer is given has been through junit's xmlSafe (no C0 controls but tab and line breaks).
const TEXT = fc.oneof(
  fc.string({ unit: fc.constantFrom('&', '<', '>', '"', "'", ']]>', '\n', '\r', '\t', ' ', 'a', 'é', '→', '😀', '\uFFFE') }),
  fc.string({ unit: 'binary' }).map((s) => [...s].filter((c) => !CONTROL.has(c.codePointAt(0)!)).join('')),
)
const NAME = fc.constantFrom('testsuites', 'testsuite', 'testcase', 'failure', 'skipped', 'properties', 'property', 'system-out')
const ATTRS = fc.uniqueArray(fc.tuple(fc.constantFrom('name', 'tests', 'time', 'message', 'value', 'type'), fc.oneof(TEXT, fc.integer())), {
  selector: ([k]) => k,
  maxLength: 4,
})
const { tree } = fc.letrec<{ tree: Node }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    fc.record({ name: NAME, attrs: ATTRS, text: TEXT, children: fc.constant([]) }),
    fc.record({ name: NAME, attrs: ATTRS, children: fc.array(tie('tree'), { maxLength: 4 }) }),
  ),
}))

function buildOurs(n: Node, parent?: XmlElement): XmlElement {
  const el = parent ? parent.ele(n.name, Object.fromEntries(n.attrs)) : new XmlElement(n.name, Object.fromEntries(n.attrs))
  if (n.text !== undefined) el.txt(n.text)
  for (const c of n.children) buildOurs(c, el)
  return el
}

function buildTheirs(n: Node, parent: XMLBuilder): void {
  const el = parent.ele(n.name, Object.fromEntries(n.attrs))
  if (n.text !== undefined) el.txt(n.text)
  for (const c of n.children) buildTheirs(c, el)
}

describe('the junit.xml writer', () => {
  it('writes what xmlbuilder2 wrote, byte for byte', () => {
    fc.assert(
      fc.property(tree, (t) => {
        const doc = create({ version: '1.0', encoding: 'UTF-8' })
        buildTheirs(t, doc)
        expect(buildOurs(t).document()).toBe(doc.end({ prettyPrint: true }))
      }),
      { numRuns: 500 },
    )
  })
})
