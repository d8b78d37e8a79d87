// Secrets never reach a transcript, an event log, an output file or a console log.
import { StringDecoder } from 'node:string_decoder'

export const MASK = '********'

/** Params and environment variables with such names are secrets even when not declared so. */
export const SECRET_NAME_RE = /(_TOKEN|_PASSWORD|_SECRET|_API_KEY)$/i

export class Masker {
  readonly secrets: string[]
  constructor(values: string[]) {
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...new Set(values.filter((v) => v.length >= 3))].sort((a, b) => b.length - a.length)
  }
  get active(): boolean {
    return this.secrets.length > 0
  }
  mask(text: string): string {
    let out = text
    for (const s of this.secrets) out = out.split(s).join(MASK)
    return out
  }
  /** A masker for one stream: a secret split across chunks is still masked. */
  stream(): StreamMasker {
    return new StreamMasker(this)
  }
}

/** Masks a byte stream chunk by chunk, holding back just enough to catch a secret split in two. */
export class StreamMasker {
  private held = ''
  private readonly decoder = new StringDecoder('utf8')
  private readonly keep: number

  constructor(private readonly masker: Masker) {
    this.keep = Math.max(0, ...masker.secrets.map((s) => s.length - 1))
  }

  push(chunk: Buffer): Buffer {
    if (!this.masker.active) return chunk
    const text = this.masker.mask(this.held + this.decoder.write(chunk))
    // The tail may be the start of a secret: keep it for the next chunk (never a mask itself).
    let cut = Math.max(0, text.length - this.keep)
    const lastMask = text.lastIndexOf(MASK)
    if (lastMask >= 0 && lastMask + MASK.length > cut) cut = lastMask + MASK.length
    this.held = text.slice(cut)
    return Buffer.from(text.slice(0, cut), 'utf8')
  }

  end(): Buffer {
    if (!this.masker.active) return Buffer.alloc(0)
    const text = this.masker.mask(this.held + this.decoder.end())
    this.held = ''
    return Buffer.from(text, 'utf8')
  }
}

/** The secrets of a run: secret params, and docrun's own environment variables named like secrets. */
export function runSecrets(params: { value: string; secret: boolean }[], env: NodeJS.ProcessEnv = process.env): Masker {
  const fromEnv = Object.entries(env)
    .filter(([k, v]) => v && SECRET_NAME_RE.test(k))
    .map(([, v]) => v!)
  return new Masker([...params.filter((p) => p.secret).map((p) => p.value), ...fromEnv])
}
