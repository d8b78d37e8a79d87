// `docrun status RUNBOOK`: which blocks are done, failed, stale or not run in this workspace,
// the run going on now (its block, for how long, and who runs it), guests and resources.
import { resolve } from 'node:path'
import { describe as describeResource } from '../resources/ledger.js'
import { loadRunbook } from '../runbook/parse-cached.js'
import { buildPlan } from '../plan/plan.js'
import { formatDuration } from '../common/durations.js'
import { workspacePaths } from '../state/paths.js'
import { loadState, type State } from '../state/state.js'
import { fingerprintInputs, passedAsWritten, recordedDirs } from '../run/inputs-now.js'
import { blockRows, liveRun, type BlockRow, type LiveRun } from '../run/status.js'
import { STATUS_MARK } from '../report/marks.js'
import { EXIT } from '../common/exit-codes.js'
import { importedPath, isImportable } from './import.js'
import { CliError, parseSets } from './load.js'

const out = (s: string) => process.stdout.write(`${s}\n`)
const MARK: Record<string, string> = { ...STATUS_MARK, done: STATUS_MARK.passed!, stale: '♻️', running: STATUS_MARK.running! }

export async function statusCommand(given: string, opts: { workspace?: string; json?: boolean; set?: string[] }): Promise<number> {
  // A document run as it is: its state belongs to the import `docrun run` made of it.
  const path = isImportable(given) ? importedPath(given, resolve(opts.workspace ?? process.cwd())) : given
  const { runbook, file } = await loadRunbook(path).catch((e: Error) => {
    throw new CliError(`cannot read ${path}: ${e.message}${path !== given ? ` (no \`docrun run ${given}\` in this workspace yet?)` : ''}`)
  })
  const plan = buildPlan(runbook, file, { sets: parseSets(opts.set) })
  const paths = workspacePaths(resolve(opts.workspace ?? process.cwd()), path)
  const { state } = await loadState(paths, path, runbook.sha256)
  const live = await liveRun(paths, { path, sha256: runbook.sha256 })
  const now = await fingerprintInputs(plan, paths.workspace, passedAsWritten(state))
  const rows = blockRows(plan, state, { now, thenDirs: await recordedDirs(plan, state, paths, now) }, live)
  if (opts.json) {
    const running = live ? { ...live.holder, runId: live.runId, runbook: live.runbookPath, block: live.sameRunbook ? live.block : undefined } : undefined
    out(JSON.stringify({ runbook: path, lastRun: state.lastRun, running, blocks: rows, resources: state.resources, guests: state.guests ?? {} }, null, 2))
    return EXIT.ok
  }
  const since = live?.sameRunbook ? `  (running now: run ${live.runId ?? '?'})` : state.lastRun ? `  (last run ${state.lastRun})` : '  (never run here)'
  out(`${path}${since}`)
  printRows(rows)
  printResources(state)
  if (live) out(describeLive(live))
  // While a live docrun runs this runbook, the block it is in is pending, not left by a dead one.
  if (state.pending && !live?.sameRunbook)
    out(`a docrun died while block ${state.pending.block} ran: \`docrun clean\` or \`docrun run --resume\` cleans up after it`)
  return EXIT.ok
}

function printRows(rows: BlockRow[]): void {
  let section = ''
  for (const r of rows) {
    if (r.section !== section) out(`  ${(section = r.section)}`)
    const time =
      r.status === 'running'
        ? `  ${formatDuration(r.elapsedMs ?? 0)} so far`
        : r.durationMs !== undefined && r.status !== 'stale'
          ? `  ${formatDuration(r.durationMs)}`
          : ''
    const message = r.message && r.status !== 'done' && r.status !== 'running' ? `  — ${r.message}` : ''
    out(`    ${MARK[r.status] ?? '?'} ${r.status.padEnd(11)} ${r.id}${time}${message}`)
  }
}

function printResources(state: State): void {
  for (const [name, g] of Object.entries(state.guests ?? {})) {
    const ready = g.readyAfterMs !== undefined ? `, shell ready after ${formatDuration(g.readyAfterMs)}` : ''
    out(
      `guest ${name}: QEMU pid ${g.pid} started ${g.startedAt} (run ${g.runId}${ready}); ${g.stoppedAt ? `ended ${g.stoppedAt}: ${g.end ?? ''}` : 'still running or ended with its docrun'}`,
    )
  }
  const res = state.resources.filter((r) => !r.cleaned).map((r) => `${describeResource(r)} (block ${r.block}${r.keep ? ', kept' : ''})`)
  const cleaned = state.resources.filter((r) => r.cleaned).map((r) => `${describeResource(r)} (block ${r.block}, removed ${r.cleaned})`)
  if (res.length) out(`resources (\`docrun clean\` removes them):\n${res.map((l) => `  ${l}`).join('\n')}`)
  if (cleaned.length) out(`removed by \`docrun clean\`; the next run makes them again:\n${cleaned.map((l) => `  ${l}`).join('\n')}`)
}

function describeLive(live: LiveRun): string {
  const who = `docrun pid ${live.holder.pid} (\`docrun ${live.holder.command}\`, since ${live.holder.since})`
  if (!live.sameRunbook) return `another docrun is using this workspace now: ${who}${live.runbookPath ? `, running ${live.runbookPath}` : ''}`
  const block = live.block
    ? `block ${live.block.id} is running (${formatDuration(Math.max(0, Date.now() - Date.parse(live.block.since)))} so far)`
    : 'between blocks'
  return `running now: ${block}; ${who}; \`docrun status --follow${live.runId ? ` ${live.runId}` : ''}\` watches it`
}
