// `docrun import DOC -o RUNBOOK.md`, and the on-the-fly import behind `docrun run DOC.rst`.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { EXIT } from '../common/exit-codes.js'
import { loadRunbook, type CacheOptions, type ParseResult } from '../runbook/parse-cached.js'
import { docrunPaths } from '../state/paths.js'
import { CliError } from './load.js'
import type { ImportOptions } from '../import/rst.js'

import { isImportable } from './importable.js'
export { isImportable }

export async function convert(path: string, opts: ImportOptions = {}): Promise<string> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`)
  }
  // pandoc's side of docrun loads only when a document is imported.
  const { ImportError, importDocument } = await import('../import/rst.js')
  try {
    return await importDocument(text, path, opts)
  } catch (error) {
    if (error instanceof ImportError) throw new CliError(error.message)
    throw error
  }
}

/** A runbook, or a document (.rst) as it imports: what the read-only commands look at. */
export async function loadDocument(path: string, opts: ImportOptions = {}, cache: CacheOptions = {}): Promise<ParseResult> {
  if (isImportable(path)) return (await import('../runbook/parse.js')).parseRunbook(await convert(path, opts), path)
  return loadRunbook(path, cache).catch((e: Error) => {
    throw new CliError(`cannot read ${path}: ${e.message}`)
  })
}

export async function importCommand(path: string, opts: { output?: string } & ImportOptions): Promise<number> {
  const md = await convert(path, opts)
  if (!opts.output) process.stdout.write(md)
  else {
    await mkdir(dirname(resolve(opts.output)), { recursive: true })
    await writeFile(opts.output, md)
    process.stderr.write(`docrun: ${path} → ${opts.output}\n`)
  }
  return EXIT.ok
}

/** `docrun run DOC.rst`: the imported runbook, kept in the workspace so resume finds it again. */
export async function importForRun(path: string, workspace: string, opts: ImportOptions = {}): Promise<string> {
  const out = importedPath(path, workspace)
  await mkdir(dirname(out), { recursive: true })
  await writeFile(out, await convert(path, opts))
  process.stderr.write(`docrun: imported ${path} as it is → ${out}\n`)
  return out
}

/** Where `docrun run DOC.rst` keeps the document's import in the workspace. */
export function importedPath(path: string, workspace: string): string {
  return join(docrunPaths(workspace).imports, `${basename(path).replace(/\.(rst|rest)$/i, '')}.md`)
}
