// Reads the session's byte stream and finds the protocol's markers in it. Bytes are
// handled as latin1 strings so every byte maps to one char and back, exactly.
//
// A marker starts a line: it follows a newline, or RS (\x1e) — what bash prints before its
// markers (script.ts BASH_EXTRAS): bash's stdout is line-buffered, so `printf '\n%s\n'` is two
// writes, each a wake-up of docrun (and a core handed to it, away from the shell), where
// `printf '\036%s\n'` is one. The lead byte, like the newline, is the protocol's, not output.

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
        // The lead byte is the marker's, like its newline: not noise.
        this.noise(this.buf.slice(0, at > 0 && this.buf[at - 1] === LEAD ? at - 1 : at))
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
      const at = indexOfMarker(this.buf, marker)
      if (at < 0) {
        // Hold back only what could still become the marker, so a quiet block's last line shows.
        const keep = Math.max(markerPrefixAtEnd(this.buf, marker), markerPrefixAtEnd(this.buf, `${LEAD}${marker.slice(1)}`))
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
      // A terminal's CRLF for the marker's newline; before the lead byte a CR is the block's own.
      if (out.endsWith('\r') && this.buf[at] === '\n') out = out.slice(0, -1)
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

/** The lead byte bash prints before a marker instead of a newline (RS). */
const LEAD = '\x1e'

/** Index of `token` where it starts a line (at 0 or after \n, \r or the lead byte), or -1. */
function findLineStart(buf: string, token: string): number {
  let from = 0
  for (;;) {
    const at = buf.indexOf(token, from)
    if (at < 0) return -1
    const before = at === 0 ? '\n' : buf[at - 1]
    if (before === '\n' || before === '\r' || before === LEAD) return at
    from = at + 1
  }
}

/** Where `marker` (`\n…`) is in `buf`, led by its newline or by the lead byte instead: the first of the two, or -1. */
function indexOfMarker(buf: string, marker: string): number {
  const nl = buf.indexOf(marker)
  const rs = buf.indexOf(`${LEAD}${marker.slice(1)}`)
  return nl < 0 ? rs : rs < 0 ? nl : Math.min(nl, rs)
}

/** Length of the longest end of `buf` that is a proper prefix of `marker`. */
function markerPrefixAtEnd(buf: string, marker: string): number {
  for (let k = Math.min(marker.length - 1, buf.length); k > 0; k--) {
    if (buf.endsWith(marker.slice(0, k))) return k
  }
  return 0
}
