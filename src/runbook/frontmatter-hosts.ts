// Front matter `hosts:`: the remote machines blocks run on over SSH.
//   hosts:
//     z: {ssh: root@10.0.0.2, port: 22, identity: ~/.ssh/id_ed25519, options: {UserKnownHostsFile: ./known_hosts}}
//     box: box            # a Host entry of ~/.ssh/config is enough
import type { HostDecl } from './types.js'

/** Host key policies docrun accepts: ssh's own check against known_hosts, or `accept-new` when the runbook says so. */
const HOST_KEY_POLICIES = new Set(['yes', 'accept-new'])

/** Options that are docrun's to set: its own control connection, and nobody to answer questions. */
const DOCRUNS = new Set(['controlmaster', 'controlpath', 'controlpersist', 'batchmode'])

const USAGE =
  '`hosts` maps names to ssh destinations, e.g. `hosts: {z: {ssh: root@10.0.0.2, port: 22, identity: ~/.ssh/id_ed25519}}` or `z: box` (~/.ssh/config)'

/** One `hosts:` entry read, or what is wrong with it (in words, with the host's name). */
export function readHost(name: string, v: unknown): HostDecl | string {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) return `host \`${name}\`: a target name is letters, digits, \`-\` and \`_\``
  if (['host', 'chroot', 'guest'].includes(name)) return `host \`${name}\`: \`${name}\` is a target of its own; name the remote machine otherwise`
  if (typeof v === 'string') v = { ssh: v }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return USAGE
  const { ssh, port, identity, options, ...rest } = v as Record<string, unknown>
  if (Object.keys(rest).length)
    return `host \`${name}\`: unknown key(s) ${Object.keys(rest)
      .map((k) => `\`${k}\``)
      .join(', ')} (ssh, port, identity, options)`
  if (typeof ssh !== 'string' || !ssh || /\s/.test(ssh) || ssh.startsWith('-')) return `host \`${name}\`: \`ssh\` takes user@host or a Host of ~/.ssh/config`
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535))
    return `host \`${name}\`: \`port\` is a TCP port (1–65535), not \`${String(port)}\``
  if (identity !== undefined && (typeof identity !== 'string' || !identity)) return `host \`${name}\`: \`identity\` takes a key file`
  const opts = readOptions(name, options)
  if (typeof opts === 'string') return opts
  return { ssh, ...(port !== undefined ? { port } : {}), ...(identity ? { identity } : {}), ...(opts ? { options: opts } : {}) }
}

function readOptions(name: string, options: unknown): Record<string, string> | undefined | string {
  if (options === undefined || options === null) return undefined
  if (typeof options !== 'object' || Array.isArray(options)) return `host \`${name}\`: \`options\` maps ssh options to values, e.g. \`{ProxyJump: bastion}\``
  const out: Record<string, string> = {}
  for (const [key, raw] of Object.entries(options as Record<string, unknown>)) {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key)) return `host \`${name}\`: \`${key}\` is not an ssh option name`
    if (typeof raw === 'object' && raw !== null) return `host \`${name}\`: option \`${key}\` takes one value`
    const value = String(raw)
    if (/[\n\r]/.test(value)) return `host \`${name}\`: option \`${key}\` holds a line break`
    const lower = key.toLowerCase()
    if (DOCRUNS.has(lower)) return `host \`${name}\`: \`${key}\` is docrun's to set (it keeps its own control connection, and never asks questions)`
    if (lower === 'stricthostkeychecking' && !HOST_KEY_POLICIES.has(value.toLowerCase()))
      return `host \`${name}\`: StrictHostKeyChecking \`${value}\` would accept any host key; docrun checks known_hosts as ssh does (\`yes\`, the default) or, when the runbook says so, \`accept-new\` for a host never seen`
    out[key] = value
  }
  return out
}

const PARAM_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g

/** The params a `hosts:` entry takes values from (`ssh: "${test_host}"`): in ssh, identity and option values. */
export function hostParams(decl: HostDecl): string[] {
  const texts = [decl.ssh, decl.identity ?? '', ...Object.values(decl.options ?? {})]
  return [...new Set(texts.flatMap((t) => [...t.matchAll(PARAM_REF)].map((m) => (m[1] ?? m[2])!)))]
}

/**
 * A `hosts:` entry with the run's param values put in (`$NAME`, `${NAME}`), checked again as
 * written ones are: a value is data, so `-oProxyCommand=…` or a space in it is refused, not passed
 * to ssh. What is wrong in words, when something is; an undeclared name is wrong.
 */
export function expandHost(name: string, decl: HostDecl, values: ReadonlyMap<string, string>): HostDecl | string {
  const unknown = hostParams(decl).filter((p) => !values.has(p))
  if (unknown.length) return `host \`${name}\`: no param ${unknown.map((p) => `\`${p}\``).join(', ')} is declared`
  const put = (text: string) => text.replace(PARAM_REF, (_, a?: string, b?: string) => values.get((a ?? b)!)!)
  const options = decl.options ? Object.fromEntries(Object.entries(decl.options).map(([k, v]) => [k, put(v)])) : undefined
  const read = readHost(name, { ...decl, ssh: put(decl.ssh), ...(decl.identity ? { identity: put(decl.identity) } : {}), ...(options ? { options } : {}) })
  if (typeof read === 'string' && !put(decl.ssh)) {
    const from = hostParams({ ssh: decl.ssh })
    return `host \`${name}\` has no destination in this run: its \`ssh: ${decl.ssh}\` is empty (${from.map((p) => `--set ${p}=USER@HOST`).join(', ')})`
  }
  return read
}
