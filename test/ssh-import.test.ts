// A bare `ssh HOST` in an imported document: the reader logged in and went on typing there, so
// the blocks after it run on that host (front matter `hosts:`), as after a bare `chroot DIR`.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inferTargets } from '../src/import/infer-targets.js'
import { parseRunbook } from '../src/runbook/parse.js'
import { requireTool } from './helpers/chroot.js'
import { docrun, latestRun, workspace } from './helpers/cli.js'
import { startSshd, type TestSshd } from './helpers/sshd.js'

const doc = (login: string) =>
  [
    '---',
    'title: Test on the box',
    '---',
    '# Test on the box',
    '',
    '```sh',
    'make bzImage',
    login,
    '```',
    '',
    '```sh',
    'uname -m',
    '```',
    '',
    '```sh',
    'dmesg | tail',
    '```',
    '',
  ].join('\n')

describe('import: a bare ssh HOST', () => {
  it('is commented out and the blocks after it run on that host, its port, key, user and -o options in hosts:', async () => {
    const { text, hosts, inferences } = await inferTargets(doc('ssh -p 2222 -i ~/.ssh/lab -l root -o UserKnownHostsFile=/tmp/kh test-box.lab'))
    expect(hosts).toEqual({ 'test-box': { ssh: 'root@test-box.lab', port: 2222, identity: '~/.ssh/lab', options: { UserKnownHostsFile: '/tmp/kh' } } })
    expect(text).toContain(
      '# ssh -p 2222 -i ~/.ssh/lab -l root -o UserKnownHostsFile=/tmp/kh test-box.lab  # docrun: the blocks after this one run on host test-box',
    )
    expect(text).toContain('<!-- docrun import: runs on host `test-box` over SSH: the block before ends in a bare `ssh -p 2222')
    const { runbook, file } = parseRunbook(text, 'imported.md')
    expect(file.messages.map(String)).toEqual([])
    expect(runbook.frontmatter.hosts).toEqual(hosts)
    expect(runbook.blocks.map((b) => b.attrs.target ?? 'host')).toEqual(['host', 'test-box', 'test-box'])
    expect(inferences.map((i) => i.target)).toEqual(['test-box', 'test-box'])
  })

  it('an ssh with a command, or not alone on its line, is no login', async () => {
    for (const login of ['ssh box uname -a', 'ssh box && echo back', 'ssh "$HOST"']) {
      const { hosts, text } = await inferTargets(doc(login))
      expect(hosts, login).toEqual({})
      expect(text).not.toContain('target=')
    }
  })
})

describe('a document with a bare ssh, run as it is, against a real sshd', () => {
  let sshd: TestSshd
  beforeAll(async () => {
    sshd = await startSshd()
  })
  afterAll(async () => {
    await sshd?.stop()
  })

  it('runs the blocks after the login on the remote host', async () => {
    await requireTool('pandoc', 'pandoc')
    const ws = workspace()
    const login = `ssh -o UserKnownHostsFile=${sshd.knownHosts} -o GlobalKnownHostsFile=/dev/null -i ${sshd.identity} -p ${sshd.port} root@127.0.0.1`
    writeFileSync(
      join(ws, 'doc.rst'),
      `Remote\n======\n\nLog in::\n\n  echo on the host\n  ${login}\n\nThen::\n\n  echo "$SSH_CONNECTION" | grep -q " ${sshd.port}\\$" && echo on the remote\n`,
    )
    const r = await docrun(['run', 'doc.rst'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    const logs = ['1', '2'].map((n) => readFileSync(join(latestRun(ws), 'output', `remote-${n}.log`), 'utf8'))
    expect(logs).toEqual(['on the host\n', 'on the remote\n'])
    expect(sshd.remoteProcesses()).toEqual([])
  })
})
