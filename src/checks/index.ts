// For checks modules: `import { after, expect } from 'docrun/checks'`.
export { after } from './api.js'
export type { CheckContext, CheckFn, ExecResult, TargetHandle } from './api.js'
export { expect } from 'expect'
export { parseTap, parseTestProgs, parseTestVerifier, detectReport } from './reports.js'
export type { TestReport } from '../events/events.js'
export { checkExpected } from './expect-output.js'
