// A step's hash: its block's, with what else decides what the step does folded in (its checks,
// the hosts it reaches). The state records it when the step passes; --resume and status compare.
import { createHash } from 'node:crypto'
import type { Step } from './types.js'

/** Fold `part` into the step's hash, and into each of its former hashes alike. */
export function foldIntoHash(step: Step, part: string): void {
  const fold = (hash: string) => createHash('sha256').update(`${hash}\0${part}`).digest('hex')
  step.hash = fold(step.hash)
  if (step.formerHashes) step.formerHashes = step.formerHashes.map(fold)
}

/**
 * The state's record of a step was made from the step as it is now: its hash is today's, or
 * the same step's under an earlier docrun's rule (an attribute made inert since), so an
 * upgrade of docrun does not make a done workspace run again.
 */
export function recordedAs(step: Step, recorded: string | undefined): boolean {
  return recorded !== undefined && (recorded === step.hash || step.formerHashes?.includes(recorded) === true)
}
