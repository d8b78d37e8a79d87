// Paths docrun writes to on a param's say stay inside the workspace: `..` and symlinks that
// lead out are refused before anything runs.
import { realpathSync } from 'node:fs'
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path'

/** The real location of `p` (which may not exist yet): symlinks in its existing part resolved. */
function realLocation(p: string): string {
  let head = p
  const rest: string[] = []
  for (;;) {
    try {
      return resolve(realpathSync(head), ...rest.reverse())
    } catch {
      const up = dirname(head)
      if (up === head) return p
      rest.push(head.slice(up.length + (up.endsWith(sep) ? 0 : 1)))
      head = up
    }
  }
}

/** Undefined when `value` (relative to the workspace) stays inside it; else why not. */
export function escapesWorkspace(workspace: string, value: string): string | undefined {
  const root = realLocation(resolve(workspace))
  const target = realLocation(resolve(workspace, value))
  const rel = relative(root, target)
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return undefined
  return `${value} resolves to ${target}, outside the workspace ${root}`
}
