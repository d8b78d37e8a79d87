// One of the corpus test's workers (a worker thread, one per core): each document it is sent goes
// the way `docrun lint DOC.rst` takes it — imported (pandoc, then the inferences), planned and
// linted — with the built CLI's modules (dist/, which `npm test` builds first). It answers
// with what the document became, or why it was refused, or the crash.
import { parentPort } from 'node:worker_threads'

const dist = new URL('../dist/src/', import.meta.url)
const { loadDocument } = await import(new URL('cli/import.js', dist).href)
const { CliError } = await import(new URL('cli/load.js', dist).href)
const { buildPlan, PlanError } = await import(new URL('plan/plan.js', dist).href)
const { lintPlan } = await import(new URL('lint/lint.js', dist).href)

/** What became of one document: its blocks, what the import inferred, and what could not be placed. */
async function oneDocument(path) {
  const started = performance.now()
  let parsed
  try {
    parsed = await loadDocument(path, { inferExpect: true })
  } catch (error) {
    if (!(error instanceof CliError)) throw error
    return { path, refused: error.message, ms: performance.now() - started }
  }
  const { runbook, file } = parsed
  try {
    await lintPlan(runbook, buildPlan(runbook, file), file)
  } catch (error) {
    if (!(error instanceof PlanError)) throw error
  }
  const blocks = runbook.blocks
  const lines = runbook.frontmatter.extra['imported-lines']
  return {
    path,
    ms: performance.now() - started,
    blocks: blocks.length,
    shell: blocks.filter((b) => b.kind === 'shell').length,
    expect: blocks.filter((b) => b.attrs.expect === true).length,
    files: blocks.filter((b) => b.attrs.file !== undefined).length,
    targets: blocks.filter((b) => b.attrs.target !== undefined || b.attrs.guest !== undefined).length,
    params: runbook.frontmatter.params.length,
    diagnostics: file.messages.length,
    // A diagnostic without a line, or a literal block the import could not find in the document.
    unpositioned: file.messages.filter((m) => !(m.line > 0)).map((m) => m.reason),
    unlocated: Array.isArray(lines) ? lines.flatMap((l, i) => (Number(l) > 0 ? [] : [i + 1])) : blocks.map((b) => b.index + 1),
  }
}

parentPort.on('message', async (path) => {
  try {
    parentPort.postMessage(await oneDocument(path))
  } catch (error) {
    parentPort.postMessage({ path, crash: error instanceof Error ? (error.stack ?? error.message) : String(error) })
  }
})
