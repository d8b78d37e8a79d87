// `docrun verify RUNBOOK [--section S]`: run only the postconditions of blocks already done —
// "is this machine still set up as the runbook left it?" — without running any block.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { loadChecks } from '../checks/load.js'
import { hasPostconditions, runPostconditions, TargetUnavailable } from '../checks/postconditions.js'
import { EXIT } from '../common/exit-codes.js'
import type { TargetRef } from '../plan/types.js'
import { TargetPool } from '../run/pool.js'
import { doneSteps } from '../run/resume.js'
import { outputFileOf, runDirOf, workspacePaths } from '../state/paths.js'
import { loadState } from '../state/state.js'
import { acquireLock } from '../state/lock.js'
import { loadForRun } from './load.js'

const out = (line: string) => process.stdout.write(`${line}\n`)

export async function verifyCommand(path: string, opts: { workspace?: string; section?: string }): Promise<number> {
  const { plan, runbook } = await loadForRun(path, opts.section ? { selection: { from: opts.section, to: opts.section } } : {})
  const { checks } = await loadChecks(path, runbook.frontmatter.checks)
  const paths = workspacePaths(resolve(opts.workspace ?? process.cwd()), path)
  const lock = acquireLock(paths.lock)
  const pool = new TargetPool({ workspace: paths.workspace, host: plan.host, params: Object.fromEntries(plan.params.map((p) => [p.name, p.value])) })
  let failed = 0
  let ran = 0
  try {
    const { state } = await loadState(paths, path, runbook.sha256)
    const done = doneSteps(plan, state)
    const env = {
      plan,
      params: Object.fromEntries(plan.params.map((p) => [p.name, p.value])),
      checks,
      session: async (ref: TargetRef) => {
        // Guests do not outlive the run that booted them: their checks cannot run now.
        if (ref.kind === 'guest') throw new TargetUnavailable(`guest ${ref.name} is not running (verify boots nothing)`)
        return pool.get(ref)
      },
    }
    for (const step of plan.steps) {
      if (step.skip?.kind === 'not-selected' || !done.has(step.id) || !hasPostconditions(env, step)) continue
      const b = state.blocks[step.id]!
      const file = b.runId ? outputFileOf(runDirOf(paths, b.runId), step.id) : ''
      const output = file && existsSync(file) ? await readFile(file, 'utf8') : ''
      for (const r of await runPostconditions(env, step, { exitCode: b.exitCode, output })) {
        ran++
        if (r.skipped) out(`⏭️  ${step.id}: ${r.name} not run: ${r.skipped}`)
        else if (r.passed) out(`✅ ${step.id}: ${r.name}`)
        else {
          failed++
          out(`❌ ${step.id}: ${r.name} failed${r.message ? `: ${r.message}` : ''}`)
          if (r.diff) out(r.diff)
        }
      }
    }
  } finally {
    await pool.closeAll()
    lock.release()
  }
  if (!ran) {
    out(`docrun: nothing to verify: no block that is done${opts.section ? ` in section ${opts.section}` : ''} has postconditions`)
    return EXIT.ok
  }
  out(failed ? `docrun: ${failed} of ${ran} postconditions failed` : `docrun: all ${ran} postconditions hold`)
  return failed ? EXIT.failed : EXIT.ok
}
