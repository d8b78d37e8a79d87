// Real documents of other projects, run as they are (test/fixtures/readmes/NAME/: each with its
// licence and SOURCE.md, which says where it comes from and what a reader does that it does not
// write). The test checks what the run made, as the document says it.
import { execa } from 'execa'
import { copyFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, FIXTURES, workspace } from './helpers/cli.js'

const READMES = join(FIXTURES, 'readmes')

describe("Node.js's single executable applications guide (doc/api/single-executable-applications.md)", () => {
  const DOC = 'single-executable-applications.md'
  const staged = () => {
    const ws = workspace()
    copyFileSync(join(READMES, 'node-sea', DOC), join(ws, DOC))
    return ws
  }

  it('run as it is: the Linux steps pass and it stops at the macOS-only `codesign`, the first block no reader here runs', async () => {
    const ws = staged()
    const r = await docrun(['run', DOC], { cwd: ws, timeout: 5 * 60_000 })
    expect(r.exitCode, r.all).toBe(1)
    expect(r.all).toMatch(/✅ single-executable-applications-4 passed/)
    expect(r.all).toMatch(/codesign: command not found/)
    expect(r.all).toMatch(/❌ single-executable-applications-6 failed \(exit 127\)/)
    // The blob step 3 generates is there.
    expect(existsSync(join(ws, 'sea-prep.blob'))).toBe(true)
  })

  it("the Linux path (its blocks named with --only; npx's question answered by npm_config_yes): the binary says hello as step 8 shows", async () => {
    const ws = staged()
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
