// Keeps the head and tail of a block's output in bounded memory, whatever its size.

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
