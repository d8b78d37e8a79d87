// Diagnostics as VFileMessage (place, ruleId, source), reported with vfile-reporter.
import type { VFile } from 'vfile'
import type { Point } from './types.js'

export const SOURCE = 'docrun'

/** Add a message to a file. `fatal` true marks an error, false a warning. */
export function report(file: VFile, reason: string, place: Point, ruleId: string, fatal: boolean): void {
  const msg = file.message(reason, { place: { line: place.line, column: place.column }, ruleId, source: SOURCE })
  msg.fatal = fatal
}
