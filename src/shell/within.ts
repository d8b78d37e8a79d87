// A promise raced against a timer, the timer cleared as soon as the race settles: a settled
// race must not leave a Timeout behind (it keeps the event loop, and docrun, alive).
import { setTimeout as sleep } from 'node:timers/promises'

/** `p`'s value, or `late` once `ms` have passed, whichever comes first. */
export async function within<T, U>(p: Promise<T>, ms: number, late: U): Promise<T | U> {
  const settled = new AbortController()
  try {
    return await Promise.race([p, sleep(ms, late, { signal: settled.signal })])
  } finally {
    settled.abort()
  }
}
