// {put}, {get} and {copy}: files and trees between the host and a remote host over SSH (a real
// sshd on 127.0.0.1, so the "remote" paths are on this machine and the test can read them).
import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { docrun, latestRun, transcript, workspace } from './helpers/cli.js'
import { startSshd, type TestSshd } from './helpers/sshd.js'

const fence = (attrs: string, body: string, lang = 'text') => `\`\`\`${lang} {${attrs}}\n${body}\n\`\`\`\n`
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

let sshd: TestSshd
beforeAll(async () => {
  sshd = await startSshd()
})
afterAll(async () => {
  await sshd?.stop()
})

describe('copies between the host and a remote host', () => {
  it("put a file and a tree, get them back: same bytes and modes, sha256 checked; relative paths are the shells' directories", async () => {
    const ws = workspace()
    const remote = join(ws, 'remote-side')
    mkdirSync(join(ws, 'linux/arch/s390/boot'), { recursive: true })
    const image = join(ws, 'linux/arch/s390/boot/bzImage')
    writeFileSync(image, Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 256)))
    mkdirSync(join(ws, 'selftests/bpf/progs'), { recursive: true })
    writeFileSync(join(ws, 'selftests/bpf/test_verifier'), '#!/bin/sh\necho Summary: 1 PASSED\n')
    chmodSync(join(ws, 'selftests/bpf/test_verifier'), 0o755)
    writeFileSync(join(ws, 'selftests/bpf/progs/a.bpf.c'), 'int x;\n')
    writeFileSync(
      join(ws, 'rb.md'),
      `---\nhosts:\n${sshd.hostYaml('z')}---\n# Copy\n\n` +
        fence('name=there target=z', `mkdir -p ${remote} && cd ${remote}`, 'sh') +
        '\n' +
        fence('name=put target=z put', `linux/arch/s390/boot/bzImage bzImage\nselftests/bpf ${remote}/bpf`) +
        '\n' +
        fence('name=run target=z', './bpf/test_verifier', 'sh') +
        '\n' +
        fence('name=back target=z get', 'bzImage back/bzImage\nbpf back/bpf'),
    )
    const r = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(sha(join(remote, 'bzImage'))).toBe(sha(image))
    expect(statSync(join(remote, 'bpf/test_verifier')).mode & 0o777).toBe(0o755)
    expect(readFileSync(join(remote, 'bpf/progs/a.bpf.c'), 'utf8')).toBe('int x;\n')
    expect(sha(join(ws, 'back/bzImage'))).toBe(sha(image))
    expect(readFileSync(join(ws, 'back/bpf/progs/a.bpf.c'), 'utf8')).toBe('int x;\n')
    const out = readFileSync(join(latestRun(ws), 'output/put.log'), 'utf8')
    expect(out).toContain(`copied host:linux/arch/s390/boot/bzImage → z:bzImage (300000 bytes, sha256 ${sha(image).slice(0, 16)}…)`)
    expect(out).toMatch(/copied host:selftests\/bpf → z:\S+\/bpf \(tree, \d+ bytes, 2 files, sha256 checked\)/)
    expect(readFileSync(join(latestRun(ws), 'output/run.log'), 'utf8')).toBe('Summary: 1 PASSED\n')
    expect(sshd.remoteProcesses()).toEqual([])
  })

  it('a source that does not exist fails the block and says which', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'rb.md'), `---\nhosts:\n${sshd.hostYaml('z')}---\n# Copy\n\n${fence('name=put copy from=host to=z', 'no-such-file /tmp/x')}`)
    const r = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    expect(transcript(ws)).toContain('copy: host:no-such-file does not exist')
    const lint = await docrun(['lint', 'rb.md'], { cwd: ws })
    expect(lint.exitCode, lint.all).toBe(0)
    writeFileSync(join(ws, 'bad.md'), `---\nhosts:\n${sshd.hostYaml('z')}---\n# Copy\n\n${fence('name=put put get target=z', 'a b c')}`)
    const bad = await docrun(['lint', 'bad.md'], { cwd: ws })
    expect(bad.all).toContain('a copy line is `SRC DEST`')
    expect(bad.all).toContain('`put` and `get` on one block')
  })
})
