// `--debug` on a guest: the person's terminal attached to the guest's console (its running
// shell, not a new one) until the detach key. Raw mode: every key, Ctrl-C included, goes to the guest.
import type { Channel } from '../shell/channel.js'

/** Ctrl-] leaves an attached console (as telnet's escape). */
export const DETACH_KEY = 0x1d

export interface AttachTerminal {
  stdin?: NodeJS.ReadStream
  stdout?: NodeJS.WriteStream
  /** The run stopping (SIGTERM, `docrun stop`) detaches too. */
  signal?: AbortSignal
}

/**
 * Pass the terminal's keys to `channel` and its output to the terminal until the person types
 * the detach key (resolves 'detached') or the console ends (resolves 'closed').
 */
export function attachConsole(channel: Channel, term: AttachTerminal = {}): Promise<'detached' | 'closed'> {
  const { stdin = process.stdin, stdout = process.stdout, signal } = term
  return new Promise((resolve) => {
    let done = false
    const off = channel.onData((c) => stdout.write(c))
    const finish = (how: 'detached' | 'closed') => {
      if (done) return
      done = true
      signal?.removeEventListener('abort', onAbort)
      off()
      stdin.off('data', onKeys)
      if (stdin.isTTY) stdin.setRawMode(false)
      stdin.pause()
      resolve(how)
    }
    const onKeys = (keys: Buffer) => {
      const at = keys.indexOf(DETACH_KEY)
      if (at < 0) return channel.write(keys)
      if (at > 0) channel.write(keys.subarray(0, at))
      finish('detached')
    }
    const onAbort = () => finish('detached')
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal?.aborted) return finish('detached')
    channel.onClose(() => finish('closed'))
    if (stdin.isTTY) stdin.setRawMode(true)
    stdin.on('data', onKeys)
    stdin.resume()
  })
}
