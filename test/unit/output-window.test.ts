// The head-and-tail window of a block's output (every reporter keeps one): pushed any chunks,
// it keeps what the window that split every chunk into lines kept (the reference below, the
// code before the window stopped making strings of the lines it drops).
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { OutputWindow } from '../../src/report/output-window.js'

class Reference {
  private head: string[] = []
  private tail: string[] = []
  private partial = ''
  lines = 0
  bytes = 0
  constructor(
    private readonly headLines: number,
    private readonly tailLines: number,
  ) {}
  push(text: string): void {
    this.bytes += Buffer.byteLength(text)
    const parts = (this.partial + text).split('\n')
    this.partial = parts.pop() ?? ''
    for (const line of parts) this.add(line.length > 4000 ? `${line.slice(0, 4000)} … (line cut at 4000 characters)` : line)
    if (this.partial.length > 4000) {
      this.add(`${this.partial.slice(0, 4000)} … (line cut at 4000 characters)`)
      this.partial = ''
    }
  }
  private add(line: string): void {
    this.lines++
    if (this.head.length < this.headLines) this.head.push(line)
    else {
      this.tail.push(line)
      if (this.tail.length > this.tailLines) this.tail.shift()
    }
  }
  view() {
    return { head: this.head, tail: this.tail, elided: this.lines - this.head.length - this.tail.length, partial: this.partial }
  }
}

const line = fc.oneof(fc.string({ maxLength: 12 }), fc.constant('x'.repeat(3999)), fc.constant('y'.repeat(4001)), fc.constant(''))
const chunk = fc.oneof(
  fc.array(line, { maxLength: 30 }).map((ls) => ls.join('\n')),
  fc.string({ unit: fc.constantFrom('a', 'é', '\n', '😀', '\r'), maxLength: 200 }),
)

describe('the output window', () => {
  it('keeps the head, the tail, the counts and the unfinished line that splitting every chunk kept', () => {
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 20 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 6 }), (chunks, h, t) => {
        const ours = new OutputWindow(h, t)
        const ref = new Reference(h, t)
        for (const c of chunks) {
          ours.push(c)
          ref.push(c)
        }
        expect(ours.view()).toEqual(ref.view())
        expect([ours.lines, ours.bytes]).toEqual([ref.lines, ref.bytes])
      }),
      { numRuns: 2000 },
    )
  })

  it('keeps 40 and 80 lines of a 64 KB chunk of short lines', () => {
    const w = new OutputWindow()
    const lines = Array.from({ length: 700 }, (_, i) => `line ${i} ${'x'.repeat(88)}`)
    w.push(`${lines.join('\n')}\n`)
    const v = w.view()
    expect([v.head.length, v.tail.length, v.elided, v.head[0], v.tail.at(-1)]).toEqual([40, 80, 580, lines[0], lines[699]])
  })
})
