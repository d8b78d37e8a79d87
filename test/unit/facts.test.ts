// The transcript header's tool versions come from the tools on PATH; kept in docrun's cache per
// binary, they are asked again when the binary changes (another file, or the same one rewritten).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// The built module: src/version.ts finds package.json from dist/src/.
import { hostFacts } from '../../dist/src/report/facts.js'

let dir: string
const saved = { PATH: process.env.PATH, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME }
const fakeQemu = (version: string, mtime: number) => {
  const file = join(dir, 'bin', 'qemu-system-s390x')
  writeFileSync(file, `#!/bin/sh\necho "QEMU emulator version ${version} (fake)"\n`)
  chmodSync(file, 0o755)
  utimesSync(file, mtime, mtime)
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'docrun-facts-'))
  process.env.XDG_CACHE_HOME = join(dir, 'cache')
  process.env.PATH = `${join(dir, 'bin')}:${saved.PATH}`
  mkdirSync(join(dir, 'bin'))
})
afterEach(() => {
  process.env.PATH = saved.PATH
  if (saved.XDG_CACHE_HOME === undefined) delete process.env.XDG_CACHE_HOME
  else process.env.XDG_CACHE_HOME = saved.XDG_CACHE_HOME
  rmSync(dir, { recursive: true, force: true })
})

describe('host facts', () => {
  it('name the version of the tool on PATH, asked again when its binary changes', () => {
    fakeQemu('9.9.1', 1_000_000)
    expect(hostFacts().tools['qemu-system-s390x']).toBe('9.9.1')
    expect(hostFacts().tools['qemu-system-s390x']).toBe('9.9.1')
    fakeQemu('9.9.2', 2_000_000)
    expect(hostFacts().tools['qemu-system-s390x']).toBe('9.9.2')
    expect(hostFacts().tools.bash).toMatch(/^\d+\.\d+/)
  })

  it('leave out a tool that is not on PATH', () => {
    process.env.PATH = join(dir, 'bin')
    expect(hostFacts().tools).toEqual({})
  })
})
