// Plans and states built in code for the unit tests (no runbook parsing, no files).
import type { Plan, Step } from '../../src/plan/types.js'
import { emptyState, type BlockState, type State } from '../../src/state/state.js'
import type { Resource } from '../../src/resources/ledger.js'

export type StepSpec = Partial<Step> & { id: string }
export const HOST = { kind: 'host', name: 'host' } as const

/** A plan of host steps in this order; hashes are `h-ID` unless given. */
export function plan(...specs: StepSpec[]): Plan {
  const steps = specs.map(
    (s, index) =>
      ({
        index,
        section: null,
        lang: 'sh',
        action: 'run',
        target: HOST,
        content: '',
        hash: `h-${s.id}`,
        attrs: {},
        position: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
        errexit: true,
        ...s,
      }) as Step,
  )
  return { runbook: { path: 'r.md', sha256: 'x', dialect: 'docrun' }, host: { shell: 'bash' }, volatile: [], params: [], sections: [], steps }
}

export const passed = (id: string, more: Partial<BlockState> = {}): [string, BlockState] => [
  id,
  { hash: `h-${id}`, status: 'passed', exitCode: 0, durationMs: 1, finishedAt: '', runId: 'r0', target: 'host', ...more },
]

export function state(blocks: [string, BlockState][], resources: Resource[] = []): State {
  return { ...emptyState('r.md', 'x'), blocks: Object.fromEntries(blocks), resources }
}
