// `docrun run`: parse the options, find the runbook (a document as it is is imported), lock
// the workspace, catch the signals; a RunSession (run/session.ts) does the run.
import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { loadChecks } from '../checks/load.js'
import { workspacePaths } from '../state/paths.js'
import { escapesWorkspace } from '../state/confine.js'
import { acquireLock } from '../state/lock.js'
import { RUN_ID_ENV } from '../run/background.js'
import { RunSession } from '../run/session.js'
import { EXIT } from '../common/exit-codes.js'
import { defaultCacheDir } from '../cache/index.js'
import { VERSION } from '../version.js'
import { atTerminal } from '../run/debug-terminal.js'
import { importForRun, isImportable } from './import.js'
import { CliError, loadForRun, parseSets } from './load.js'
import { missingParamsMessage } from '../plan/required-params.js'

export interface RunCliOptions {
  resume?: boolean
  from?: string
  to?: string
  only?: string[]
  set?: string[]
  workspace?: string
  out?: string
  normalize?: boolean
  quiet?: boolean
  verbose?: boolean
  junit?: string
  updateExpect?: boolean
  cacheDir?: string
  /** false: `--no-cache`. */
  cache?: boolean
  debug?: boolean
  /** false: `--no-infer-expect`. */
  inferExpect?: boolean
}

export async function runCommand(givenPath: string, opts: RunCliOptions): Promise<number> {
  const workspace = resolve(opts.workspace ?? process.cwd())
  // A document as it is (`docrun run s390.rst`): imported on the fly into the workspace.
  if (opts.updateExpect && isImportable(givenPath))
    throw new CliError(
      `--update-expect rewrites a Markdown runbook's {expect} blocks; ${givenPath} is imported on the fly (import it with \`docrun import\` and run that)`,
    )
  const runbookPath = isImportable(givenPath) ? await importForRun(givenPath, workspace, { inferExpect: opts.inferExpect !== false }) : givenPath
  if (opts.debug && !atTerminal())
    throw new CliError('docrun: --debug needs a terminal (stdin and stdout); for unattended runs, read the transcript and use --resume')
  const selection = { ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}), ...(opts.only?.length ? { only: opts.only } : {}) }
  const load = (terminal: boolean) => loadForRun(runbookPath, { sets: parseSets(opts.set), selection, terminal })
  const { plan, runbook } = await load(!!process.stdin.isTTY && !!process.stdout.isTTY)
  // A param without a default and without --set: stop before any block runs.
  const missing = missingParamsMessage(plan)
  if (missing) throw new CliError(missing)
  const { checks } = await loadChecks(runbookPath, runbook.frontmatter.checks)
  await mkdir(workspace, { recursive: true })
  const paths = workspacePaths(workspace, runbookPath)
  for (const p of plan.params) {
    const why = p.path ? escapesWorkspace(workspace, p.value) : undefined
    if (why) throw new CliError(`param ${p.name}: ${why}; a path param must stay inside the workspace (no .. or symlink out of it)`)
  }
  // A detached run's id was chosen by the command that started it (it printed it already).
  const runId = process.env[RUN_ID_ENV]
  delete process.env[RUN_ID_ENV]

  const lock = acquireLock(paths.lock)
  const controller = new AbortController()
  const stopSignals = onSignals(controller)
  try {
    // `--cache-dir DIR`, else the default; `--no-cache`: none.
    const { cache: useCache, cacheDir, debug: debugging, ...rest } = opts
    const cache = useCache === false ? {} : { cache: { dir: resolve(cacheDir ?? defaultCacheDir()), version: VERSION } }
    // --debug: a retry reads the runbook again (the person may have fixed the block).
    const debug = debugging ? { debug: { reload: async () => (await load(true)).plan } } : {}
    const session = new RunSession({
      ...rest,
      ...cache,
      ...debug,
      runbookPath,
      runbook,
      plan,
      checks,
      paths,
      lock,
      signal: controller.signal,
      ...(runId ? { runId } : {}),
    })
    return await session.run()
  } finally {
    stopSignals()
    lock.release()
  }
}

/** The first signal stops the run (cleanly), the third quits at once. Returns the undo. */
function onSignals(controller: AbortController): () => void {
  let signals = 0
  const onSignal = (sig: NodeJS.Signals) => {
    signals++
    if (signals === 1) {
      process.stderr.write(`\ndocrun: ${sig}: stopping the running block and cleaning up (again to hurry, a third time to quit at once)\n`)
      controller.abort(new Error(sig))
    } else if (signals >= 3) {
      process.stderr.write('docrun: quitting without cleanup; `docrun clean` removes what is left\n')
      process.exit(EXIT.interrupted)
    }
  }
  const names: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const n of names) process.on(n, onSignal)
  return () => {
    for (const n of names) process.off(n, onSignal)
  }
}
