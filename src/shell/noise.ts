// What a shell writes on its own stderr outside any block (a startup file's complaint, a job
// notice): worth telling the run, but a noisy shell must not flood the event log. Text is held
// and said at most once per interval, each time at most `maxBytes`, and after `maxNotes` the
// rest is only counted.
import { StringDecoder } from 'node:string_decoder'

export interface NoiseLimits {
  intervalMs: number
  maxBytes: number
  maxNotes: number
}

const DEFAULTS: NoiseLimits = { intervalMs: 1000, maxBytes: 2048, maxNotes: 20 }

export class NoiseCoalescer {
  private held = ''
  private dropped = 0
  private notes = 0
  private timer: NodeJS.Timeout | undefined
  private readonly decoder = new StringDecoder('utf8')
  private readonly limits: NoiseLimits

  constructor(private readonly say: (text: string) => void, limits: Partial<NoiseLimits> = {}) {
    this.limits = { ...DEFAULTS, ...limits }
  }

  push(chunk: Buffer): void {
    const text = this.decoder.write(chunk)
    const room = this.notes < this.limits.maxNotes ? Math.max(0, this.limits.maxBytes - this.held.length) : 0
    this.held += text.slice(0, room)
    this.dropped += Buffer.byteLength(text.slice(room))
    // Never keeps docrun alive: the pool flushes what is held when it closes the target.
    this.timer ??= setTimeout(() => this.flush(), this.limits.intervalMs).unref()
  }

  /** Say what is held now; the last time (`final`), also how much was never said. */
  flush(final = false): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    const text = this.held.trim()
    this.held = ''
    if (text) {
      this.notes++
      const more = this.dropped ? ` … (${this.dropped} bytes more not shown)` : ''
      this.say(`${text}${more}${this.notes === this.limits.maxNotes ? ' (from now on its stderr is only counted)' : ''}`)
      this.dropped = 0
    }
    if (final && this.dropped) this.say(`${this.dropped} bytes more on its stderr were not shown`)
    if (final) this.dropped = 0
  }
}
