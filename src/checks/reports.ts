// Test reports in a block's output, as counts: kselftest's TAP (run_kselftest.sh), and the
// `Summary:` lines that test_verifier and test_progs print. TAP is read by node-tap's own
// parser; the two Summary formats are one line each (tools/testing/selftests/bpf).
import { createRequire } from 'node:module'
import type { FinalResults, Parser as TapParser } from 'tap-parser'
import type { TestReport } from '../events/events.js'
import { parseKtap, parseKunitSummary } from './ktap.js'

/** kselftest TAP: `TAP version 13`, `1..N`, `ok 1 selftests: bpf: test_verifier`, `# SKIP`. */
export function parseTap(text: string): TestReport | undefined {
  if (!/^(?:TAP version \d+|1\.\.\d+)\s*$/m.test(text)) return undefined
  let results: FinalResults | undefined
  // tap-parser (with tap-yaml and yaml: about 100 modules) loads for output that is TAP, not for every block's.
  const { Parser } = createRequire(import.meta.url)('tap-parser') as { Parser: typeof TapParser }
  const parser = new Parser({ passes: false })
  parser.on('complete', (r: FinalResults) => (results = r))
  parser.end(text.endsWith('\n') ? text : `${text}\n`)
  if (!results || results.count === 0) return undefined
  return {
    format: 'tap',
    passed: results.pass - results.skip,
    failed: results.fail,
    skipped: results.skip,
    total: results.count,
    // kselftest appends ` # exit=1` to a failed point: a comment, not part of the name.
    failures: results.failures.filter((f) => f.name).map((f) => f.name.replace(/\s+#\s.*$/, '').trim()),
    ...nestedReports(text),
  }
}

/** kselftest prefixes a test's own output with `# `: its Summary lines are reports too. */
function nestedReports(text: string): { nested?: TestReport[] } {
  const inner = [...text.matchAll(/^# (.*)$/gm)].map((m) => m[1]!).join('\n')
  const found = [parseTestProgs(inner), parseTestVerifier(inner)].filter((r): r is TestReport => r !== undefined)
  return found.length ? { nested: found } : {}
}

/** test_verifier: `Summary: 791 PASSED, 0 SKIPPED, 0 FAILED`; failures are `#12/u name FAIL` lines. */
export function parseTestVerifier(text: string): TestReport | undefined {
  const m = /^Summary: (\d+) PASSED, (\d+) SKIPPED, (\d+) FAILED\s*$/m.exec(text)
  if (!m) return undefined
  const [passed, skipped, failed] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const failures = [...text.matchAll(/^#(\d+\/[a-z]) (.*?) FAIL\b/gm)].map((f) => `#${f[1]} ${f[2]}`)
  return { format: 'test_verifier', passed, failed, skipped, total: passed + skipped + failed, failures }
}

/** test_progs: `Summary: 437/3284 PASSED, 31 SKIPPED, 2 FAILED` (tests/subtests); failures are `#N name:FAIL`. */
export function parseTestProgs(text: string): TestReport | undefined {
  const m = /^Summary: (\d+)\/(\d+) PASSED, (\d+) SKIPPED, (\d+) FAILED\s*$/m.exec(text)
  if (!m) return undefined
  const [passed, skipped, failed] = [Number(m[1]), Number(m[3]), Number(m[4])]
  // The run lists each test once as it ends; "All error logs:" repeats the failures: dedupe.
  const failures = [...new Set([...text.matchAll(/^#(\d+(?:\/\d+)?)\s+(\S+):FAIL\s*$/gm)].map((f) => f[2]!))]
  return { format: 'test_progs', passed, failed, skipped, total: passed + skipped + failed, failures }
}

/** Whatever report the output holds: test_progs, test_verifier, KTAP (KUnit), kunit.py's summary, then TAP. */
export function detectReport(text: string): TestReport | undefined {
  return parseTestProgs(text) ?? parseTestVerifier(text) ?? parseKtap(text) ?? parseKunitSummary(text) ?? parseTap(text)
}
