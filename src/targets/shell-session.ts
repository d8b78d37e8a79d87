// The one way a target opens its ShellSession: with the shell parser that finds the functions a
// block defines (syntax/ is above shell/, which cannot import it), so every target's POSIX sh
// session keeps them (shell/functions.ts).
import type { Channel } from '../shell/channel.js'
import { ShellSession, type ShellSessionOptions } from '../shell/session.js'
import { topLevelFunctions } from '../syntax/shell.js'

export function openSession(channel: Channel, dir: string, opts: ShellSessionOptions = {}): ShellSession {
  return new ShellSession(channel, dir, { readFunctions: topLevelFunctions, ...opts })
}
