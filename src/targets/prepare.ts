// What every session gets after its shell starts: the sudo shim and the params.
import { Buffer } from 'node:buffer'
import type { ShellSession } from '../shell/session.js'
import { SUDO_SHIM } from './sudo-shim.js'
import { RM_GUARD } from './rm-guard.js'

/** Strip earlier sessions' shim dirs (restored from a snapshot) and put this one first. */
const PATH_LINE = `PATH=$(printf '%s' "$PATH" | tr ':' '\\n' | grep -v '/docrun-[^/]*/bin$' | tr '\\n' ':'); PATH="$__dr_d/bin:\${PATH%:}"; export PATH`

export async function prepareSession(session: ShellSession, params: Record<string, string>): Promise<string[]> {
  const notes: string[] = []
  const res = await session.writeFile(`${session.dir}/bin/sudo`, Buffer.from(SUDO_SHIM), false)
  if (res.status !== 0) throw new Error(`could not install docrun's sudo shim in ${session.dir}/bin: ${res.output || res.error}`)
  const rm = await session.writeFile(`${session.dir}/bin/rm`, Buffer.from(RM_GUARD), false)
  if (rm.status !== 0) throw new Error(`could not install docrun's rm guard in ${session.dir}/bin: ${rm.output || rm.error}`)
  const probe = await session.exec(`chmod 755 "$__dr_d/bin/sudo" "$__dr_d/bin/rm"; command -v sudo >/dev/null 2>&1 && echo real || echo none`)
  if (probe.output.trim() === 'none' && session.info?.uid === 0) {
    notes.push('sudo is not installed here and docrun runs as root: `sudo CMD` runs CMD directly')
  }
  await session.sync([PATH_LINE])
  await session.setVars(params, true)
  return notes
}

/** After restoring a snapshot: the shim dir first again, and the params as this run sets them. */
export async function reapplySession(session: ShellSession, params: Record<string, string>): Promise<void> {
  await session.sync([PATH_LINE])
  await session.setVars(params, true)
}
