// Where a step's `inputs=` are on this machine: relative paths are relative to the workspace;
// an absolute path on a chroot step is inside the chroot's root (the block sees it there).
// Each keeps its path as written as its label, so a changed directory is named as the runbook
// names it (`linux/kernel/bpf`).
import { join, resolve } from 'node:path'
import type { Step } from '../plan/types.js'
import { fingerprint, type Fingerprint } from './fingerprint.js'

export function inputPaths(step: Step, workspace: string): { path: string; label: string }[] {
  return (step.inputs?.paths ?? []).map((p) => {
    if (!p.startsWith('/')) return { path: resolve(workspace, p), label: p }
    return { path: step.target.kind === 'chroot' ? join(resolve(workspace, step.target.root), p) : p, label: p }
  })
}

/** The step's inputs fingerprinted now; `error` when one of them cannot be read (it is missing). */
export async function stepFingerprint(step: Step, workspace: string): Promise<Fingerprint | { error: string }> {
  try {
    return await fingerprint(inputPaths(step, workspace), step.inputs?.exclude ? { exclude: step.inputs.exclude } : {})
  } catch (error) {
    return { error: (error as Error).message }
  }
}
