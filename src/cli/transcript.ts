// `docrun transcript`: a run's transcript rendered again from its event log.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { docrunPaths } from '../state/paths.js'
import { readEventLog } from '../events/read.js'
import { TranscriptModel } from '../report/transcript.js'
import { EXIT } from '../common/exit-codes.js'
import { findRunDir } from './background.js'
import { CliError } from './load.js'

export async function transcriptCommand(opts: { run?: string; workspace?: string; normalize?: boolean; runbook?: string }): Promise<number> {
  const runDir = await findRunDir(opts.workspace, opts.run).catch(() => docrunPaths(opts.workspace ?? process.cwd()).latest)
  const log = await readEventLog(runDir)
  if (!log) throw new CliError(`no run record in ${runDir} (run \`docrun run\` first, or name a run with --run)`)
  const model = new TranscriptModel()
  // A torn last line from a killed run is passed over: the lines before it still tell the story.
  for (const e of log.events) {
    try {
      model.apply(e)
    } catch {
      // An event the model cannot take (a hand-edited log): the others still render.
    }
  }
  const source = await readFile(opts.runbook ?? join(runDir, 'runbook.md'), 'utf8').catch(() => {
    throw new CliError(`cannot find the runbook of that run in ${runDir}; name it with --runbook PATH`)
  })
  process.stdout.write(model.render(source, { normalize: opts.normalize === true }))
  return EXIT.ok
}
