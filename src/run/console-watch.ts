// A guest's console as text the run can wait on ({wait=REGEX}): kept since the guest booted
// (bounded), cleaned of CR and escape sequences, so a pattern sees lines as a person reads them.
import stripAnsi from 'strip-ansi'

/** The most console text kept for waits: a wait looks at what came since its block started. */
const KEEP = 1 << 20

export class ConsoleWatch {
  private text = ''
  /** Characters dropped from the front (so offsets stay valid as text is trimmed). */
  private dropped = 0
  private waiters = new Set<() => void>()

  push(chunk: string): void {
    this.text += stripAnsi(chunk).replace(/\r/g, '')
    if (this.text.length > KEEP) {
      const cut = this.text.length - KEEP
      this.text = this.text.slice(cut)
      this.dropped += cut
    }
    for (const w of this.waiters) w()
  }

  /** Where the console is now: a wait from here sees only what comes after. */
  get mark(): number {
    return this.dropped + this.text.length
  }

  /** The first line after `since` matching `re`, or undefined when `signal` aborts first. */
  async waitFor(re: RegExp, since: number, signal: AbortSignal): Promise<string | undefined> {
    const find = () => {
      const from = Math.max(0, since - this.dropped)
      return this.text
        .slice(from)
        .split('\n')
        .find((line) => re.test(line))
    }
    return new Promise((resolve) => {
      const check = () => {
        const line = signal.aborted ? undefined : find()
        if (line === undefined && !signal.aborted) return
        this.waiters.delete(check)
        signal.removeEventListener('abort', check)
        resolve(line)
      }
      this.waiters.add(check)
      signal.addEventListener('abort', check)
      check()
    })
  }
}
