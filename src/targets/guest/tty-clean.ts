// Output from a serial console, cleaned for the transcript: CRLF → LF, ANSI/OSC/DSR
// sequences (busybox prints ESC[6n at its prompt) removed, and kernel printk lines that the
// console interleaves (`[  501.44] bpf_testmod: ...`) dropped. The raw console log keeps all.
import stripAnsi from 'strip-ansi'

const PRINTK = /^\[\s*\d+\.\d+\] /

export class TtyCleaner {
  private partial = ''

  /** Whole lines are cleaned as they complete; a trailing partial line waits for more. */
  push(chunk: string): string {
    const text = this.partial + chunk
    const cut = text.lastIndexOf('\n')
    if (cut < 0) {
      this.partial = text
      return ''
    }
    this.partial = text.slice(cut + 1)
    return clean(text.slice(0, cut + 1))
  }

  flush(): string {
    const rest = clean(this.partial)
    this.partial = ''
    return rest
  }
}

function clean(text: string): string {
  return stripAnsi(text)
    .replace(/\r+\n/g, '\n')
    .split('\n')
    .filter((line) => !PRINTK.test(line))
    .join('\n')
}
