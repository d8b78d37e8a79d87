// `when-param`: a `{when=EXPR}` that names a param the runbook does not declare. It would read as
// empty, so a typo (`when=test_hots`) silently decides which blocks run: an error, and a run
// refuses to start (plan/required-params.ts says the same).
import type { Rule } from '../rule.js'
import { undeclaredWhenNames } from '../../plan/required-params.js'

export const whenParam: Rule = {
  id: 'when-param',
  defaultSeverity: 'error',
  description: 'a when= condition names a param the runbook does not declare',
  check: ({ plan }) =>
    undeclaredWhenNames(plan).map(({ step, names }) => ({
      place: step.position.start,
      message: `\`when=${String(step.attrs.when)}\`: the runbook declares no param ${names.map((n) => `\`${n}\``).join(', ')}${
        plan.params.length ? ` (params: ${plan.params.map((p) => p.name).join(', ')})` : ' (it declares none)'
      }`,
    })),
}
