// `docrun cache key|ls|prune`: the block cache's commands (their code loads when one runs).
import { Option, type Command } from 'commander'

const cacheDirOption = () => new Option('--cache-dir <dir>', 'the block cache (default: $XDG_CACHE_HOME/docrun/blocks, i.e. ~/.cache/docrun/blocks)')

/** The subcommands of `docrun cache` (main.ts makes the command, so it inherits the program's settings). */
export function cacheCommands(cache: Command, collect: (value: string, prev?: string[]) => string[]): Command {
  cache.description('the block cache shared by workspaces ({cache=PATHS} blocks): keys, entries, pruning')
  cache
    .command('key')
    .description('print the cache key of every {cache=…} block (`block-id key` lines), e.g. for a CI cache step')
    .argument('<runbook>')
    .option('--set <key=value>', 'override a param (repeatable)', collect)
    .option('--json', 'print as JSON')
    .option('-w, --workspace <dir>', "where the blocks' inputs= paths are fingerprinted (default: current directory)")
    .addOption(cacheDirOption())
    .action(async (runbook: string, opts) => {
      process.exitCode = await (await import('./cache.js')).keyCommand(runbook, opts)
    })
  cache
    .command('ls')
    .description('list the entries: key, size, made when and where, last used, paths')
    .addOption(cacheDirOption())
    .option('--json', 'print as JSON')
    .action(async (opts) => {
      process.exitCode = await (await import('./cache.js')).lsCommand(opts)
    })
  cache
    .command('prune')
    .description('remove entries: least recently used first down to --max-size, and those unused for --older-than')
    .addOption(cacheDirOption())
    .option('--max-size <size>', 'keep at most this much (10G, 500M)')
    .option('--older-than <duration>', 'remove entries not used for this long (30d)')
    .action(async (opts) => {
      process.exitCode = await (await import('./cache.js')).pruneCommand(opts)
    })
  return cache
}
