// Finding sections the way people name them: by number (`2`, `4.1`), title or slug.
import type { Runbook, Section } from './types.js'

export function sectionLabel(s: Section): string {
  return s.number ? `${s.number}. ${s.title}` : s.title
}

const norm = (s: string) => s.normalize('NFKC').trim().toLowerCase()

/** Sections that a query names; several only when the query is ambiguous. */
export function matchSections(runbook: Runbook, query: string): Section[] {
  const q = norm(query).replace(/\.$/, '')
  const by = (pred: (s: Section) => boolean) => runbook.sections.filter(pred)
  for (const hits of [by((s) => s.number === q), by((s) => s.id === q), by((s) => norm(s.heading) === q), by((s) => norm(s.title) === q)]) {
    if (hits.length) return hits
  }
  return []
}

/** The section and all sections nested below it, by id. */
export function sectionTree(runbook: Runbook, id: string): Set<string> {
  const out = new Set([id])
  for (const s of runbook.sections) if (s.parent && out.has(s.parent)) out.add(s.id)
  return out
}
