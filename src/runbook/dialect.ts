// Runme's dialect of Markdown runbooks. A README written for Runme runs unchanged: there,
// `interactive` means "in a terminal" (not "a person must answer"), a fence without a
// language is shell, other languages run through an interpreter, and commands start where
// the document is.
import type { Attrs } from './types.js'

export type Dialect = 'docrun' | 'runme'

/** Cell attributes only Runme has: one of them marks a document as written for Runme. */
export const RUNME_ONLY_ATTRIBUTES = ['background', 'closeTerminalOnSuccess', 'mimeType', 'promptEnv', 'category', 'terminalRows', 'interpreter', 'id'] as const

/** Runme's interpreters for fences in other languages (those docrun runs unattended too). */
const INTERPRETERS: Record<string, string> = {
  python: 'python3',
  py: 'python3',
  python3: 'python3',
  javascript: 'node',
  js: 'node',
  mjs: 'node',
  ruby: 'ruby',
  rb: 'ruby',
  perl: 'perl',
  pl: 'perl',
  lua: 'lua',
}

export function interpreterFor(lang: string): string | undefined {
  return INTERPRETERS[lang.toLowerCase()]
}

export interface DialectEvidence {
  /** `dialect:` in the front matter, if given. */
  declared?: string
  /** The front matter has Runme's `runme:` key. */
  runmeKey: boolean
  /** Attributes of each block, and whether they were written as JSON. */
  blocks: { attrs: Attrs; json: boolean }[]
}

export function detectDialect(e: DialectEvidence): Dialect {
  if (e.declared === 'docrun' || e.declared === 'runme') return e.declared
  if (e.runmeKey) return 'runme'
  const runmeOnly = new Set<string>(RUNME_ONLY_ATTRIBUTES)
  return e.blocks.some((b) => b.json || Object.keys(b.attrs).some((k) => runmeOnly.has(k))) ? 'runme' : 'docrun'
}
