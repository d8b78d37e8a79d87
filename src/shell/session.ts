// One persistent shell spoken to through the framed protocol (see script.ts).
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { Channel } from './channel.js'
import { Framer, type EndFrame } from './framer.js'
import { BASH_EXTRAS, BASH_POST, INIT_SCRIPT, ttyRunner } from './script.js'
import { assignLines, base64Lines, printfFormat } from './encode.js'
import { TtyCleaner } from './tty-clean.js'
import { SH_EXTRAS, printfUploadLines } from './sh-protocol.js'
import { SessionFunctions, type ReadFunctions } from './functions.js'
import { setTimeout as sleep } from 'node:timers/promises'

export interface ShellInfo {
  shell: string
  base64: boolean
  jobControl: boolean
  uid: number
}

export interface ShellRunOptions {
  errexit?: boolean
  timeoutMs?: number
  /** Bring the block's variables, functions and cwd back into the session (blocks: yes; checks: no). */
  importState?: boolean
  onOutput?: (chunk: Buffer) => void
  signal?: AbortSignal
  /** Run the block with a pseudo-terminal of this size as its stdin, stdout and stderr (script.ts: __dr_tty_job). */
  tty?: TtySize
  /** With `tty`: the terminal's bytes as they came (CR, escape sequences), before `onOutput`'s cleaning. */
  onRaw?: (chunk: Buffer) => void
}

/** What `__dr_run` is told besides the block: errexit, the timeout in seconds, whether its state comes back, its function definitions (sh). */
interface RunArgs {
  errexit: 0 | 1
  secs: number
  importState: boolean
  fn: Buffer | undefined
}

export interface TtySize {
  cols: number
  rows: number
}

export interface ShellRunResult extends EndFrame {
  /** Set when the session itself failed (stream closed, no answer). */
  error?: string
}

export class SessionError extends Error {}

function emitText(sink: (c: Buffer) => void, text: string): void {
  if (text) sink(Buffer.from(text, 'utf8'))
}

const nonce = () => randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')

/** The longest line typed at once (busybox line editing keeps 1024 characters). */
const ONE_LINE = 900

/** How long a session may take to answer after a block's own timeout (or an interrupt) before it counts as dead. */
const ANSWER_GRACE_MS = 20_000

export interface ShellSessionOptions {
  /** Bytes on the stream that belong to no command (echo, prompts). */
  onNoise?: (chunk: Buffer) => void
  /** Default ANSWER_GRACE_MS; tests shorten it. */
  answerGraceMs?: number
  /** How a POSIX sh session finds the functions a block defines (functions.ts); without it they stay in the block. */
  readFunctions?: ReadFunctions
}

export class ShellSession {
  readonly framer: Framer
  info: ShellInfo | undefined
  private closed: string | undefined
  private closeWaiters: ((reason: string) => void)[] = []
  private busy = false
  /** Nonce of the last block whose state was imported: its dump is the session's state. */
  private lastImported: string | undefined
  private readonly graceMs: number
  /** A POSIX sh session's functions, kept by the host (bash dumps its own with declare -f). */
  private readonly functions: SessionFunctions

  constructor(
    readonly channel: Channel,
    /** Directory inside the target for the session's scripts and dumps. */
    readonly dir: string,
    opts: ShellSessionOptions = {},
  ) {
    this.framer = new Framer(opts.onNoise)
    this.graceMs = opts.answerGraceMs ?? ANSWER_GRACE_MS
    this.functions = new SessionFunctions(opts.readFunctions ?? (async () => []))
    channel.onData((c) => this.framer.push(c))
    channel.onClose((reason) => {
      this.closed = reason
      for (const w of this.closeWaiters.splice(0)) w(reason)
    })
  }

  get isClosed(): boolean {
    return this.closed !== undefined
  }

  /** Why the stream ended, once it has. */
  get closedReason(): string | undefined {
    return this.closed
  }

  /** Type the protocol's functions and learn what the shell can do. */
  async start(timeoutMs = 30_000): Promise<ShellInfo> {
    const token = nonce()
    const lines = [`__dr_d=$(printf '${printfFormat(Buffer.from(this.dir))}')`, ...INIT_SCRIPT.trim().split('\n'), `__dr_probe ${token}`]
    const probe = this.framer.expect(`__DR_PROBE_${token}:`)
    this.send(lines)
    const line = await this.guard(probe, timeoutMs, 'start the shell protocol')
    const [shell, b64, jc, uid] = line.split(':')
    this.info = { shell: shell === 'sh' ? 'sh' : `bash ${shell}`, base64: b64 === 'b64', jobControl: jc === '1', uid: Number(uid) }
    await this.sync(shell === 'sh' ? SH_EXTRAS.trim().split('\n') : [...BASH_EXTRAS.trim().split('\n'), BASH_POST], timeoutMs)
    return this.info
  }

  /** Run a script as a block: the protocol's one result shape, failure included. */
  async run(script: string, opts: ShellRunOptions = {}): Promise<ShellRunResult> {
    if (this.busy) throw new SessionError('session is busy')
    this.busy = true
    try {
      const id = nonce()
      const body = Buffer.from(script.endsWith('\n') || script === '' ? script : `${script}\n`, 'utf8')
      const secs = opts.timeoutMs ? Math.max(1, Math.ceil(opts.timeoutMs / 1000)) : 0
      const defs = this.sh && opts.importState !== false ? await this.functions.of(script) : undefined
      const lines = this.runLines(
        id,
        body,
        { errexit: opts.errexit === false ? 0 : 1, secs, importState: opts.importState !== false, fn: defs?.file },
        opts.tty,
      )
      if (opts.importState !== false) this.lastImported = id
      // The shell sources them when the block ends, whatever its status (as bash's dump of the block's state).
      if (defs) this.functions.keep(defs.found)
      const onOutput = this.outputSink(opts)
      const done = this.framer.run(id, onOutput.push).then((end) => {
        onOutput.flush()
        return end
      })
      // Aborted when the block is over: no timer of this block outlives it.
      const settled = new AbortController()
      let rejectLate: ((e: Error) => void) | undefined
      const late = new Promise<never>((_, reject) => (rejectLate = reject))
      late.catch(() => {})
      let givingUp = false
      const onAbort = () => {
        this.interruptLoop()
        if (givingUp) return
        givingUp = true
        // A command that ignores INT, TERM and KILL (or a console whose ^C reaches nobody) must not hang the run.
        const why = `${this.channel.description} did not stop the block within ${Math.round(this.graceMs / 1000)}s of the interrupt`
        sleep(this.graceMs, undefined, { signal: settled.signal }).then(
          () => rejectLate?.(new SessionError(why)),
          () => {},
        )
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      if (opts.signal?.aborted) onAbort()
      this.send(lines)
      try {
        const limit = opts.timeoutMs ? opts.timeoutMs + this.graceMs : undefined
        return await this.guard(Promise.race([done, late]), limit, 'finish the block')
      } catch (error) {
        this.framer.cancel()
        return { status: -1, timedOut: false, interrupted: opts.signal?.aborted ?? false, error: (error as Error).message }
      } finally {
        settled.abort()
        opts.signal?.removeEventListener('abort', onAbort)
        this.stopInterrupts()
      }
    } finally {
      this.busy = false
    }
  }

  /**
   * Upload the block and start it: `__dr_run ID ERREXIT SECS SIZE` (SIZE checked after a tty), then the dump sourced and the
   * end marker; a {tty} block adds ROWS COLS (and tty.sh, before the first one).
   */
  private runLines(id: string, body: Buffer, run: RunArgs, tty?: TtySize): string[] {
    const runner = this.ttyRunnerLines(tty)
    if (tty && this.sh) runner.push(...this.sessionFunctionLines(id))
    const size = tty ? ` ${Math.round(tty.rows)} ${Math.round(tty.cols)}` : ''
    if (this.sh) {
      // sh-protocol.ts: a printf upload checks itself line by line (size `u`); `-` checks nothing.
      const printed = this.channel.tty && !this.channel.localPath ? printfUploadLines(id, body) : undefined
      const lines = [...(printed ?? this.uploadLines(`${id}.sh`, body)), ...this.functionLines(id, run.fn, !!printed)]
      const check = printed ? 'u' : this.channel.tty && !this.channel.localPath ? String(body.length) : '-'
      const start = `__dr_run ${id} ${run.errexit} ${run.secs} ${check} ${run.importState ? 1 : 0}${size}`
      // Each typed line costs the guest a round of line editing (~15 ms under TCG): a small block goes as one.
      const one = printed ? [...lines, start].join('; ') : undefined
      return one && one.length <= ONE_LINE ? [...runner, one] : [...runner, ...lines, start]
    }
    const check = this.channel.tty ? ` ${body.length}` : ' ""'
    // post.sh (script.ts's BASH_POST): the dump sourced at top level, then the end marker.
    const post = run.importState ? ' . "$__dr_d/post.sh"' : ` __dr_end ${id}`
    return [...runner, ...this.uploadLines(`${id}.sh`, body), `__dr_run ${id} ${run.errexit} ${run.secs}${check}${size};${post}`]
  }

  /**
   * The function definitions a block wrote, as NONCE.fn.sh (sh-protocol.ts's __dr_run sources it). Over a terminal they
   * come as printf lines, checked with the block: after its own printf lines, or first (their __dr_u0 starts the check).
   */
  private functionLines(id: string, fn: Buffer | undefined, afterPrintf: boolean): string[] {
    if (!fn) return []
    if (!this.channel.tty || this.channel.localPath) return this.uploadLines(`${id}.fn.sh`, fn)
    return printfUploadLines(`${id}.fn`, fn, { append: afterPrintf, anySize: true })!
  }

  /** For a {tty} block's new shell (tty.sh): the session's functions as NONCE.fns. */
  private sessionFunctionLines(id: string): string[] {
    const text = this.functions.text()
    return text ? this.uploadLines(`${id}.fns`, Buffer.from(text, 'utf8')) : []
  }

  private get sh(): boolean {
    return this.info?.shell === 'sh'
  }

  /** Where a block's output goes: cleaned per block when it comes from a terminal (CRLF, escape sequences; printk lines on a console). */
  private outputSink(opts: ShellRunOptions): { push: (c: Buffer) => void; flush: () => void } {
    const sink = opts.onOutput ?? (() => {})
    const raw = opts.onRaw
    const cleaner = opts.tty ? new TtyCleaner({ printk: this.channel.tty, overwrite: true }) : this.channel.tty ? new TtyCleaner() : undefined
    if (!cleaner) return { push: sink, flush: () => {} }
    return {
      push: (c) => {
        raw?.(c)
        emitText(sink, cleaner.push(c))
      },
      flush: () => emitText(sink, cleaner.flush()),
    }
  }

  /** tty.sh, written into the session's directory before its first {tty} block (see script.ts). */
  private ttyRunnerLines(tty: TtySize | undefined): string[] {
    if (!tty || this.ttyRunnerWritten) return []
    this.ttyRunnerWritten = true
    return this.uploadLines('tty.sh', Buffer.from(ttyRunner(!!this.info?.shell.startsWith('bash')), 'utf8'))
  }
  private ttyRunnerWritten = false

  /** Run a command without touching the session's state; output collected. */
  async exec(script: string, opts: Omit<ShellRunOptions, 'importState' | 'onOutput'> = {}): Promise<ShellRunResult & { output: string }> {
    const chunks: Buffer[] = []
    const res = await this.run(script, { ...opts, importState: false, onOutput: (c) => chunks.push(c) })
    return { ...res, output: Buffer.concat(chunks).toString('utf8') }
  }

  /** Set variables byte-exact (params, captures), optionally exported. */
  async setVars(vars: Record<string, string>, exported: boolean): Promise<void> {
    const lines: string[] = []
    for (const [k, v] of Object.entries(vars)) lines.push(...assignLines(k, v, { export: exported }))
    await this.sync(lines)
  }

  /** The session's state dump (variables, functions, cwd) as the last block left it. */
  async snapshot(): Promise<string> {
    if (!this.lastImported) return ''
    // sh's dump has no functions: the host adds those it kept (functions.ts).
    return this.sh ? this.functions.withDump(await this.lastDump(this.lastImported)) : this.lastDump(this.lastImported)
  }

  /** The dump the last imported block left, as the shell wrote it. */
  private async lastDump(dumpId: string): Promise<string> {
    if (this.channel.localPath) {
      try {
        return readFileSync(`${this.channel.localPath(this.dir)}/${dumpId}.env`, 'utf8')
      } catch {
        return ''
      }
    }
    if (this.sh) return this.showDump(dumpId)
    const res = await this.exec(`cat "$__dr_d/${dumpId}.env" 2>/dev/null || :`)
    return res.output
  }

  /** A state dump read back through the stream with the shell's builtins (sh-protocol.ts `__dr_show`: no fork). */
  private async showDump(dumpId: string): Promise<string> {
    if (this.busy) throw new SessionError('session is busy')
    this.busy = true
    try {
      const id = nonce()
      const chunks: Buffer[] = []
      const cleaner = this.channel.tty ? new TtyCleaner() : undefined
      const done = this.framer.run(id, (c) => chunks.push(cleaner ? Buffer.from(cleaner.push(c), 'utf8') : c))
      this.send([`__dr_show ${id} ${dumpId}`])
      await this.guard(done, 60_000, 'show the state')
      if (cleaner) chunks.push(Buffer.from(cleaner.flush(), 'utf8'))
      return Buffer.concat(chunks).toString('utf8')
    } finally {
      this.busy = false
    }
  }

  /**
   * A script file in the target that, run by a new shell, starts from this session's state
   * (variables, functions, cwd) and then runs `script`: how a guest's QEMU command line sees
   * what earlier blocks set. Returns its path inside the target. The file removes the state
   * dump (it may hold secrets) as soon as it has read it.
   */
  async detachedScript(script: string): Promise<string> {
    const id = nonce()
    const env = `'${this.dir.replace(/'/g, `'\\''`)}/${id}.env'`
    const fns = this.sh ? this.functions.text() : ''
    const body = `. ${env}; rm -f ${env}\n${fns}${script.endsWith('\n') ? script : `${script}\n`}`
    const lines = this.uploadLines(`${id}.detached.sh`, Buffer.from(body, 'utf8'))
    // __dr_dump writes the top-level shell's state to $__dr_d/$__dr_n.env (see script.ts).
    lines.push(`__dr_n=${id}; __dr_dump`)
    await this.sync(lines)
    return `${this.dir}/${id}.detached.sh`
  }

  /** Dump the session's state as it is now (after a cwd= block returned), as the state to snapshot. */
  async refreshState(): Promise<void> {
    const id = nonce()
    await this.sync([`__dr_n=${id}; __dr_dump`])
    this.lastImported = id
  }

  /** Source a snapshot at the session's top level (resume); a sh session keeps the functions in it again. */
  async restore(dump: string): Promise<void> {
    if (this.sh) await this.functions.fromDump(dump)
    const id = nonce()
    const lines = this.uploadLines(`${id}.restore`, Buffer.from(dump, 'utf8'))
    lines.push(`. "$__dr_d/${id}.restore" >/dev/null 2>&1; rm -f "$__dr_d/${id}.restore"`)
    await this.sync(lines)
  }

  /** Write a file in the target, relative to the session's cwd (`~/…`: in the target's home, as a shell reads it). */
  async writeFile(path: string, content: Buffer, append: boolean): Promise<ShellRunResult & { output: string }> {
    const id = nonce()
    const lines = this.uploadLines(`${id}.data`, content)
    await this.sync(lines)
    const pathFmt = printfFormat(Buffer.from(path, 'utf8'))
    return this.exec(
      `__dr_p=$(printf '${pathFmt}x'); __dr_p=\${__dr_p%x}\ncase $__dr_p in '~/'*) __dr_p="$HOME/\${__dr_p#??}";; esac\ncase $__dr_p in */*) mkdir -p -- "\${__dr_p%/*}";; esac\ncat "$__dr_d/${id}.data" ${append ? '>>' : '>'} "$__dr_p"; __dr_r=$?; rm -f "$__dr_d/${id}.data"; exit $__dr_r`,
    )
  }

  /** Lines that make `$__dr_d/NAME` hold exactly `data`. */
  private uploadLines(name: string, data: Buffer): string[] {
    const target = `"$__dr_d/${name}"`
    if (this.channel.localPath) {
      // Same file system: write it directly (no fork of cat, no bytes through the pipe).
      const dir = this.channel.localPath(this.dir)
      try {
        writeFileSync(`${dir}/${name}`, data, { mode: 0o600 })
      } catch {
        // The directory is made on first use (a mkdir per block is several system calls).
        mkdirSync(dir, { recursive: true, mode: 0o700 })
        writeFileSync(`${dir}/${name}`, data, { mode: 0o600 })
      }
      return []
    }
    if (!this.channel.tty) {
      // Pipes carry bytes as they are; a random delimiter cannot occur in the text.
      const eof = `__DR_EOF_${nonce()}`
      const text = data.toString('latin1')
      const nl = text.endsWith('\n') || text === '' ? '' : '\n'
      // A heredoc adds nothing but needs a final newline: strip it again when the data had none.
      const fix = nl ? [`__dr_t=$(cat ${target}; echo x); printf '%s' "\${__dr_t%?x}" > ${target}`] : []
      return [`cat > ${target} <<'${eof}'\n${text}${nl}${eof}`, ...fix]
    }
    if (this.info?.base64 !== false) {
      return [`base64 -d > ${target} <<'__DR_B64'`, ...base64Lines(data), '__DR_B64']
    }
    const lines = [`: > ${target}`]
    for (let i = 0; i < data.length; i += 100) lines.push(`printf '${printfFormat(data.subarray(i, i + 100))}' >> ${target}`)
    return lines
  }

  /** Send trusted protocol lines and wait until the shell has read them all. */
  async sync(lines: string[], timeoutMs = 60_000): Promise<void> {
    const token = nonce()
    const done = this.framer.expect(`__DR_SYNC_${token}`)
    this.send([...lines, `__dr_sync ${token}`])
    await this.guard(done, timeoutMs, 'answer')
  }

  private send(lines: string[]): void {
    if (this.closed) throw new SessionError(`${this.channel.description} is gone: ${this.closed}`)
    // Protocol text is ASCII; heredoc bodies are latin1-decoded bytes: latin1 restores them exactly.
    this.channel.write(Buffer.from(`${lines.join('\n')}\n`, 'latin1'))
  }

  private interruptTimer: NodeJS.Timeout | undefined
  private interruptLoop(): void {
    this.channel.interrupt()
    // Escalate (INT, TERM, KILL in the shell's trap) if the block ignores the first.
    this.interruptTimer = setInterval(() => this.channel.interrupt(), 3000)
  }
  private stopInterrupts(): void {
    if (this.interruptTimer) clearInterval(this.interruptTimer)
    this.interruptTimer = undefined
  }

  /** Wait for `p`, but fail when the stream closes or nothing comes within `ms`; no timer outlives the wait. */
  private async guard<T>(p: Promise<T>, ms: number | undefined, what: string): Promise<T> {
    if (this.closed) throw new SessionError(`${this.channel.description} is gone: ${this.closed}`)
    const settled = new AbortController()
    let onClose: (reason: string) => void = () => {}
    const closed = new Promise<never>((_, reject) => {
      onClose = (reason) => reject(new SessionError(`${this.channel.description} ended: ${reason}`))
      this.closeWaiters.push(onClose)
    })
    const waits: Promise<T>[] = [p, closed]
    if (ms) {
      const slow = () => Promise.reject(new SessionError(`${this.channel.description} did not ${what} within ${Math.round(ms / 1000)}s`))
      waits.push(sleep(ms, undefined, { signal: settled.signal }).then(slow))
    }
    try {
      return await Promise.race(waits)
    } catch (error) {
      // Whatever the protocol waited for will not come now: a later command must not take it.
      this.framer.cancel()
      throw error
    } finally {
      settled.abort()
      this.closeWaiters = this.closeWaiters.filter((w) => w !== onClose)
    }
  }
}
