// execa, loaded on its first use: a run whose blocks need no cache entry, no copy, no ssh and no
// teardown starts without it (it is ~120 files and ~0.2 s of CPU to load).
import type * as Execa from 'execa'

let loading: Promise<typeof Execa> | undefined

export function loadExeca(): Promise<typeof Execa> {
  return (loading ??= import('execa'))
}
