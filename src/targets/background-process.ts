// A block that runs in the background (Runme's `background`): its own process group, started
// from its target's shell state, output to the block while it is the current block and to a
// side file after it; ended with the run (the resource ledger has its pid and start time).
import { createWriteStream } from 'node:fs'
import { processStartTime } from '../sys/proc.js'
import type { Masker } from '../common/mask.js'
import { startDetached, type Command } from './command.js'

export class BackgroundProcess {
  readonly pid: number
  readonly startTime: string
  /** The exit status (null: killed by a signal) once it has ended. */
  readonly exited: Promise<number | null>
  #sink: (chunk: Buffer) => void
  /** Ends the side file (with the masker's held-back rest) once the process has ended. */
  #endLater: (() => void) | undefined

  constructor(command: Command, onOutput: (chunk: Buffer) => void) {
    this.#sink = onOutput
    // Its own process group: the ledger ends the whole group, and Ctrl-C at docrun's terminal
    // does not reach it (docrun stops it in order, with the rest of the run).
    const proc = startDetached(command, 'ignore')
    if (!proc.pid) throw new Error(`could not start ${command.file}`)
    this.pid = proc.pid
    this.startTime = processStartTime(this.pid)
    const take = (c: Buffer) => this.#sink(c)
    proc.stdout!.on('data', take)
    proc.stderr!.on('data', take)
    this.exited = proc.then((r) => {
      this.#endLater?.()
      return r.exitCode ?? null
    })
  }

  /** The block is over: what the process says from now on goes to `file` (secrets masked). */
  redirect(file: string, secrets?: Masker): void {
    const later = createWriteStream(file, { flags: 'a', mode: 0o600 })
    const masker = secrets?.active ? secrets.stream() : undefined
    this.#sink = (c) => later.write(masker ? masker.push(c) : c)
    this.#endLater = () => later.end(masker?.end())
  }
}
