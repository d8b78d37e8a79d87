// Output from a terminal line (a guest's serial console), cleaned for the transcript:
// CRLF → LF, ANSI/OSC/DSR sequences (busybox prints ESC[6n at its prompt) removed, and kernel
// printk lines that the console interleaves (`[  501.44] bpf_testmod: ...`) dropped.
// The raw console log keeps everything. A {tty} block's pty is cleaned the same way, except that
// its lines are a program's own (no printk to drop) and a line a carriage return rewrites (a
// progress meter) is kept as the terminal left it; its raw stream goes to a side file.
import { StringDecoder } from 'node:string_decoder'
import stripAnsi from 'strip-ansi'

const PRINTK = /^\[\s*\d+\.\d+\] /
/** A line start that may still turn out to be a printk line. */
const MAYBE_PRINTK = /^\[[\s\d.]*\]?$/
/** What must wait for more bytes: a CR that may start CRLF, an unfinished escape sequence. */
/** The longest line a {tty} block's cleaner holds back until its newline. */
const MAX_HELD = 65536
const UNFINISHED = /(?:\r|\x1b(?:\[[0-?]*[ -/]*|\][^\x07\x1b]*|[ -/]*)?|\x9b[0-?]*[ -/]*)$/

export interface TtyCleanOptions {
  /** Drop kernel printk lines (a guest's console): default true. */
  printk?: boolean
  /** A carriage return rewrites its line, as on a terminal: hold each line until its newline. Default false. */
  overwrite?: boolean
}

export class TtyCleaner {
  private partial = ''
  private readonly printk: boolean
  private readonly overwrite: boolean
  /** Part of the current line was already emitted: it is output, not a printk line. */
  private committed = false
  // UTF-8 decoded per stream, so a character split across chunks survives.
  private readonly decoder = new StringDecoder('utf8')

  constructor(opts: TtyCleanOptions = {}) {
    this.printk = opts.printk ?? true
    this.overwrite = opts.overwrite ?? false
  }

  /** Cleaned text as soon as it is safe to emit: whole lines, and what is certain of the line being written. */
  push(chunk: Buffer | string): string {
    let text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk))
    let out = ''
    const cut = text.lastIndexOf('\n')
    if (cut >= 0) {
      out += this.clean(text.slice(0, cut + 1))
      text = text.slice(cut + 1)
      this.committed = false
    }
    // A line being rewritten is held until its newline, compacted to what the terminal shows so far.
    this.partial = this.overwrite ? compactLine(text) : text
    if (this.overwrite) {
      if (this.partial.length <= MAX_HELD) return out
      // A flood without newlines is not held without bound: what the terminal shows of it so far goes out.
      const hold = UNFINISHED.exec(this.partial)?.[0] ?? ''
      out += settleLine(stripAnsi(this.partial.slice(0, this.partial.length - hold.length)))
      this.partial = hold
      return out
    }
    if (text && (this.committed || !this.printk || !MAYBE_PRINTK.test(text)) && (!this.printk || !PRINTK.test(text))) {
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
    const rest = this.clean(this.partial + this.decoder.end()).replace(/\r$/, '')
    this.partial = ''
    this.committed = false
    return rest
  }

  private clean(text: string): string {
    if (!this.printk) {
      const lines = stripAnsi(text).replace(/\r+\n/g, '\n')
      return this.overwrite ? lines.split('\n').map(settleLine).join('\n') : lines
    }
    return cleanTty(text, this.committed)
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

/** A line as a terminal shows it: each carriage return goes back to its start, and what follows overwrites. */
export function settleLine(line: string): string {
  let shown = ''
  for (const part of line.split('\r')) shown = part + shown.slice(part.length)
  return shown
}

/**
 * A held line, shorter but the same once settled: what the terminal shows so far, then the last
 * carriage return and what follows it (an escape sequence or a CR may still be cut in two).
 */
function compactLine(text: string): string {
  const cr = text.lastIndexOf('\r')
  if (cr <= 0) return text
  return `${settleLine(stripAnsi(text.slice(0, cr)))}${text.slice(cr)}`
}
