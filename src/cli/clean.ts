// `docrun clean`: tear down every resource the runbook's runs left (kept ones too), innermost
// mount first, then loop devices, and say what was done.
import { resolve } from 'node:path'
import { loadRunbook } from '../runbook/parse-cached.js'
import { workspacePaths } from '../state/paths.js'
import { loadState, saveState } from '../state/state.js'
import { describe, failures, orphansOf, probe, removals, teardown } from '../resources/ledger.js'
import { EXIT } from '../common/exit-codes.js'
import { acquireLock } from '../state/lock.js'
import { CliError } from './load.js'

export async function cleanCommand(path: string, opts: { workspace?: string }): Promise<number> {
  const { runbook } = await loadRunbook(path).catch((e: Error) => {
    throw new CliError(`cannot read ${path}: ${e.message}`)
  })
  const paths = workspacePaths(resolve(opts.workspace ?? process.cwd()), path)
  const lock = acquireLock(paths.lock)
  try {
    const { state } = await loadState(paths, path, runbook.sha256)
    if (state.pending) {
      const orphans = orphansOf(state.pending, await probe(), paths.workspace)
      if (orphans.length) process.stdout.write(`a docrun died while block ${state.pending.block} ran; it left: ${orphans.map(describe).join('; ')}\n`)
      state.resources.push(...orphans)
      delete state.pending
    }
    const live = state.resources.filter((r) => !r.cleaned)
    if (!live.length) {
      process.stdout.write(`nothing to clean: ${state.resources.length ? 'what the ledger lists is removed already' : 'the ledger is empty'}\n`)
      await saveState(paths, state)
      return EXIT.ok
    }
    const results = await teardown(live)
    const [removed, failedWords] = [removals(results), failures(results)]
    for (const r of removed) process.stdout.write(`${r}\n`)
    for (const f of failedWords) process.stderr.write(`failed: ${f}\n`)
    const gone = live.length - failedWords.length
    const notRemoved = new Set(results.filter((r) => !r.ok).map((r) => r.resource))
    const failed = (r: (typeof live)[number]) => notRemoved.has(r)
    // A kept resource of a done block stays in the ledger, marked: the blocks after it work in it
    // (a chroot's /proc), so the next run makes it again (--resume, or before an --only selection).
    const cleaned = new Date().toISOString()
    const remade = live.filter((r) => r.keep && !failed(r) && state.blocks[r.block]?.status === 'passed')
    state.resources = [...state.resources.filter((r) => r.cleaned), ...live.filter(failed), ...remade.map((r) => ({ ...r, cleaned }))]
    if (remade.length)
      process.stdout.write(
        `the next run makes again what block${new Set(remade.map((r) => r.block)).size > 1 ? 's' : ''} ${[...new Set(remade.map((r) => r.block))].join(', ')} kept\n`,
      )
    await saveState(paths, state)
    process.stdout.write(`clean: ${removed.length} removed, ${gone - removed.length} already gone, ${failedWords.length} failed\n`)
    return failedWords.length ? EXIT.failed : EXIT.ok
  } finally {
    lock.release()
  }
}
