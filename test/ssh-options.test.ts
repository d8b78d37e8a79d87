// The `hosts:` front matter and the ssh command line it becomes (no process: the real server is in ssh.test.ts).
import { describe, expect, it } from 'vitest'
import { parseFrontMatter } from '../src/runbook/frontmatter.js'
import { sshBaseArgs } from '../src/targets/ssh-options.js'

const read = (yaml: string) => parseFrontMatter(yaml, 2)

describe('hosts: in the front matter', () => {
  it('reads an entry, or a name of ~/.ssh/config', () => {
    const { frontmatter, problems } = read(
      'hosts:\n  z: {ssh: root@10.0.0.2, port: 2222, identity: ~/.ssh/id_ed25519, options: {ProxyJump: bastion}}\n  box: box\n',
    )
    expect(problems).toEqual([])
    expect(frontmatter.hosts).toEqual({
      z: { ssh: 'root@10.0.0.2', port: 2222, identity: '~/.ssh/id_ed25519', options: { ProxyJump: 'bastion' } },
      box: { ssh: 'box' },
    })
  })

  it('refuses a host key policy that accepts any key, docrun-owned options and bad values, at their line', () => {
    const { problems } = read(
      [
        'hosts:',
        '  a: {ssh: root@h, options: {StrictHostKeyChecking: "no"}}',
        '  b: {ssh: root@h, options: {ControlPath: /tmp/x}}',
        '  c: {ssh: "-oProxyCommand=evil"}',
        '  d: {ssh: h, port: 70000}',
        '  e: {ssh: h, user: x}',
        '',
      ].join('\n'),
    )
    expect(problems.map((p) => [p.place.line, p.message.split(':')[0]])).toEqual([
      [3, 'host `a`'],
      [4, 'host `b`'],
      [5, 'host `c`'],
      [6, 'host `d`'],
      [7, 'host `e`'],
    ])
    expect(problems[0]!.message).toContain('would accept any host key')
  })
})

describe('the ssh command line', () => {
  it("checks host keys as ssh does unless the runbook says accept-new; docrun's options come first, so they win", () => {
    const args = sshBaseArgs({ ssh: 'root@h', port: 2222, identity: '/k', options: { UserKnownHostsFile: '/kh' } })
    expect(args.join(' ')).toBe(
      '-o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/kh -o ConnectTimeout=20 -o ServerAliveInterval=15 -o ServerAliveCountMax=3 -i /k -o IdentitiesOnly=yes -p 2222',
    )
    expect(sshBaseArgs({ ssh: 'h', options: { StrictHostKeyChecking: 'accept-new' } })).toContain('StrictHostKeyChecking=accept-new')
  })
})
