// Secrets never reach a transcript, an event log or a console log.

export class Masker {
  private readonly secrets: string[]
  constructor(values: string[]) {
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = values.filter((v) => v.length >= 3).sort((a, b) => b.length - a.length)
  }
  get active(): boolean {
    return this.secrets.length > 0
  }
  mask(text: string): string {
    let out = text
    for (const s of this.secrets) out = out.split(s).join('********')
    return out
  }
}
