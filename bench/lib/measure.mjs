// Side-by-side measurement: the candidates run alternately in the same rounds, so a machine
// that gets slower or faster during the run affects both alike. Figures are medians.
import { spawnSync } from 'node:child_process'

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Wall time (ms) of a command run to its end; throws when it fails. */
export function timeCommand(file, args, opts = {}) {
  const t0 = performance.now()
  const r = spawnSync(file, args, { stdio: opts.stdio ?? 'ignore', cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: 1 << 30 })
  const ms = performance.now() - t0
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${file} ${args.join(' ')} exited with ${r.status ?? r.signal}${r.stderr ? `: ${r.stderr}` : ''}`)
  return ms
}

/** Run each named candidate once per round, alternating, and return each one's times. */
export function alternate(rounds, candidates) {
  const times = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]))
  for (let i = 0; i < rounds; i++) {
    const order = Object.keys(candidates)
    if (i % 2) order.reverse()
    for (const k of order) times[k].push(candidates[k]())
  }
  return times
}

/** One line of the report: a figure, its goal, and whether it is met. */
export function row(name, value, goal, met) {
  const mark = met === undefined ? ' ' : met ? '✓' : '✗'
  console.log(`${mark} ${name.padEnd(52)} ${String(value).padEnd(28)} goal: ${goal}`)
}
