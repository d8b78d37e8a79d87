// How docrun reaches a remote host: the ssh command line for a `hosts:` entry. One place builds
// it, so the shell, the control connection, the interrupt channel, file copies and the ledger's
// clean-up all reach the host the same way, with the same host key rules.
import { homedir } from 'node:os'

/** A remote machine as the front matter names it (`hosts: {z: {ssh: user@host, port, identity, options}}`). */
export interface SshHostSpec {
  /** `user@host`, `host`, or a Host entry of `~/.ssh/config`. */
  ssh: string
  port?: number
  /** A private key file (`~/` is the user's home). */
  identity?: string
  /** ssh's own `-o` options (`UserKnownHostsFile`, `StrictHostKeyChecking: accept-new`, `ProxyJump`, …). */
  options?: Record<string, string>
}

/**
 * Options docrun always sets, before the runbook's: ssh takes the first value it gets for an
 * option, so these win over the runbook and over ~/.ssh/config. Nobody is there to type a
 * password or answer a host key question.
 */
const FORCED = ['BatchMode=yes']

/** Defaults the runbook's `options:` may change (they come after the runbook's, so its values win). */
const DEFAULTS = ['ConnectTimeout=20', 'ServerAliveInterval=15', 'ServerAliveCountMax=3']

/** `~/x` → the home's x: ssh expands `~` itself, but only in some options, and never in `-i` given through execa. */
export function expandHome(path: string): string {
  return path === '~' ? homedir() : path.startsWith('~/') ? `${homedir()}${path.slice(1)}` : path
}

/**
 * The ssh arguments that reach `spec` (everything before the destination's command), without
 * the control connection's: `-F /dev/null` never, the user's ssh config stays in force.
 */
export function sshBaseArgs(spec: SshHostSpec): string[] {
  const args: string[] = []
  for (const o of FORCED) args.push('-o', o)
  const own = Object.entries(spec.options ?? {})
  const hostKey = own.find(([k]) => k.toLowerCase() === 'stricthostkeychecking')?.[1] ?? 'yes'
  // Explicit, so a `StrictHostKeyChecking no` in ~/.ssh/config never accepts a key blindly.
  args.push('-o', `StrictHostKeyChecking=${hostKey}`)
  for (const [k, v] of own) if (k.toLowerCase() !== 'stricthostkeychecking') args.push('-o', `${k}=${k.toLowerCase().endsWith('file') ? expandHome(v) : v}`)
  for (const o of DEFAULTS) args.push('-o', o)
  if (spec.identity) args.push('-i', expandHome(spec.identity), '-o', 'IdentitiesOnly=yes')
  if (spec.port !== undefined) args.push('-p', String(spec.port))
  return args
}

/** The arguments of a command over the control connection at `socket` (a second channel of the same TCP connection). */
export function muxArgs(spec: SshHostSpec, socket: string): string[] {
  return [...sshBaseArgs(spec), '-o', 'ControlMaster=no', '-o', `ControlPath=${socket}`, '-T', spec.ssh, '--']
}

/** How a person would name the host in a message: `root@127.0.0.1 port 2222`. */
export function describeHost(spec: SshHostSpec): string {
  return spec.port !== undefined ? `${spec.ssh} port ${spec.port}` : spec.ssh
}

/** A word for the shell: single-quoted (the remote user's login shell reads ssh's command line). */
export function shQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
}
