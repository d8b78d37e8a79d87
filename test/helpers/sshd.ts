// A real OpenSSH server for the SSH target's tests: Debian's /usr/sbin/sshd on 127.0.0.1 with a
// port it picks, a host key and a user key it generates, and every file of its own (config,
// authorized_keys, known_hosts, pid file) in a temp dir. The system's /etc/ssh and ~/.ssh are
// never read or written: the runbooks name the test's identity and UserKnownHostsFile.
import { execa, type ResultPromise } from 'execa'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readStat } from '../../src/sys/proc.js'

export const SSHD = '/usr/sbin/sshd'

export interface TestSshd {
  port: number
  dir: string
  identity: string
  knownHosts: string
  pid: number
  /** The front matter entry for host `name` (YAML lines under `hosts:`). */
  hostYaml(name: string, extraOptions?: Record<string, string>): string
  /** The per-connection sshd processes (children of the listener): kill one to drop its connection. */
  connections(): number[]
  /** The live processes on the "remote" side: everything sshd started for a connection (its SSH_CONNECTION names this port). */
  remoteProcesses(): number[]
  /** Its host key as known_hosts spells it (`ssh-ed25519 AAAA…`). */
  hostKey: string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

const keygen = (file: string) => execa('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'docrun-test', '-f', file])

function config(dir: string): string {
  return [
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'UseDNS no',
    'PrintMotd no',
    'MaxSessions 50',
    '',
  ].join('\n')
}

/** Start sshd; fails, saying which package to install, when there is none. */
export async function startSshd(): Promise<TestSshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: apt-get install openssh-server (the SSH target's tests start a real sshd on 127.0.0.1)`)
  const dir = mkdtempSync(join(tmpdir(), 'docrun-sshd-'))
  await keygen(join(dir, 'host_key'))
  await keygen(join(dir, 'user_key'))
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')))
  writeFileSync(join(dir, 'sshd_config'), config(dir))
  // sshd's privilege separation directory is compiled in (/run/sshd); the package's service makes it at boot.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })
  let proc: ResultPromise | undefined
  let port = 0
  for (let attempt = 0; attempt < 5 && !proc; attempt++) {
    port = await freePort()
    const p = execa(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config'), '-p', String(port)], { reject: false, stdin: 'ignore', buffer: false })
    if (await listening(p)) proc = p
  }
  if (!proc?.pid) throw new Error('sshd did not start listening on 127.0.0.1')
  const pid = proc.pid
  const knownHosts = join(dir, 'known_hosts')
  const hostKey = readFileSync(join(dir, 'host_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ')
  writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostKey}\n`)
  const identity = join(dir, 'user_key')
  return {
    port,
    dir,
    identity,
    knownHosts,
    pid,
    hostYaml: (name, extra = {}) => {
      const options = { UserKnownHostsFile: knownHosts, GlobalKnownHostsFile: '/dev/null', ...extra }
      return `  ${name}:\n    ssh: root@127.0.0.1\n    port: ${port}\n    identity: ${identity}\n    options: ${JSON.stringify(options)}\n`
    },
    connections: () =>
      readdirSync('/proc')
        .filter((n) => /^\d+$/.test(n) && readStat(n)?.ppid === pid)
        .map(Number),
    hostKey,
    remoteProcesses: () => processesOf(port),
    stop: async () => {
      proc.kill('SIGTERM')
      await proc
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Resolves true once sshd says it listens, false when it exits first (a port taken meanwhile). */
async function listening(p: ResultPromise): Promise<boolean> {
  return new Promise((resolve) => {
    let text = ''
    p.stderr!.on('data', (c: Buffer) => {
      text += c.toString()
      if (text.includes('Server listening')) resolve(true)
    })
    void p.then(() => resolve(false))
  })
}

/** Processes (not zombies) whose environment says an ssh connection to `port` on 127.0.0.1 started them. */
function processesOf(port: number): number[] {
  const tail = ` 127.0.0.1 ${port}`
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const env = readFileSync(`/proc/${n}/environ`, 'latin1').split('\0')
        return env.some((e) => e.startsWith('SSH_CONNECTION=') && e.endsWith(tail)) && readStat(n)?.state !== 'Z'
      } catch {
        return false
      }
    })
    .map(Number)
}
