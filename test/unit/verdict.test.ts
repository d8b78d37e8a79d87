// A block's status and words from what its shell reported.
import { describe, expect, it } from 'vitest'
import type { Step } from '../../src/plan/types.js'
import type { ShellRunResult } from '../../src/shell/session.js'
import { verdict } from '../../src/run/verdict.js'

const step = { id: 's', timeoutMs: 90_000 } as Step
const res = (r: Partial<ShellRunResult>): ShellRunResult => ({ status: 0, timedOut: false, interrupted: false, ...r })

describe('verdict', () => {
  it.each([
    ['exit 0 passes', res({}), false, { status: 'passed' }],
    ['a non-zero exit fails', res({ status: 2 }), false, { status: 'failed', message: 'exited with status 2' }],
    [
      'a timeout',
      res({ status: 124, timedOut: true }),
      false,
      { status: 'timed-out', message: 'timed out after 1m30s: docrun killed its process group (SIGTERM, then SIGKILL after 5s)' },
    ],
    [
      'an interrupt the shell saw',
      res({ status: 130, interrupted: true }),
      false,
      { status: 'interrupted', message: 'interrupted: docrun stopped the block (SIGINT to its process group)' },
    ],
    [
      'aborted and non-zero',
      res({ status: 130 }),
      true,
      { status: 'interrupted', message: 'interrupted: docrun stopped the block (SIGINT to its process group)' },
    ],
    ['aborted but exit 0 still passes', res({}), true, { status: 'passed' }],
    ['a protocol error fails with its message', res({ status: -1, error: 'the shell is gone' }), false, { status: 'failed', message: 'the shell is gone' }],
    ['a protocol error while aborting is an interrupt', res({ status: -1, error: 'gone' }), true, { status: 'interrupted', message: 'gone' }],
  ] as const)('%s', (_, r, aborted, want) => {
    expect(verdict(r, step, aborted)).toEqual(want)
  })
})
