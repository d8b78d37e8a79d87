// Output from a terminal line (a guest's serial console), cleaned for the transcript:
// CRLF → LF, ANSI/OSC/DSR sequences (busybox prints ESC[6n at its prompt) removed, and kernel
// printk lines that the console interleaves (`[  501.44] bpf_testmod: ...`) dropped.
// The raw console log keeps everything.
import { StringDecoder } from 'node:string_decoder'
import stripAnsi from 'strip-ansi'

const PRINTK = /^\[\s*\d+\.\d+\] /
/** A line start that may still turn out to be a printk line. */
const MAYBE_PRINTK = /^\[[\s\d.]*\]?$/
/** What must wait for more bytes: a CR that may start CRLF, an unfinished escape sequence. */
const UNFINISHED = /(?:\r|\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[ -/]*)?|\x9b[0-?]*[ -/]*)$/

export class TtyCleaner {
  private partial = ''
  /** Part of the current line was already emitted: it is output, not a printk line. */
  private committed = false
  // UTF-8 decoded per stream, so a character split across chunks survives.
  private readonly decoder = new StringDecoder('utf8')

  /** Cleaned text as soon as it is safe to emit: whole lines, and what is certain of the line being written. */
  push(chunk: Buffer | string): string {
    let text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk))
    let out = ''
    const cut = text.lastIndexOf('\n')
    if (cut >= 0) {
      out += cleanTty(text.slice(0, cut + 1), this.committed)
      text = text.slice(cut + 1)
      this.committed = false
    }
    this.partial = text
    if (text && (this.committed || !MAYBE_PRINTK.test(text)) && !PRINTK.test(text)) {
      const hold = UNFINISHED.exec(text)?.[0] ?? ''
      const now = text.slice(0, text.length - hold.length)
      if (now) {
        out += stripAnsi(now)
        this.partial = hold
        this.committed = true
      }
    }
    return out
  }

  flush(): string {
    const rest = cleanTty(this.partial + this.decoder.end(), this.committed).replace(/\r$/, '')
    this.partial = ''
    this.committed = false
    return rest
  }
}

/** Clean console text (see above); `continued`: its first line's start was already emitted. */
export function cleanTty(text: string, continued = false): string {
  return stripAnsi(text)
    .replace(/\r+\n/g, '\n')
    .split('\n')
    .filter((line, i) => (continued && i === 0) || !PRINTK.test(line))
    .join('\n')
}
