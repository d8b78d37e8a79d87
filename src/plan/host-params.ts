// `hosts:` entries that take their destination from params (`z: {ssh: "${test_host}"}`): the
// plan puts the run's values in, so a step's target is the machine this run reaches. A step on
// such a host whose entry is not valid for this run (an empty destination, a value ssh would read
// as an option) is refused with the reason; steps that do not run (a `when=` that does not hold)
// never reach it.
import { expandHost, hostParams } from '../runbook/frontmatter-hosts.js'
import type { ResolvedParam, Step, TargetRef } from './types.js'
import { foldIntoHash } from './hash.js'

export function applyHostParams(steps: Step[], params: ResolvedParam[]): void {
  const values = new Map(params.map((p) => [p.name, p.value]))
  const cache = new Map<string, ReturnType<typeof expandHost>>()
  const expanded = (ref: Extract<TargetRef, { kind: 'ssh' }>) => {
    if (!cache.has(ref.name)) cache.set(ref.name, expandHost(ref.name, ref.host, values))
    return cache.get(ref.name)!
  }
  for (const step of steps) {
    const ends = [step.target, ...(step.copy ? [step.copy.from, step.copy.to] : [])]
    const problems: string[] = []
    const used: string[] = []
    for (const end of ends) {
      if (end.kind !== 'ssh' || !hostParams(end.host).length) continue
      const host = expanded(end)
      if (typeof host === 'string') problems.push(host)
      else {
        end.host = host
        used.push(JSON.stringify([end.name, host]))
      }
    }
    if (problems.length) step.refuse ??= `${problems[0]}; nothing ran on it`
    // The machine is part of what a step is: a block that passed on one host is not done on another.
    if (used.length) foldIntoHash(step, `hosts\0${used.join('\0')}`)
  }
}
