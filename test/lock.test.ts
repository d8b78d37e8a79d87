// The workspace lock against real racing processes: a lock left by a dead docrun is taken over
// by exactly one of the docruns that start at once (defect: check-then-unlink let two win).
import { execa } from 'execa'
import { writeFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, workspace } from './helpers/cli.js'

const LOCK_JS = join(ROOT, 'dist/src/state/lock.js')

// Each racer, round after round, waits for the round's instant and takes that round's lock (a
// lock left by a dead docrun). It holds every lock it won until the test has heard from all
// racers (its stdin ends), so a racer that is late for a round still finds the winner alive.
const RACER = `
const { acquireLock } = await import(${JSON.stringify(LOCK_JS)})
const [dir, at, rounds, every] = process.argv.slice(1).map((v, i) => (i ? Number(v) : v))
for (let r = 0; r < rounds; r++) {
  const t = at + r * every
  while (Date.now() < t) {}
  try {
    const lock = acquireLock(dir + '/lock-' + r)
    console.log(r, lock.stale ? 'won-stale' : 'won')
  } catch (e) {
    console.log(r, e.constructor.name === 'LockedError' ? 'locked' : 'error ' + e.message)
  }
}
process.stdin.resume()
await new Promise((r) => process.stdin.on('end', r))
`

const TAKE = `
const { acquireLock } = await import(${JSON.stringify(LOCK_JS)})
const path = process.argv[1]
const lock = acquireLock(path)
console.log(lock.stale ? 'won-stale' : 'won')
console.log((await import('node:fs')).readFileSync(path, 'utf8'))
lock.release()
`

/** The first `n` lines a stream prints. */
function linesOf(stream: NodeJS.ReadableStream, n: number): Promise<string[]> {
  return new Promise((resolve) => {
    let text = ''
    const done = () => resolve(text.split('\n').filter(Boolean).slice(0, n))
    stream.on('data', (c: Buffer) => {
      text += c.toString()
      if (text.split('\n').length > n) done()
    })
    stream.on('end', done)
  })
}

async function deadPid(): Promise<number> {
  const p = await execa('true')
  return p.pid!
}

describe('workspace lock', () => {
  it('a stale lock (its docrun is dead) is taken over by exactly one of several docruns starting at once', async () => {
    const ws = workspace()
    const [racers, rounds, every] = [6, 200, 25]
    const dead = await deadPid()
    for (let r = 0; r < rounds; r++) writeFileSync(join(ws, `lock-${r}`), JSON.stringify({ pid: dead, startTime: '1', command: `round ${r}`, since: 'then' }))
    const at = Date.now() + 1500
    const procs = Array.from({ length: racers }, () =>
      execa('node', ['--input-type=module', '-e', RACER, ws, String(at), String(rounds), String(every)], { stdin: 'pipe' }),
    )
    const lines = await Promise.all(procs.map((p) => linesOf(p.stdout!, rounds)))
    for (const p of procs) p.stdin!.end()
    await Promise.all(procs)
    const said = new Map<number, string[]>()
    for (const line of lines.flat()) {
      const [r, what] = line.split(' ')
      said.set(Number(r), [...(said.get(Number(r)) ?? []), what!])
    }
    const wrong = [...said].filter(([, w]) => w.filter((x) => x === 'won-stale').length !== 1 || w.filter((x) => x === 'locked').length !== racers - 1)
    expect(wrong.map(([r, w]) => `round ${r}: ${w.sort().join(' ')}`)).toEqual([])
    expect(said.size).toBe(rounds)
    // No temporary or takeover marker file is left behind.
    expect(readdirSync(ws).filter((f) => !/^lock-\d+$/.test(f))).toEqual([])
  }, 120_000)

  it('a half-written lock is stale; the taken-over lock names its new holder', async () => {
    const ws = workspace()
    const lock = join(ws, 'lock')
    writeFileSync(lock, '{"pid": 12')
    const o = await execa('node', ['--input-type=module', '-e', TAKE, lock])
    const [said, text] = o.stdout.trim().split('\n')
    expect(said).toBe('won-stale')
    expect(JSON.parse(text!)).toMatchObject({ pid: expect.any(Number), startTime: expect.stringMatching(/^\d+$/) })
    expect(readdirSync(ws)).toEqual([])
  })
})
