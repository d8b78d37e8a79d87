// `--debug`'s questions at the person's terminal: one key, read raw, asked again until it is one of the answers.
import { once } from 'node:events'

/** Whether a person can be asked: stdin and stdout are a terminal. */
export const atTerminal = (): boolean => !!process.stdin.isTTY && !!process.stdout.isTTY

export interface AskOptions {
  /** The run stopping (SIGTERM, `docrun stop`) answers `onCancel` too. */
  signal?: AbortSignal
  stdin?: NodeJS.ReadStream
  stdout?: NodeJS.WriteStream
}

/**
 * Ask `question` and read keys until one of `keys` (case-insensitive) comes; Ctrl-C or Ctrl-D
 * answers `onCancel`. The terminal goes back to cooked mode afterwards.
 */
export async function askKey(question: string, keys: string, onCancel: string, opts: AskOptions = {}): Promise<string> {
  const { signal, stdin = process.stdin, stdout = process.stdout } = opts
  if (signal?.aborted) return onCancel
  stdout.write(question)
  if (stdin.isTTY) stdin.setRawMode(true)
  stdin.resume()
  try {
    for (;;) {
      const got = await once(stdin, 'data', signal ? { signal } : {}).catch(() => undefined)
      if (!got) {
        stdout.write(`${onCancel}\n`)
        return onCancel
      }
      const [chunk] = got as [Buffer]
      for (const ch of chunk.toString('utf8').toLowerCase()) {
        const key = ch === '\x03' || ch === '\x04' ? onCancel : ch
        if (keys.includes(key)) {
          stdout.write(`${key}\n`)
          return key
        }
      }
    }
  } finally {
    if (stdin.isTTY) stdin.setRawMode(false)
    stdin.pause()
  }
}
