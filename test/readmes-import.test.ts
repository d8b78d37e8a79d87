// What the real documents of test/readmes.test.ts needed from the import, each on a small
// document of the same shape: behave's tutorial (a `% ` prompt, files named in quotes in a
// directory the paragraph made, a listing of paths), gojq's README and pytest's Get Started
// (output shown under `$ ` prompts), pytest's RST labels before headings.
import { describe, expect, it } from 'vitest'
import { requireTool } from './helpers/chroot.js'

async function imported(text: string, name: string): Promise<string> {
  await requireTool('pandoc', 'pandoc')
  const { importDocument } = await import('../src/import/rst.js')
  return importDocument(text, name)
}

async function blocksOf(markdown: string) {
  const { parseRunbook } = await import('../src/runbook/parse.js')
  return parseRunbook(markdown, 'doc.md').runbook.blocks
}

describe('prompts', () => {
  it("a block that starts with csh's `% ` prompt runs its prompted lines; the rest is the output it shows", async () => {
    const [b] = await blocksOf('```sh\n% behave\nFeature: showing off behave\n\n3 steps passed\n```\n')
    expect(b!.content).toBe('behave')
    expect(b!.prompted?.output.map((o) => o.text)).toEqual(['Feature: showing off behave', '3 steps passed'])
  })

  it('the first prompt says which one the block uses: in a `$ ` block a line that starts with `% ` is output', async () => {
    const [b] = await blocksOf('```sh\n$ printf "%% done\\n"\n% done\n```\n')
    expect(b!.content).toBe('printf "%% done\\n"')
    expect(b!.prompted?.output.map((o) => o.text)).toEqual(['% done'])
  })
})

describe('output shown under prompts', () => {
  it('becomes an {expect} block after the prompted block (which stays as it was), listed in inferred-expect; blank lines inside it kept', async () => {
    const md = await imported('# Usage\n\n```sh\n $ echo 1; echo; echo 2\n1\n\n2\n $ echo 6.1.0\n6.1.0\n```\n', 'README.md')
    expect(md).toMatch(/^inferred-expect: \[1\]/m)
    expect(md).toContain('```sh {mirrors=1}\n $ echo 1; echo; echo 2\n1\n\n2\n $ echo 6.1.0\n6.1.0\n```\n')
    expect(md).toMatch(
      /<!-- docrun import: the expected output of the block before: the document shows it under the `\$ ` \(or `% `\) prompts of that block;[^\n]*-->\n```text \{expect mirrors=1\}\n1\n\n2\n\\d\+\(\?:\\\.\\d\+\)\+.* \(re\)\n```/,
    )
    const blocks = await blocksOf(md)
    expect(blocks.map((b) => [b.kind, b.attrs.expect === true])).toEqual([
      ['shell', false],
      ['data', true],
    ])
  })

  it('a prompted block whose lines are no commands (a session transcript of another program) gets none', async () => {
    const md = await imported('```sh\n$ >>> 1 + 1\n2\n```\n', 'README.md')
    expect(md).not.toContain('{expect')
  })
})

describe('files the prose asks for', () => {
  it('named in quotes, in the directory the paragraph made before ("In that directory create a file called …")', async () => {
    const rst = [
      'Now make a directory called "features". In that directory create a file',
      'called "tutorial.feature" containing:',
      '',
      '.. code-block:: gherkin',
      '',
      ' Feature: showing off behave',
      '',
      'Make a new directory called "features/steps". In that directory create a',
      'file called "tutorial.py" containing:',
      '',
      '.. code-block:: python',
      '',
      '    from behave import *',
      '',
      'Create a file called "setup.cfg" containing::',
      '',
      '    [behave]',
      '',
    ].join('\n')
    const md = await imported(rst, 'tutorial.rst')
    expect(md).toContain('```gherkin {mirrors=1 file=features/tutorial.feature}')
    expect(md).toContain('```python {mirrors=2 file=features/steps/tutorial.py}')
    // No directory in its sentence: the file is where the reader is.
    expect(md).toMatch(/```\w+ \{mirrors=3 file=setup\.cfg\}/)
  })
})

describe('what is no command', () => {
  it('a literal block listing paths, some of them directories, is text: no command runs `features/`', async () => {
    const md = await imported('The minimum is::\n\n  features/\n  features/everything.feature\n  features/steps/\n\nRun it::\n\n  ls features/\n', 'x.rst')
    const blocks = await blocksOf(md)
    expect(blocks.map((b) => [b.lang, b.kind])).toEqual([
      ['text', 'data'],
      ['sh', 'shell'],
    ])
  })

  it('RST labels before a heading (pytest writes two) stay out of the section and block ids', async () => {
    const md = await imported(
      'Get Started\n===========\n\n.. _`getstarted`:\n.. _`installation`:\n\nInstall pytest\n--------------\n\nRun::\n\n    pip install -U pytest\n',
      'x.rst',
    )
    expect(md).toMatch(/^## Install pytest$/m)
    expect((await blocksOf(md)).map((b) => b.id)).toEqual(['install-pytest-1'])
  })
})
