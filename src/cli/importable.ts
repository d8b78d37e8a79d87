// Which paths are documents as they are (imported with pandoc), not runbooks: a module of its
// own, so that lint's cached path can ask without loading the import and the plan.
export function isImportable(path: string): boolean {
  return /\.(rst|rest)$/i.test(path)
}
