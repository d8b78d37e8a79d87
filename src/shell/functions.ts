// A POSIX sh session's shell functions, kept by the host: busybox ash and dash have no
// `declare -f`, so their state dump (`set`) holds variables only, and a function a block defines
// would die with the block's subshell. The session keeps the text of each function definition a
// block writes at its top level (read by syntax/shell.ts's parser, which the target hands to
// the session), has the shell source it after the block (sh-protocol.ts: NONCE.fn.sh), and adds
// the definitions to every snapshot, so a new shell (--resume, a {tty} block's, a detached one)
// defines them too. What a block defines some other way (eval, a sourced file, inside an `if`) is
// not seen, and a definition is replayed even when the block ended before reaching it.

/** A definition as the block wrote it. */
export interface FunctionText {
  name: string
  text: string
}

/** The top-level function definitions of a script (syntax/shell.ts topLevelFunctions). */
export type ReadFunctions = (script: string) => Promise<FunctionText[]>

/** Where a snapshot's functions start: a comment, so the dump still sources as it is. */
const MARK = '# docrun: functions the blocks defined (sh has no declare -f; replayed from their text)'

export class SessionFunctions {
  /** Name → the last definition of it; a Map keeps the order they were (re)defined in. */
  private readonly defs = new Map<string, string>()

  constructor(private readonly read: ReadFunctions) {}

  /** The definitions `script` writes at its top level, as one file to source (undefined: none). */
  async of(script: string): Promise<{ found: FunctionText[]; file: Buffer | undefined }> {
    // A parser that fails leaves the block as before this existed: its functions stay in it.
    const found = await this.read(script).catch(() => [])
    return { found, file: found.length ? Buffer.from(`${found.map((d) => d.text).join('\n')}\n`, 'utf8') : undefined }
  }

  /** The block that wrote them ran, and its state was imported: its definitions are the session's. */
  keep(found: FunctionText[]): void {
    for (const d of found) {
      this.defs.delete(d.name)
      this.defs.set(d.name, d.text)
    }
  }

  /** Every definition kept, as shell text ('' when none). */
  text(): string {
    return this.defs.size ? `${[...this.defs.values()].join('\n')}\n` : ''
  }

  /** A state dump with the definitions after it. */
  withDump(dump: string): string {
    if (!this.defs.size) return dump
    return `${dump}${dump === '' || dump.endsWith('\n') ? '' : '\n'}${MARK}\n${this.text()}`
  }

  /** A snapshot sourced into a new shell (resume): its definitions are the session's again. */
  async fromDump(dump: string): Promise<void> {
    const at = dump.lastIndexOf(`${MARK}\n`)
    if (at < 0 || (at > 0 && dump[at - 1] !== '\n')) return
    this.keep(await this.read(dump.slice(at + MARK.length + 1)).catch(() => []))
  }
}
