// The commands around CI: the block cache, the job matrix, and reports merged over runs.
import type { Command } from 'commander'
import { cacheCommands } from './commands-cache.js'
import { collect, workspaceOption } from './commands-run.js'

export function registerCiCommands(program: Command): void {
  cacheCommands(program.command('cache'), collect)

  program
    .command('matrix')
    .description("the runbook's front matter `matrix:` as a CI job matrix (--emit), or run its entries here (--local)")
    .argument('<runbook>')
    .option('--emit <system>', 'print the job matrix for github, gitlab, or json')
    .option('--workflow', 'with --emit: print the whole workflow (GitHub) or pipeline (GitLab), not only the matrix')
    .option('--local', 'run every entry here, each in its own workspace, and merge their reports')
    .option('-j, --jobs <n>', 'with --local: entries run at once (default 1)')
    .option('--workspace-root <dir>', 'with --local: entry ID runs in DIR/ID, its output in DIR/ID.log (default: ws)')
    .action(async (runbook: string, opts) => {
      process.exitCode = await (await import('./matrix.js')).matrixCommand(runbook, opts)
    })

  // `report` takes subcommands (`merge`); a `report [run]` action of its own can sit beside them:
  // commander dispatches to a subcommand only when the first argument names one.
  const report = program
    .command('report')
    .description("a run's report page (report.html) again from its events.jsonl, --compare with another run; or `report merge` runs' reports into one")
  report
    .command('merge')
    .description("combine runs' junit.xml and summary.json (a matrix's entries) into one report, a row per run")
    .argument('<run-dirs...>', 'run directories (WS/.docrun/runs/latest, or a copy of one)')
    .option('--junit <path>', 'write the merged JUnit XML here (a testsuite per run and section)')
    .option('--json <path>', 'write the merged summary here (a row per run)')
    .action(async (dirs: string[], opts) => {
      process.exitCode = await (await import('./matrix.js')).reportMergeCommand(dirs, opts)
    })

  // `docrun report [RUN]`: the run's report page, drawn again from its events.jsonl.
  report
    .argument('[run]', 'run id or run directory (default: the latest run)')
    .addOption(workspaceOption())
    .option('--html <path>', 'write the page here (default: report.html in the run directory)')
    .option('--compare <run>', 'compare with another run: in the page, or as text on stdout without --html')
    .action(async (run: string | undefined, opts) => {
      process.exitCode = await (await import('./report.js')).reportCommand({ ...opts, ...(run ? { run } : {}) })
    })
}
