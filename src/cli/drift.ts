// `docrun drift DOC RUNBOOK [--patch]`: what the mirror runbook changed in the document's
// blocks, block by block; with --patch, a unified diff against the document's own text.
import { readFile } from 'node:fs/promises'
import { VFile } from 'vfile'
import { align, describeDrift, documentBlocks, patchDocument } from '../drift/align.js'
import { buildPlan } from '../plan/plan.js'
import { loadRunbook } from '../runbook/parse-cached.js'
import { EXIT } from '../common/exit-codes.js'
import { convert } from './import.js'
import { CliError, formatDiagnostics } from './load.js'
import { basename } from 'node:path'

export async function driftCommand(docPath: string, runbookPath: string, opts: { patch?: boolean }): Promise<number> {
  const docText = await readFile(docPath, 'utf8').catch((e: Error) => {
    throw new CliError(`cannot read ${docPath}: ${e.message}`)
  })
  const doc = documentBlocks(docText, await convert(docPath))
  const { runbook, file } = await loadRunbook(runbookPath).catch((e: Error) => {
    throw new CliError(`cannot read ${runbookPath}: ${e.message}`)
  })
  const plan = buildPlan(runbook, new VFile())
  if (file.messages.some((m) => m.fatal)) throw new CliError(await formatDiagnostics(file))
  const tooFar = plan.steps.filter((s) => Number(s.attrs.mirrors) > doc.length)
  if (tooFar.length)
    throw new CliError(`${tooFar.map((s) => `${s.id}: mirrors=${String(s.attrs.mirrors)}`).join(', ')}: ${docPath} has ${doc.length} literal blocks`)
  const { aligned, runbookOnly } = align(doc, plan)
  if (!aligned.some((a) => a.mirrors.length)) throw new CliError(`no block of ${runbookPath} says which document block it mirrors (mirrors=N)`)
  process.stdout.write(opts.patch ? patchDocument(docPath, docText, aligned) : describeDrift(basename(docPath), aligned, runbookOnly))
  return EXIT.ok
}
