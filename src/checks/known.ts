// Known failures: the selftests' DENYLIST files (tools/testing/selftests/bpf/DENYLIST and
// DENYLIST.<arch>) and a runbook's own list. A failure they name is counted as known, not
// failed, so a run is judged by what is new. test_progs reads the same files with -d: one
// entry a line, `test` or `test/subtest`, `*` as a wildcard, `#` starts a comment.
import type { TestReport } from '../events/events.js'

export interface KnownList {
  /** Where the list comes from (a DENYLIST path, or the runbook), for the report. */
  source: string
  entries: string[]
}

/** The entries of a DENYLIST file's text. */
export function parseDenylist(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter(Boolean)
}

function entryMatches(entry: string, failure: string): boolean {
  const re = new RegExp(
    `^${entry
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  )
  // `test` covers its subtests (`test/sub`); a failure may be given as `#12 test` or `test:FAIL`.
  const name = failure.replace(/^#\d+(?:\/\d+)?\s+/, '').replace(/:FAIL$/, '')
  return re.test(name) || re.test(name.split('/')[0]!)
}

/** The report with the failures a list names moved from `failed` to `known`. */
export function applyKnown(report: TestReport, lists: KnownList[]): TestReport {
  const known: { name: string; list: string }[] = []
  const failures = report.failures.filter((f) => {
    const list = lists.find((l) => l.entries.some((e) => entryMatches(e, f)))
    if (list) known.push({ name: f, list: list.source })
    return !list
  })
  const nested = report.nested?.map((n) => applyKnown(n, lists))
  const subtests = report.subtests?.map((n) => applyKnown(n, lists))
  if (!known.length && !nested && !subtests) return report
  return {
    ...report,
    failures,
    failed: Math.max(0, report.failed - known.length),
    ...(known.length ? { known: (report.known ?? 0) + known.length, knownFailures: [...(report.knownFailures ?? []), ...known] } : {}),
    ...(nested ? { nested } : {}),
    ...(subtests ? { subtests } : {}),
  }
}
