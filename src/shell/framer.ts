// Reads the session's byte stream and finds the protocol's markers in it. Bytes are
// handled as latin1 strings so every byte maps to one char and back, exactly.

export interface EndFrame {
  status: number
  timedOut: boolean
  interrupted: boolean
}

type Waiter =
  | { kind: 'sync'; token: string; resolve: (line: string) => void }
  | { kind: 'run'; nonce: string; begun: boolean; onOutput: (chunk: Buffer) => void; resolve: (end: EndFrame) => void }

export class Framer {
  private buf = ''
  private waiter: Waiter | undefined
  /** Bytes that belong to no command (echo, prompts, shell messages). */
  constructor(private readonly onNoise: (chunk: Buffer) => void = () => {}) {}

  /** Resolve with the rest of the line after `token` once `token` starts a line. */
  expect(token: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiter = { kind: 'sync', token, resolve }
      this.scan()
    })
  }

  run(nonce: string, onOutput: (chunk: Buffer) => void): Promise<EndFrame> {
    return new Promise((resolve) => {
      this.waiter = { kind: 'run', nonce, begun: false, onOutput, resolve }
      this.scan()
    })
  }

  /** Forget the current waiter (the caller gave up on it). */
  cancel(): void {
    this.waiter = undefined
  }

  push(chunk: Buffer): void {
    this.buf += chunk.toString('latin1')
    this.scan()
  }

  private noise(text: string): void {
    if (text) this.onNoise(Buffer.from(text, 'latin1'))
  }

  private scan(): void {
    for (;;) {
      const w = this.waiter
      if (!w) {
        // Keep a little: a marker may be split across chunks and a waiter may come.
        if (this.buf.length > 4096) {
          this.noise(this.buf.slice(0, -1024))
          this.buf = this.buf.slice(-1024)
        }
        return
      }
      if (w.kind === 'sync' || !w.begun) {
        const token = w.kind === 'sync' ? w.token : `__DR_BEGIN_${w.nonce}`
        const at = findLineStart(this.buf, token)
        if (at < 0) {
          const keep = token.length + 256
          if (this.buf.length > keep) {
            this.noise(this.buf.slice(0, -keep))
            this.buf = this.buf.slice(-keep)
          }
          return
        }
        const nl = this.buf.indexOf('\n', at)
        if (nl < 0) return
        this.noise(this.buf.slice(0, at))
        const rest = this.buf.slice(at + token.length, nl).replace(/\r$/, '')
        this.buf = this.buf.slice(nl + 1)
        if (w.kind === 'sync') {
          this.waiter = undefined
          w.resolve(rest)
          continue
        }
        w.begun = true
        continue
      }
      // Inside a block: stream output, holding back what could be the end marker's start.
      const marker = `\n__DR_END_${w.nonce}:`
      const at = this.buf.indexOf(marker)
      if (at < 0) {
        // Hold back only what could still become the marker, so a quiet block's last line shows.
        const keep = markerPrefixAtEnd(this.buf, marker)
        if (this.buf.length > keep) {
          w.onOutput(Buffer.from(this.buf.slice(0, this.buf.length - keep), 'latin1'))
          this.buf = this.buf.slice(this.buf.length - keep)
        }
        return
      }
      const nl = this.buf.indexOf('\n', at + marker.length)
      if (nl < 0) {
        if (at > 0) {
          w.onOutput(Buffer.from(this.buf.slice(0, at), 'latin1'))
          this.buf = this.buf.slice(at)
        }
        return
      }
      let out = this.buf.slice(0, at)
      if (out.endsWith('\r')) out = out.slice(0, -1)
      if (out) w.onOutput(Buffer.from(out, 'latin1'))
      const [st, to] = this.buf
        .slice(at + marker.length, nl)
        .replace(/\r$/, '')
        .split(':')
      this.buf = this.buf.slice(nl + 1)
      this.waiter = undefined
      w.resolve({ status: Number(st), timedOut: to === '1', interrupted: to === '2' })
    }
  }
}

/** Index of `token` where it starts a line (at 0 or after \n / \r), or -1. */
function findLineStart(buf: string, token: string): number {
  let from = 0
  for (;;) {
    const at = buf.indexOf(token, from)
    if (at < 0) return -1
    const before = at === 0 ? '\n' : buf[at - 1]
    if (before === '\n' || before === '\r') return at
    from = at + 1
  }
}

/** Length of the longest end of `buf` that is a proper prefix of `marker`. */
function markerPrefixAtEnd(buf: string, marker: string): number {
  for (let k = Math.min(marker.length - 1, buf.length); k > 0; k--) {
    if (buf.endsWith(marker.slice(0, k))) return k
  }
  return 0
}
