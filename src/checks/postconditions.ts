// After a block passed: its inline {check}/{expect} blocks, then the checks module's
// postconditions for it (by block name) and for its section (after the section's last block).
import stripAnsi from 'strip-ansi'
import type { InlineCheck, Plan, Step, TargetRef } from '../plan/types.js'
import { setTimeout as sleep } from 'node:timers/promises'
import { formatDuration } from '../common/durations.js'
import type { ShellSession } from '../shell/session.js'
import type { CheckContext, RegisteredCheck } from './api.js'
import { checkExpected, outputLines } from './expect-output.js'
import { declaredRules, DEFAULT_RULES, expectBody } from './volatile.js'
import { targetHandle } from './handle.js'
import { detectReport, parseTap, parseTestProgs, parseTestVerifier } from './reports.js'
import type { CheckResult, TestReport } from '../events/events.js'

export interface PostconditionEnv {
  plan: Plan
  params: Record<string, string>
  checks: RegisteredCheck[]
  /** A session on a target (opens it if needed). */
  session: (ref: TargetRef) => Promise<ShellSession>
  /** `--update-expect`: an {expect} that does not match is rewritten instead of failing. */
  updateExpect?: boolean
}

/** Checks module entries that apply to a step: by its id, or by its section when it is the section's last block. */
export function moduleChecksFor(env: Pick<PostconditionEnv, 'plan' | 'checks'>, step: Step): RegisteredCheck[] {
  const { plan } = env
  const sectionKeys = new Set<string>()
  if (step.section) {
    // A section key names this section or an ancestor whose last runnable block this is.
    const runnable = plan.steps.filter((s) => s.action !== 'none')
    for (const sec of plan.sections) {
      const inSec = runnable.filter((s) => s.section && (s.section.id === sec.id || isBelow(plan, s.section.id, sec.id)))
      if (inSec.length && inSec[inSec.length - 1]!.id === step.id) {
        sectionKeys.add(sec.id)
        if (sec.number) sectionKeys.add(sec.number)
        sectionKeys.add(sec.title)
      }
    }
  }
  return env.checks.filter((c) => c.key === step.id || sectionKeys.has(c.key))
}

function isBelow(plan: Plan, id: string, ancestor: string): boolean {
  // Sections are listed in document order with depths: a later, deeper section before the next sibling is below.
  const i = plan.sections.findIndex((s) => s.id === ancestor)
  const j = plan.sections.findIndex((s) => s.id === id)
  if (i < 0 || j <= i) return false
  const depth = plan.sections[i]!.depth
  for (let k = i + 1; k <= j; k++) if (plan.sections[k]!.depth <= depth) return false
  return true
}

export function hasPostconditions(env: Pick<PostconditionEnv, 'plan' | 'checks'>, step: Step): boolean {
  return !!step.checks?.length || moduleChecksFor(env, step).length > 0
}

export async function runPostconditions(env: PostconditionEnv, step: Step, block: { exitCode: number | null; output: string }): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  for (const c of step.checks ?? []) {
    if (c.kind === 'expect') {
      const output = stripAnsi(block.output)
      const r = checkExpected(c.content, output)
      if (!r.ok && env.updateExpect) {
        const rules = [...declaredRules(env.plan.volatile ?? []), ...DEFAULT_RULES]
        results.push({ name: c.id, kind: 'expect', passed: true, updated: expectBody(outputLines(output), rules), ...(r.diff ? { diff: r.diff } : {}) })
        continue
      }
      results.push({ name: c.id, kind: 'expect', passed: r.ok, ...(r.diff ? { diff: r.diff, message: 'the output differs from the {expect} block' } : {}) })
      continue
    }
    results.push(await runCheckUntil(env, step, c))
  }
  const mine = moduleChecksFor(env, step)
  if (mine.length) {
    const t = context(env, step, block)
    for (const c of mine) {
      try {
        await c.fn(t)
        results.push({ name: c.name, kind: 'module', passed: true })
      } catch (error) {
        const skipped = error instanceof TargetUnavailable ? error.message : undefined
        results.push({ name: c.name, kind: 'module', passed: !!skipped, message: stripAnsi((error as Error).message), ...(skipped ? { skipped } : {}) })
      }
    }
  }
  return results
}

/** A `{check}` block; with `until=`, run again (after `delay=`) until it holds or the time is up. */
async function runCheckUntil(env: PostconditionEnv, step: Step, c: InlineCheck): Promise<CheckResult> {
  const t0 = performance.now()
  for (let attempt = 1; ; attempt++) {
    const r = await runCheck(env, step, c)
    const elapsed = performance.now() - t0
    if (r.passed || !c.untilMs || elapsed + (c.delayMs ?? 5000) >= c.untilMs) {
      return attempt > 1 && !r.passed ? { ...r, message: `${r.message ?? 'failed'} (${attempt} attempts in ${formatDuration(elapsed)}: gave up)` } : r
    }
    await sleep(c.delayMs ?? 5000)
  }
}

async function runCheck(env: PostconditionEnv, step: Step, c: InlineCheck): Promise<CheckResult> {
  try {
    const session = await env.session(step.target)
    // exec: a subshell whose state is never imported, so a check cannot change what later blocks see.
    const r = await session.exec(c.content, { errexit: true, timeoutMs: step.timeoutMs ?? 10 * 60_000 })
    if (r.error) return { name: c.id, kind: 'check', passed: false, message: r.error }
    if (r.status !== 0)
      return { name: c.id, kind: 'check', passed: false, message: `exited with status ${r.status}`, ...(r.output.trim() ? { output: r.output.trimEnd() } : {}) }
    return { name: c.id, kind: 'check', passed: true }
  } catch (error) {
    if (error instanceof TargetUnavailable) return { name: c.id, kind: 'check', passed: true, skipped: error.message }
    return { name: c.id, kind: 'check', passed: false, message: (error as Error).message }
  }
}

/** A check asked for a target that cannot be reached now (a guest under `docrun verify`). */
export class TargetUnavailable extends Error {}

function context(env: PostconditionEnv, step: Step, block: { exitCode: number | null; output: string }): CheckContext {
  const refs = new Map<string, TargetRef>()
  for (const s of env.plan.steps) refs.set(s.target.name, s.target)
  for (const s of env.plan.steps) if (s.boot) refs.set(s.boot.guest, { kind: 'guest', name: s.boot.guest })
  refs.set('host', { kind: 'host', name: 'host' })
  const handle = (name: string) => {
    const ref = refs.get(name)
    if (!ref) throw new Error(`no target \`${name}\` in this runbook (targets: ${[...refs.keys()].join(', ')})`)
    return targetHandle(name, async () => {
      try {
        return await env.session(ref)
      } catch (error) {
        throw ref.kind === 'guest' ? new TargetUnavailable((error as Error).message) : error
      }
    })
  }
  const only = (kind: TargetRef['kind'], name?: string) => {
    if (name) return handle(name)
    const all = [...refs.values()].filter((r) => r.kind === kind)
    if (all.length !== 1) throw new Error(`${all.length ? 'several' : 'no'} ${kind} targets: name one`)
    return handle(all[0]!.name)
  }
  let report: TestReport | undefined | null = null
  return {
    params: env.params,
    block: { id: step.id, ...(step.section ? { section: step.section.label } : {}), exitCode: block.exitCode, output: block.output },
    host: handle('host'),
    chroot: (name) => only('chroot', name),
    guest: (name) => only('guest', name),
    target: handle,
    report: () => (report === null ? (report = detectReport(block.output)) : report),
    parseTap,
    parseTestVerifier,
    parseTestProgs,
  }
}
