// What a shell writes on its own stderr outside any block (a startup file's complaint, a job
// notice): worth telling the run, but a noisy shell must not flood the event log. The first
// chunk is said at once (so it lands on the block that is running); what follows within
// `intervalMs` is held and said together, each note at most `maxBytes`; after `maxNotes` the
// rest is only counted, and said as a count when the shell closes.
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
  private quiet: NodeJS.Timeout | undefined
  private readonly decoder = new StringDecoder('utf8')
  private readonly limits: NoiseLimits

  constructor(
    private readonly say: (text: string) => void,
    limits: Partial<NoiseLimits> = {},
  ) {
    this.limits = { ...DEFAULTS, ...limits }
  }

  push(chunk: Buffer): void {
    const text = this.decoder.write(chunk)
    const room = this.notes < this.limits.maxNotes ? Math.max(0, this.limits.maxBytes - this.held.length) : 0
    this.held += text.slice(0, room)
    this.dropped += Buffer.byteLength(text.slice(room))
    if (!this.quiet) this.sayHeld()
  }

  /** The shell closed: say what is still held, and how much was never said. */
  flush(): void {
    if (this.quiet) clearTimeout(this.quiet)
    this.quiet = undefined
    this.sayHeld(false)
    if (this.dropped) this.say(`${this.dropped} bytes more on its stderr were not shown`)
    this.dropped = 0
  }

  private sayHeld(thenWait = true): void {
    const text = this.held.trim()
    this.held = ''
    if (!text) return
    this.notes++
    const more = this.dropped ? ` … (${this.dropped} bytes more not shown)` : ''
    this.dropped = 0
    this.say(`${text}${more}${this.notes === this.limits.maxNotes ? ' (from now on its stderr is only counted)' : ''}`)
    // Never keeps docrun alive: flush() says the rest when the target closes.
    if (thenWait) this.quiet = setTimeout(() => this.endQuiet(), this.limits.intervalMs).unref()
  }

  private endQuiet(): void {
    this.quiet = undefined
    this.sayHeld()
  }
}
