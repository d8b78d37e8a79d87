// `docrun import DOC -o RUNBOOK.md`: a reStructuredText (or plain Markdown) document becomes a
// Markdown runbook with the same sections, every literal block a fenced block — shell commands
// as `sh`, Kconfig lines and other content as data. pandoc does the conversion (a real RST
// parser); a Lua filter gives each code block its language.
import { execa } from 'execa'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, extname, join } from 'node:path'
import { addShownExpected, findExpected, markExpected } from './infer-expect.js'
import { findFiles, markFiles } from './infer-files.js'
import { inferParams } from './infer-params.js'
import { inferTargets } from './infer-targets.js'
import { Reading } from './prose.js'
import { shellParser } from '../syntax/shell.js'
import { DocrunError } from '../common/errors.js'

export class ImportError extends DocrunError {}

/**
 * Lua filter: a code block without a language is Kconfig when every line is NAME=value, a
 * listing of paths (text) when every line is one path and some are directories (`features/`,
 * `features/steps/`: no command runs a directory), else shell.
 */
const LANG_FILTER = String.raw`
function CodeBlock(el)
  if #el.classes > 0 then return nil end
  local kconfig, paths, dirs, any = true, true, false, false
  for line in (el.text .. "\n"):gmatch("(.-)\n") do
    if line:match("%S") then
      any = true
      if not line:match("^%s*[A-Z][A-Z0-9_]*=%S*%s*$") then kconfig = false end
      if not line:match("^%s*[%w._~-]*/[%w._/-]*%s*$") then paths = false end
      if line:match("/%s*$") then dirs = true end
    end
  end
  el.classes = { (any and kconfig) and "kconfig" or (any and paths and dirs) and "text" or "sh" }
  return el
end
`

/**
 * The Chinese edition has no `::`: its commands are indented blocks after a paragraph ending
 * in a full-width colon, which RST reads as block quotes (and whose trailing backslashes it
 * would eat as escapes). Such a block is a literal block: say so with an expanded `::`.
 */
export function literalAfterFullWidthColon(rst: string): string {
  const lines = rst.split('\n')
  const out: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    out.push(line)
    const next = lines[i + 1]
    const block = lines[i + 2]
    if (
      /^\S.*：\s*$/.test(line) &&
      next !== undefined &&
      next.trim() === '' &&
      block !== undefined &&
      /^\s+\S/.test(block) &&
      !/^\s+(?:[*+-]|\d+\.)\s/.test(block)
    ) {
      out.push('', '::')
    }
  }
  return out.join('\n')
}

let version: Promise<string> | undefined

/** pandoc's version line, asked once per process (a spawn cost as much as converting a small document). */
export function pandocVersion(): Promise<string> {
  return (version ??= askVersion().catch((error: unknown) => {
    version = undefined
    throw error
  }))
}

async function askVersion(): Promise<string> {
  const r = await execa('pandoc', ['--version'], { reject: false })
  if (r.exitCode !== 0 || r.failed) throw new ImportError('pandoc is not installed: `apt-get install pandoc` (docrun uses it to read reStructuredText)')
  return r.stdout.split('\n')[0] ?? 'pandoc'
}

export interface ImportOptions {
  /** false: literal blocks the prose introduces as output stay text (`--no-infer-expect`). */
  inferExpect?: boolean
}

/** Convert a document's text to a runbook's text. `from`: rst or markdown (by extension). */
export async function importDocument(text: string, sourcePath: string, opts: ImportOptions = {}): Promise<string> {
  await pandocVersion()
  const ext = extname(sourcePath).toLowerCase()
  const from = ext === '.rst' || ext === '.rest' || ext === '.txt' ? 'rst' : 'markdown'
  const input = from === 'rst' ? literalAfterFullWidthColon(text) : text
  // A private directory (mode 0700, unpredictable name): nobody can plant the filter's path.
  const dir = await mkdtemp(join(tmpdir(), 'docrun-import-'))
  const filter = join(dir, 'codeblocks.lua')
  try {
    await writeFile(filter, LANG_FILTER, { flag: 'wx' })
    // The files a document names (a csv-table's :file:, an image) are beside it, as Sphinx finds them.
    const args = ['-f', from, '-t', 'gfm', '--wrap=none', `--lua-filter=${filter}`, `--resource-path=${dirname(sourcePath)}`]
    const r = await execa('pandoc', args, { input, reject: false })
    if (r.exitCode !== 0) throw new ImportError(`pandoc could not convert ${sourcePath}: ${r.stderr.trim()}`)
    const title = /^#\s+(.+)$/m.exec(r.stdout)?.[1]?.trim()
    const head = ['---', ...(title ? [`title: ${JSON.stringify(title)}`] : []), `imported-from: ${JSON.stringify(basename(sourcePath))}`, '---', '']
    return await infer(`${head.join('\n')}\n${headingAnchorsOut(r.stdout.replace(/^``` (\w+)$/gm, '```$1'))}`, text, opts)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * pandoc writes an RST label before a heading (`.. _getstarted:`) as an empty span in it
 * (`## Install pytest<span id="getstarted"></span>`): it would be part of the section's id and
 * of every block id in it (`install-pytestspan-idgetstartedspan-1`, what a reader types with `--only`).
 */
function headingAnchorsOut(markdown: string): string {
  return markdown.replace(/^(#{1,6}\s.*)$/gm, (h) => h.replace(/\s*<span id="[^"]*"><\/span>/g, ''))
}

/**
 * What the prose says, as attributes: the output it shows and the files it asks for (found
 * first, so that nothing after reads them as commands), then the chroots and guests the reader enters, then the placeholders
 * left to the reader (as params).
 */
async function infer(markdown: string, source: string, opts: ImportOptions): Promise<string> {
  const read = new Reading(await shellParser())
  const expected = opts.inferExpect === false ? { text: markdown, found: [] } : await findExpected(markdown, read)
  const files = findFiles(expected.text, new Set(expected.found.map((f) => f.index)), read)
  const targeted = (await inferTargets(files.text, source, read)).text
  const marked = addShownExpected(markFiles(markExpected(targeted, expected.found, read), files.found, read), expected.found, read)
  return (await inferParams(marked, source, read)).text
}
