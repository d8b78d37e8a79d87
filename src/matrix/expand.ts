// A runbook's `matrix:` expanded into its entries, as GitHub Actions expands `strategy.matrix`.
// Pure: no files, no processes.
import { createHash } from 'node:crypto'
import type { MatrixSpec } from '../runbook/types.js'

export interface MatrixEntry {
  /** Stable and file-name safe (`kernel-7.2-clang-21`): the entry's workspace and artifact names. */
  id: string
  /** The params this entry sets, matrix keys first, in the order written. */
  params: Record<string, string>
}

const ID_MAX = 80

/**
 * GitHub Actions' documented semantics ("Using a matrix for your jobs", docs.github.com:
 * "Excluding matrix configurations" and "Expanding or adding matrix configurations"):
 * - the combinations are the product of the keys' values; the first key varies slowest;
 * - "All include combinations are processed after exclude": an exclude entry removes every
 *   combination that has all of its key:value pairs (a partial match);
 * - "For each object in the include list, the key:value pairs in the object will be added to each
 *   of the matrix combinations if none of the key:value pairs overwrite any of the original matrix
 *   values. If the object cannot be added to any of the matrix combinations, a new matrix
 *   combination will be created instead. Note that the original matrix values will not be
 *   overwritten, but added matrix values can be overwritten."
 *   So an include matches a combination when it agrees on every ORIGINAL key it names; keys
 *   added by an earlier include may be overwritten by a later one; combinations an include
 *   created are not matched by later includes (the docs' example: `{fruit: banana}` and
 *   `{fruit: banana, animal: cat}` stay two entries).
 */
export function expandMatrix(spec: MatrixSpec): MatrixEntry[] {
  const original = new Set(spec.axes.map((a) => a.name))
  let product: Record<string, string>[] = spec.axes.length ? [{}] : []
  for (const axis of spec.axes) product = product.flatMap((combo) => axis.values.map((v) => ({ ...combo, [axis.name]: v })))
  const matches = (combo: Record<string, string>, partial: Record<string, string>, keys: Iterable<string>) => [...keys].every((k) => combo[k] === partial[k])
  const kept = product.filter((combo) => !spec.exclude.some((ex) => matches(combo, ex, Object.keys(ex))))
  const added: Record<string, string>[] = []
  for (const inc of spec.include) {
    const named = Object.keys(inc).filter((k) => original.has(k))
    let matched = false
    for (const combo of kept) {
      if (!matches(combo, inc, named)) continue
      Object.assign(combo, inc)
      matched = true
    }
    if (!matched) added.push({ ...inc })
  }
  return withIds([...kept, ...added])
}

/** `kernel=7.2, clang=21` → `kernel-7.2-clang-21`; long or clashing ids get a hash or a counter. */
function withIds(combos: Record<string, string>[]): MatrixEntry[] {
  const used = new Set<string>()
  return combos.map((params) => {
    const text = Object.entries(params)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')
    let id = Object.entries(params)
      .flatMap(([k, v]) => [k, v])
      .join('-')
      .replace(/[^A-Za-z0-9._]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
    if (id.length > ID_MAX) id = `${id.slice(0, ID_MAX - 9)}-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`
    if (!id) id = 'default'
    let unique = id
    for (let n = 2; used.has(unique); n++) unique = `${id}-${n}`
    used.add(unique)
    return { id: unique, params }
  })
}
