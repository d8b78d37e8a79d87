// Keeps the head and tail of a block's output in bounded memory, whatever its size.

/** A line longer than this is cut. */
const MAX_LINE = 4000
const cut = (line: string) => (line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)} … (line cut at ${MAX_LINE} characters)` : line)

export class OutputWindow {
  private head: string[] = []
  private tail: string[] = []
  private partial = ''
  lines = 0
  bytes = 0

  constructor(
    private readonly headLines = 40,
    private readonly tailLines = 80,
  ) {}

  /**
   * Only the lines that can be kept become strings — the head's missing ones and the chunk's
   * last `tailLines` — the others are counted: a 64 KB chunk of short lines is not split into a
   * thousand strings dropped at once (each reporter keeps a window; a flood is ~16,000 chunks a GB).
   */
  push(text: string): void {
    this.bytes += Buffer.byteLength(text)
    const first = text.indexOf('\n')
    if (first < 0) {
      this.partial += text
      this.cutPartial()
      return
    }
    let count = 1
    for (let at = text.indexOf('\n', first + 1); at >= 0; at = text.indexOf('\n', at + 1)) count++
    const headNeed = Math.max(0, this.headLines - this.head.length)
    let start = 0
    for (let i = 0, end = first; i < count; i++, start = end + 1, end = text.indexOf('\n', start)) {
      if (i < headNeed || i >= count - this.tailLines) this.add(cut(i === 0 ? this.partial + text.slice(0, end) : text.slice(start, end)))
      else this.lines++
    }
    this.partial = text.slice(start)
    this.cutPartial()
  }

  /** A line that has not ended is kept up to the cut (it is shown as a line of its own then). */
  private cutPartial(): void {
    if (this.partial.length <= MAX_LINE) return
    this.add(cut(this.partial))
    this.partial = ''
  }

  private add(line: string): void {
    this.lines++
    if (this.head.length < this.headLines) this.head.push(line)
    else {
      this.tail.push(line)
      if (this.tail.length > this.tailLines) this.tail.shift()
    }
  }

  /** The lines to show, and how many were left out between head and tail. */
  view(): { head: string[]; tail: string[]; elided: number; partial: string } {
    return { head: this.head, tail: this.tail, elided: this.lines - this.head.length - this.tail.length, partial: this.partial }
  }

  /** The last `n` lines (for failure messages). */
  last(n: number): string[] {
    const all = [...this.head, ...this.tail]
    if (this.partial) all.push(this.partial)
    return all.slice(-n)
  }
}
