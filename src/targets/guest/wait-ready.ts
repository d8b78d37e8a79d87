// Booting: watch the console until the guest's shell is ready, answering a getty's login
// and password prompts on the way. Fails with the reason (QEMU gone, panic, timeout).
import { StringDecoder } from 'node:string_decoder'
import { TtyCleaner, cleanTty } from '../../shell/tty-clean.js'
import type { Channel } from '../../shell/channel.js'
import { formatDuration } from '../../common/durations.js'

/** A shell prompt at the end of the console: `# `, `~ # `, `root@vm:~# `, `$ `. */
export const DEFAULT_READY = /(?:^|\n)[^\n]{0,120}[#$] ?$/
const LOGIN = /(?:^|\n)[^\n]{0,120}login: ?$/i
const PASSWORD = /(?:^|\n)[^\n]{0,40}[Pp]assword: ?$/

export class BootError extends Error {}

/** How to tell the guest's shell is ready and how to log in (the start block's attributes). */
export interface GuestBoot {
  name: string
  /** A regular expression the console prints once the shell is ready (default: a prompt). */
  ready?: string
  login?: string
  password?: string
}

export interface WaitReadyOptions {
  boot: GuestBoot
  timeoutMs: number
  /** The boot's console text, cleaned, for the block's output. */
  onOutput?: (chunk: Buffer) => void
  signal?: AbortSignal
}

export function waitReady(channel: Channel, opts: WaitReadyOptions): Promise<void> {
  const ready = opts.boot.ready ? new RegExp(opts.boot.ready, 'm') : DEFAULT_READY
  const decoder = new StringDecoder('utf8')
  const lines = new TtyCleaner()
  // The console since boot (cleaned, bounded) for ready=; the screen's end for prompts.
  let seen = ''
  let screen = ''
  let settled = false
  return new Promise<void>((resolve, reject) => {
    let off = () => {}
    const done = (error?: Error) => {
      if (settled) return
      settled = true
      off()
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
      if (opts.onOutput) {
        const rest = lines.flush()
        if (rest) opts.onOutput(Buffer.from(`${rest}\n`, 'utf8'))
      }
      if (error) reject(error)
      else resolve()
    }
    const timer = setTimeout(
      () =>
        done(
          new BootError(
            `the guest's shell was not ready within ${formatDuration(opts.timeoutMs)} (waiting for ${opts.boot.ready ? `ready=${opts.boot.ready}` : 'a shell prompt'}); raise the start block's timeout= for slower boots`,
          ),
        ),
      opts.timeoutMs,
    )
    const onAbort = () => done(new BootError('interrupted while the guest was booting'))
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    if (opts.signal?.aborted) onAbort()
    channel.onClose((reason) => done(new BootError(`the guest did not boot: ${reason}`)))
    off = channel.onData((chunk) => {
      if (settled) return
      if (opts.onOutput) {
        const text = lines.push(chunk)
        if (text) opts.onOutput(Buffer.from(text, 'utf8'))
      }
      const text = cleanTty(decoder.write(chunk)).replace(/\r/g, '')
      seen = (seen + text).slice(-65536)
      screen = (screen + text).slice(-4096)
      if (ready.test(opts.boot.ready ? seen : screen)) return done()
      if (LOGIN.test(screen)) {
        if (opts.boot.login === undefined) return done(new BootError('the guest asks for a login: give the start block login=USER (and password=...)'))
        screen = ''
        channel.write(`${opts.boot.login}\n`)
      } else if (PASSWORD.test(screen)) {
        if (opts.boot.password === undefined) return done(new BootError('the guest asks for a password: give the start block password=...'))
        screen = ''
        channel.write(`${opts.boot.password}\n`)
      }
    })
  })
}
