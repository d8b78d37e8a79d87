// Run the real docrun CLI (the built dist/), as a user would.
import { execa, type Options } from 'execa'
import { mkdtempSync, readFileSync, readlinkSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '../..')
export const CLI = join(ROOT, 'dist/src/cli/main.js')
export const FIXTURES = join(ROOT, 'test/fixtures')

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
  all: string
}

export async function docrun(args: string[], opts: Options & { cwd: string }): Promise<CliResult> {
  const r = await execa('node', [CLI, ...args], { reject: false, all: true, stripFinalNewline: false, ...opts, env: { NO_COLOR: '1', ...opts.env } })
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), all: String(r.all) }
}

/** The workspaces this test file made: removed after it (test/helpers/cleanup.ts). */
export const madeWorkspaces: string[] = []

export function workspace(prefix = 'docrun-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  madeWorkspaces.push(dir)
  return dir
}

/** The latest run's directory in a workspace. */
export function latestRun(ws: string): string {
  const link = join(ws, '.docrun/runs/latest')
  return join(ws, '.docrun/runs', readlinkSync(link))
}

export function transcript(ws: string): string {
  return readFileSync(join(latestRun(ws), 'transcript.md'), 'utf8')
}

export function events(ws: string): { type: string; [k: string]: unknown }[] {
  const p = join(latestRun(ws), 'events.jsonl')
  if (!existsSync(p)) return []
  return readFileSync(p, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string })
}
