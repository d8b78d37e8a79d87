// Real documents of other projects, run as they are (test/fixtures/readmes/NAME/: each with its
// licence and SOURCE.md, which says where it comes from and what a reader does that it does not
// write). The test checks what the run made, as the document says it.
import { execa } from 'execa'
import { copyFileSync, existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, FIXTURES, latestRun, workspace } from './helpers/cli.js'

const READMES = join(FIXTURES, 'readmes')

/** A fresh workspace holding the fixture's document, as a reader who saved it there has it. */
function staged(fixture: string, doc: string): string {
  const ws = workspace()
  copyFileSync(join(READMES, fixture, doc), join(ws, doc))
  return ws
}

/** The Debian program a document needs, or a failure that says how to install it (.ci/run does). */
function requirePackaged(path: string, pkg: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: apt-get install ${pkg} (the document's test runs it; .ci/run installs it)`)
}

/**
 * A Debian user's PATH. This machine puts pyenv's shims (another pip, another pytest) before
 * /usr/bin; the documents are run with the Debian packages a reader installs.
 */
const DEBIAN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

/** A document's test: a real run or two on a loaded machine (vitest's default is 2 minutes). */
const TIMEOUT = 10 * 60_000

const output = (ws: string, step: string) => readFileSync(join(latestRun(ws), 'output', `${step}.log`), 'utf8')
const driftReport = (ws: string) => readFileSync(join(latestRun(ws), 'drift-report.md'), 'utf8')

/** The lines of a document's block `n` (1-based) between its fences, as written. */
function fencedBlock(markdown: string, n: number): string[] {
  const blocks = [...markdown.matchAll(/^```\w*\n([\s\S]*?)^```$/gm)].map((m) => m[1]!.replace(/\n$/, '').split('\n'))
  return blocks[n - 1]!
}

describe("Node.js's single executable applications guide (doc/api/single-executable-applications.md)", () => {
  const DOC = 'single-executable-applications.md'
  const stage = () => staged('node-sea', DOC)

  it('run as it is: the Linux steps pass and it stops at the macOS-only `codesign`, the first block no reader here runs', async () => {
    const ws = stage()
    const r = await docrun(['run', DOC], { cwd: ws, timeout: 5 * 60_000 })
    expect(r.exitCode, r.all).toBe(1)
    expect(r.all).toMatch(/✅ single-executable-applications-4 passed/)
    expect(r.all).toMatch(/codesign: command not found/)
    expect(r.all).toMatch(/❌ single-executable-applications-6 failed \(exit 127\)/)
    // The blob step 3 generates is there.
    expect(existsSync(join(ws, 'sea-prep.blob'))).toBe(true)
  })

  it("the Linux path (its blocks named with --only; npx's question answered by npm_config_yes): the binary says hello as step 8 shows", async () => {
    const ws = stage()
    const linux = [1, 2, 3, 4, 8].flatMap((n) => ['--only', `single-executable-applications-${n}`])
    const r = await docrun(['run', DOC, ...linux], { cwd: ws, timeout: 10 * 60_000, env: { npm_config_yes: 'true' } })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.all).toMatch(/docrun: passed \(5 passed\)/)
    expect(r.all).toMatch(/Injection done/)
    const hello = await execa(join(ws, 'hello'), ['world'], { cwd: ws, reject: false })
    expect(hello.exitCode, hello.stderr).toBe(0)
    expect(hello.stdout).toBe('Hello, world!')
  })
})

describe("behave's tutorial (docs/tutorial.rst, as python-behave-doc installs it): reStructuredText, files the prose asks for, a `% ` prompt", () => {
  const DOC = 'tutorial.rst'
  const doc = readFileSync(join(READMES, 'behave-tutorial', DOC), 'utf8')
  /** The literal block after the line `intro` in the document: its indented lines, dedented. */
  const literalAfter = (intro: string) => {
    const after = doc.slice(doc.indexOf(intro)).split('\n').slice(1)
    const start = after.findIndex((l) => l.trim())
    const end = after.findIndex((l, k) => k > start && /^\S/.test(l))
    const lines = after.slice(start, end)
    while (!lines.at(-1)!.trim()) lines.pop()
    const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length))
    return `${lines.map((l) => l.slice(indent)).join('\n')}\n`
  }

  it(
    'run as it is: the feature and its steps are written where the tutorial says, behave passes them, and the run stops at the one line behave 1.2.6 prints that the tutorial does not show',
    async () => {
      requirePackaged('/usr/bin/behave', 'python3-behave')
      const ws = staged('behave-tutorial', DOC)
      const r = await docrun(['run', DOC], { cwd: ws, timeout: 5 * 60_000, env: { PATH: DEBIAN_PATH } })
      expect(r.exitCode, r.all).toBe(1)
      // "Now make a directory called "features". In that directory create a file called "tutorial.feature" containing:"
      expect(readFileSync(join(ws, 'features/tutorial.feature'), 'utf8')).toBe(literalAfter('.. code-block:: gherkin'))
      expect(readFileSync(join(ws, 'features/steps/tutorial.py'), 'utf8')).toBe(literalAfter('.. code-block:: python'))
      expect(r.all).toMatch(/✅ tutorial-2 passed/)
      // `% behave` ran; what it printed is the tutorial's output, and one line more.
      expect(output(ws, 'tutorial-3')).toContain('3 steps passed, 0 failed, 0 skipped, 0 undefined\n')
      expect(r.all).toMatch(/❌ tutorial-3 failed \(exit 0\)[^\n]*postcondition tutorial-3:expect failed/)
      expect(r.all).toMatch(/docrun: failed \(2 passed, 1 failed\)/)
      const report = driftReport(ws)
      expect(report).toMatch(/\| document line \| tutorial\.rst:42 \|/)
      expect(report).toMatch(/0 lines shown but not printed, 1 printed but not shown; first, the command printed `Took 0m\d+\.\d+s`/)
      expect(report).toMatch(/^ 3 steps passed, 0 failed, 0 skipped, 0 undefined\n\+Took 0m\d+\.\d+s$/m)
      // The directory listings after it ("The minimum requirement for a features directory is::") are text: nothing else ran.
      expect(existsSync(join(latestRun(ws), 'output', 'features-1.log'))).toBe(false)
    },
    TIMEOUT,
  )

  it(
    'with its output left unchecked (--no-infer-expect) the whole tutorial passes: the listings and the gherkin and Python examples after it are not run',
    async () => {
      requirePackaged('/usr/bin/behave', 'python3-behave')
      const ws = staged('behave-tutorial', DOC)
      const r = await docrun(['run', DOC, '--no-infer-expect'], { cwd: ws, timeout: 5 * 60_000, env: { PATH: DEBIAN_PATH } })
      expect(r.exitCode, r.all).toBe(0)
      expect(r.all).toMatch(/docrun: passed \(3 passed\)/)
      expect(output(ws, 'tutorial-3')).toMatch(/^1 feature passed, 0 failed, 0 skipped$/m)
    },
    TIMEOUT,
  )
})

describe("pytest's Get Started (doc/en/getting-started.rst, as python-pytest-doc installs it): reStructuredText, an install step, a version shown under a `$ ` prompt", () => {
  const DOC = 'getting-started.rst'

  it(
    "run as it is it stops at its first step: Debian 12's pip will not install into the system's Python (PEP 668)",
    async () => {
      requirePackaged('/usr/bin/pip', 'python3-pip')
      const ws = staged('pytest-getting-started', DOC)
      const r = await docrun(['run', DOC], { cwd: ws, timeout: 5 * 60_000, env: { PATH: DEBIAN_PATH } })
      expect(r.exitCode, r.all).toBe(1)
      expect(r.all).toMatch(/error: externally-managed-environment/)
      expect(r.all).toMatch(/❌ install-pytest-1 failed \(exit 1\)/)
      expect(driftReport(ws)).toMatch(/\| document line \| getting-started\.rst:18 \|/)
      expect(existsSync(join(ws, 'test_sample.py'))).toBe(false)
    },
    TIMEOUT,
  )

  it(
    'the path of a reader with python3-pytest: the version check passes as the document shows it, test_sample.py is written, and pytest reports its failure as the document does',
    async () => {
      requirePackaged('/usr/bin/pytest', 'python3-pytest')
      const ws = staged('pytest-getting-started', DOC)
      const only = ['install-pytest-2', 'create-your-first-test-1'].flatMap((id) => ['--only', id])
      const r = await docrun(['run', DOC, ...only], { cwd: ws, timeout: 5 * 60_000, env: { PATH: DEBIAN_PATH } })
      expect(r.exitCode, r.all).toBe(0)
      expect(r.all).toMatch(/docrun: passed \(2 passed\)/)
      // `$ pytest --version` shows `pytest 7.2.1`: the import made it the block's {expect} (versions as a pattern), and it held.
      const imported = readFileSync(join(ws, '.docrun/imports/getting-started.md'), 'utf8')
      expect(imported).toMatch(/^```text \{expect mirrors=2\}\npytest \\d\+.* \(re\)\n```$/m)
      expect(output(ws, 'install-pytest-2')).toMatch(/^pytest \d+\.\d+\.\d+$/m)
      expect(readFileSync(join(ws, 'test_sample.py'), 'utf8')).toMatch(/^# content of test_sample\.py\ndef func\(x\):\n {4}return x \+ 1\n/)
      // The document's `$ pytest` (a pytest console block: its reader types it) reports what it shows.
      const t = await execa('pytest', [], { cwd: ws, reject: false, env: { PATH: DEBIAN_PATH } })
      expect(t.exitCode, t.stdout).toBe(1)
      expect(t.stdout).toMatch(/^test_sample\.py F {2,}\[100%\]$/m)
      expect(t.stdout).toMatch(/^E {7}assert 4 == 5$/m)
      expect(t.stdout).toMatch(/^FAILED test_sample\.py::test_answer - assert 4 == 5$/m)
    },
    TIMEOUT,
  )
})

describe("gojq's README (README.md, as the gojq package installs it): Markdown whose `$ ` prompts show each command's output", () => {
  const DOC = 'README.md'
  const shown = fencedBlock(readFileSync(join(READMES, 'gojq', DOC), 'utf8'), 1).filter((l) => !/^\s*\$ /.test(l))

  it(
    "run as it is: the usage block prints what the README shows under its prompts (less the README's two `# …` asides), and the run stops at the error messages the README shows on purpose",
    async () => {
      requirePackaged('/usr/bin/gojq', 'gojq')
      const ws = staged('gojq', DOC)
      const r = await docrun(['run', DOC], { cwd: ws, timeout: 5 * 60_000, env: { PATH: DEBIAN_PATH } })
      expect(r.exitCode, r.all).toBe(1)
      expect(r.all).toMatch(/✅ usage-1 passed/)
      expect(output(ws, 'usage-1').trimEnd().split('\n')).toEqual(shown.map((l) => l.replace(/ +# [a-z -]+$/, '')))
      expect(r.all).toMatch(/gojq: invalid query: \.foo & \.bar/)
      expect(r.all).toMatch(/❌ usage-2 failed \(exit 3\)/)
    },
    TIMEOUT,
  )

  it(
    'imported (`docrun import`), the output under its prompts becomes an {expect}: it fails at exactly the two lines the README annotates, and the drift report says so at README.md:14',
    async () => {
      requirePackaged('/usr/bin/gojq', 'gojq')
      const ws = staged('gojq', DOC)
      const i = await docrun(['import', DOC, '-o', 'gojq.md'], { cwd: ws, timeout: 2 * 60_000 })
      expect(i.exitCode, i.all).toBe(0)
      expect(readFileSync(join(ws, 'gojq.md'), 'utf8')).toMatch(/^inferred-expect: \[1, 2\]/m)
      const r = await docrun(['run', 'gojq.md', '--only', 'usage-1'], { cwd: ws, timeout: 5 * 60_000, env: { PATH: DEBIAN_PATH } })
      expect(r.exitCode, r.all).toBe(1)
      expect(r.all).toMatch(/postcondition usage-1:expect failed/)
      const report = driftReport(ws)
      expect(report).toMatch(/\| document line \| README\.md:14 \|/)
      expect(report).toMatch(
        /2 lines shown but not printed, 2 printed but not shown; first, the document shows `4722366482869645213696 {2}# keeps the precision of large numbers` where the command printed `4722366482869645213696`/,
      )
      expect(report).toMatch(
        /^-30414093201713378043612608166064768844377641568960512000000000000 # arbitrary-precision integer calculation\n\+4722366482869645213696\n/m,
      )
    },
    TIMEOUT,
  )
})
