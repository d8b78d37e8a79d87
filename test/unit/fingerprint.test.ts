import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { basenameMatcher, changedDirs, fingerprint, globsToRegExp } from '../../src/inputs/fingerprint.js'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })))

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), 'docrun-fp-'))
  dirs.push(root)
  mkdirSync(join(root, 'kernel/bpf'), { recursive: true })
  mkdirSync(join(root, 'include/generated'), { recursive: true })
  writeFileSync(join(root, 'Makefile'), 'all:\n')
  writeFileSync(join(root, 'kernel/bpf/verifier.c'), 'int x;\n')
  writeFileSync(join(root, 'kernel/bpf/core.c'), 'int y;\n')
  writeFileSync(join(root, 'scripts.sh'), '#!/bin/sh\n')
  chmodSync(join(root, 'scripts.sh'), 0o755)
  return root
}
const fp = (root: string) => fingerprint([{ path: root, label: 'linux' }])

describe('input fingerprints', () => {
  it('an edited source changes the fingerprint, and names its directory', async () => {
    const root = tree()
    const before = await fp(root)
    expect(before.files).toBe(4)
    expect(await fp(root)).toEqual(before)
    writeFileSync(join(root, 'kernel/bpf/verifier.c'), 'int x = 1;\n')
    const after = await fp(root)
    expect(after.digest).not.toBe(before.digest)
    expect(changedDirs(before, after)).toEqual(['linux/kernel/bpf'])
  })

  it('a touched file (same content, new mtime) counts as changed, as make sees it', async () => {
    const root = tree()
    const before = await fp(root)
    utimesSync(join(root, 'Makefile'), new Date(), new Date(Date.now() + 5000))
    expect(changedDirs(before, await fp(root))).toEqual(['linux'])
  })

  it('build outputs do not: objects, .cmd files, generated headers, programs the build made', async () => {
    const root = tree()
    const before = await fp(root)
    writeFileSync(join(root, 'kernel/bpf/verifier.o'), 'obj')
    writeFileSync(join(root, 'kernel/bpf/.verifier.o.cmd'), 'cmd')
    writeFileSync(join(root, 'include/generated/autoconf.h'), '#define X 1\n')
    copyFileSync(process.execPath, join(root, 'kernel/bpf/test_verifier'))
    chmodSync(join(root, 'kernel/bpf/test_verifier'), 0o755)
    expect(await fp(root)).toEqual(before)
  })

  it('a new or removed source changes it; more excludes are honoured', async () => {
    const root = tree()
    const before = await fp(root)
    writeFileSync(join(root, 'kernel/bpf/new.c'), '')
    expect(changedDirs(before, await fp(root))).toEqual(['linux/kernel/bpf'])
    expect((await fingerprint([{ path: root, label: 'linux' }], { exclude: ['new.c'] })).digest).toBe(before.digest)
    rmSync(join(root, 'kernel/bpf/new.c'))
    rmSync(join(root, 'kernel/bpf/core.c'))
    expect(changedDirs(before, await fp(root))).toEqual(['linux/kernel/bpf'])
  })

  it('a missing input is an error that names it', async () => {
    await expect(fingerprint([{ path: '/nonexistent/linux', label: 'linux' }])).rejects.toThrow(/cannot read the inputs under \/nonexistent\/linux/)
  })

  it('globs become one expression', () => {
    const re = globsToRegExp(['*.o', 'vmlinux', '.tmp*', 'a?c'])
    expect(['x.o', 'vmlinux', '.tmp_x', 'abc'].every((n) => re.test(n))).toBe(true)
    expect(['x.oo', 'vmlinux.c', 'tmp', 'abbc', 'x.c'].some((n) => re.test(n))).toBe(false)
  })

  it('the basename matcher agrees with the expression (names, *.EXT, other globs)', () => {
    const globs = ['*.o', '*.mod.c', 'vmlinux', '.tmp*', 'a?c', '*.so.*']
    const re = globsToRegExp(globs)
    const match = basenameMatcher(globs)
    for (const n of ['x.o', 'x.mod.c', 'a.b.o', 'vmlinux', '.tmp_x', 'abc', 'libx.so.1', 'x.oo', 'x.c', 'mod.c', '.o', 'vmlinux.c', 'o', 'x.so'])
      expect(match(n), n).toBe(re.test(n))
  })

  it('a directory named by inputs-exclude is not walked', async () => {
    const root = tree()
    mkdirSync(join(root, 'tools/lib'), { recursive: true })
    writeFileSync(join(root, 'tools/lib/x.c'), 'int z;\n')
    const fpx = await fingerprint([{ path: root, label: 'linux' }], { exclude: ['tools'] })
    expect(Object.keys(fpx.dirs).sort()).toEqual(['linux', 'linux/kernel/bpf'])
  })
})
