// The marks a block's status is shown with, in the transcript, on the terminal, in status and on the report page.
export const STATUS_MARK: Record<string, string> = {
  passed: '✅',
  failed: '❌',
  'timed-out': '⏱️',
  interrupted: '⏹️',
  skipped: '⏭️',
  running: '▶️',
  'not run': '◻️',
}
