// Where an imported document's blocks and files are: each literal block's document line
// (`imported-lines`, which lint's probe, the params' descriptions and the drift report cite),
// and the files a document names beside it. Both came out of the corpus run
// (test/corpus.test.ts) and the list of small defects.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, workspace } from './helpers/cli.js'
import { requireTool } from './helpers/chroot.js'

const importedLines = (md: string) => JSON.parse(/^imported-lines: (\[[^\]]*\])/m.exec(md)![1]!) as number[]

describe('imported-lines: the document line of each literal block', () => {
  it('a `$ `-prompted block is found at its line (its commands are read without the prompt; the document has it)', async () => {
    await requireTool('pandoc', 'pandoc')
    const ws = workspace()
    writeFileSync(join(ws, 'p.rst'), 'Title\n=====\n\nBuild it::\n\n    $ make -j2\n    $ make install\n\nThen::\n\n    echo done\n')
    const r = await docrun(['import', 'p.rst'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(importedLines(r.stdout)).toEqual([6, 11])
  })
})

describe('imported-lines: blocks with tabs', () => {
  it('a literal block whose lines have tabs is found at its line (pandoc expands them: the kernel corpus found blocks it could not place)', async () => {
    await requireTool('pandoc', 'pandoc')
    const ws = workspace()
    writeFileSync(join(ws, 'tabs.rst'), 'Title\n=====\n\nThe table::\n\n    INO\t\tDONE\tERROR\n    39502\t1\tGENERATION\n')
    const r = await docrun(['import', 'tabs.rst'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(importedLines(r.stdout)).toEqual([6])
  })
})

describe('the files a document names', () => {
  it("a csv-table's :file: beside the document is found (pandoc looked in the working directory and refused the document)", async () => {
    await requireTool('pandoc', 'pandoc')
    const ws = workspace()
    mkdirSync(join(ws, 'doc'))
    writeFileSync(join(ws, 'doc/c.rst'), 'T\n=\n\n.. csv-table:: Properties\n   :file: props.csv\n\nRun::\n\n    ls\n')
    writeFileSync(join(ws, 'doc/props.csv'), 'name,value\nalpha,1\n')
    const r = await docrun(['import', 'doc/c.rst'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout).toMatch(/\| alpha +\| 1 +\|/)
  })
})
