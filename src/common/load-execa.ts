// execa, loaded on its first use: a run whose blocks need no cache entry, no copy, no ssh and no
// teardown starts without it (it is ~120 files and ~0.2 s of CPU to load).
import type * as Execa from 'execa'

let loading: Promise<typeof Execa> | undefined

export function loadExeca(): Promise<typeof Execa> {
  return (loading ??= import('execa'))
}

/** `execa(...)` for awaited calls, loading execa on the first (its subprocess is not used before it ends). */
export const execaWhenUsed = ((...args: Parameters<typeof Execa.execa>) => loadExeca().then((m) => m.execa(...args))) as unknown as typeof Execa.execa
