// Files the prose asks for (test/fixtures/docs/: real kernel documents, GPL-2.0): "Create a file
// `PATH`", "Add the following lines to `PATH`", "add:: … to ~/.gdbinit" / "请将:: … 添加到~/.gdbinit"
// before (or around) a literal block make it `{file=PATH}` / `{file=PATH append}`, with a comment.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, FIXTURES, workspace } from './helpers/cli.js'
import { requireTool } from './helpers/chroot.js'

const DOCS = join(FIXTURES, 'docs')

async function imported(name: string): Promise<string> {
  await requireTool('pandoc', 'pandoc')
  const { importDocument } = await import('../src/import/rst.js')
  return importDocument(readFileSync(join(DOCS, name), 'utf8'), name)
}

/** The fence line of document block N, and the comment line before it. */
function fenceOf(md: string, n: number): { fence: string; comment: string } {
  const lines = md.split('\n')
  const i = lines.findIndex((l) => /^[\s>]*```/.test(l) && new RegExp(`[{ ]mirrors=${n}[ }]`).test(l))
  return { fence: lines[i]!.trim(), comment: lines[i - 1]!.trim() }
}

describe('files the prose asks for', () => {
  it('the KUnit guide: "Create a file" writes, "Add the following lines to" appends; the languages stay', async () => {
    const md = await imported('kunit-start.rst')
    expect(fenceOf(md, 10).fence).toBe('```c {mirrors=10 file=drivers/misc/example.h}')
    expect(fenceOf(md, 10).comment).toBe(
      '<!-- docrun import: the document asks for this in a file ("Create a file `drivers/misc/example.h`"): docrun writes it to `drivers/misc/example.h` instead of running it -->',
    )
    expect(fenceOf(md, 11).fence).toBe('```c {mirrors=11 file=drivers/misc/example.c}')
    expect(fenceOf(md, 12).fence).toBe('```kconfig {mirrors=12 file=drivers/misc/Kconfig append}')
    expect(fenceOf(md, 13).fence).toBe('```make {mirrors=13 file=drivers/misc/Makefile append}')
    expect(fenceOf(md, 14).fence).toBe('```c {mirrors=14 file=drivers/misc/example_test.c append}')
    expect(fenceOf(md, 17).fence).toBe('```none {mirrors=17 file=.kunit/.kunitconfig append}')
    // "5. Run the test:" stays a command.
    expect(fenceOf(md, 18).fence).toBe('```bash {mirrors=18}')
  })

  it('the gdb guide in both languages: "add:: … to ~/.gdbinit" and "请将:: … 添加到~/.gdbinit" append to ~/.gdbinit', async () => {
    for (const [name, n] of [
      ['gdb-kernel-debugging.rst', 2],
      ['gdb-kernel-debugging.zh.rst', 1],
    ] as const) {
      const md = await imported(name)
      expect(fenceOf(md, n).fence).toBe(`\`\`\` none {mirrors=${n} file=~/.gdbinit append}`)
      expect(fenceOf(md, n).comment).toMatch(
        /^<!-- docrun import: the document asks for this in a file \(".*(?:to|添加到)~?\/?.*gdbinit.*"\): docrun appends it to `~\/.gdbinit`/,
      )
      // Its `/path/to/linux-build` is file content, not a command: no param for it.
      expect(md).not.toMatch(/^params:/m)
    }
  })

  it('an imported file block runs as {file=}: `~/` is the home of the target, `append` appends', async () => {
    await requireTool('pandoc', 'pandoc')
    const ws = workspace()
    writeFileSync(join(ws, '.gdbinit'), 'set pagination off\n')
    writeFileSync(
      join(ws, 'doc.rst'),
      'Setup\n=====\n\nCreate a file ``conf/a.txt`` with the following content::\n\n  one\n\nIn case gdb refuses, add::\n\n  add-auto-load-safe-path /src/linux\n\nto ~/.gdbinit.\n',
    )
    const r = await docrun(['run', 'doc.rst'], { cwd: ws, env: { HOME: ws } })
    expect(r.exitCode, r.all).toBe(0)
    expect(readFileSync(join(ws, 'conf/a.txt'), 'utf8')).toBe('one\n')
    expect(readFileSync(join(ws, '.gdbinit'), 'utf8')).toBe('set pagination off\nadd-auto-load-safe-path /src/linux\n')
  })
})
