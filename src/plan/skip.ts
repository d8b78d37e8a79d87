// Why a step does not run in a plan, as data (`Step.skip`), and the one place that words it
// for people: `docrun list`, the transcript, JUnit and the events all print these words.
import type { SkipReason } from './types.js'

export function skipWords(skip: SkipReason): string {
  switch (skip.kind) {
    case 'data':
      return `data block (${skip.lang || 'no language'})`
    case 'marked':
      return 'marked skip'
    case 'exclude-from-run-all':
      return 'excludeFromRunAll'
    case 'postcondition':
      return `${skip.check} of ${skip.of}`
    case 'alternative':
      return `the alternative to ${skip.to}, which runs at the terminal`
    case 'needs-terminal':
      return `interactive: needs a person at a terminal; its alternative ${skip.alternative} runs instead`
    case 'when':
      return `when: ${skip.condition} does not hold (${skip.why})`
    case 'not-selected':
      return 'not selected'
  }
}
