// A remote shell session a run left (its docrun died, or the connection was lost and could not
// be made again): ended over a new SSH connection, from the remote machine's own /proc.
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { endRemoteSessionScript, type RemoteSessionRecord } from '../sys/remote-session.js'
// execa on first use, as in the ledger: commands that only read a workspace never load it.
import { execaWhenUsed as execa } from '../common/load-execa.js'

export type RemoteRecord = RemoteSessionRecord

/** End the session on its host; `gone` when its target already did (its local dir is gone). */
export async function endRemoteSession(r: RemoteRecord): Promise<{ ok: boolean; message?: string }> {
  if (!existsSync(r.local)) return { ok: true }
  const dest = r.ssh.at(-1)!
  const script = endRemoteSessionScript(r)
  const command = `sh -c '${script.replace(/'/g, `'\\''`)}'`
  const res = await execa('ssh', [...r.ssh.slice(0, -1), '-o', 'ControlPath=none', '-T', dest, '--', command], {
    reject: false,
    timeout: 60_000,
    stdin: 'ignore',
  })
  if (res.exitCode !== 0) return { ok: false, message: `${r.description} (pid ${r.sid} there): ${String(res.stderr).trim() || `ssh exited ${res.exitCode}`}` }
  await rm(r.local, { recursive: true, force: true })
  const n = /ended (\d+)/.exec(String(res.stdout))?.[1]
  return { ok: true, message: n ? `ended ${r.description} (pid ${r.sid} there, ${n} process(es))` : `removed what ${r.description} left (${r.dir})` }
}
