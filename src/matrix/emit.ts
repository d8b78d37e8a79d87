// `docrun matrix --emit`: the entries as a CI system's job matrix. The CI system runs the jobs;
// each job is one `docrun run --set …` in its own workspace, its run record and junit kept.
//
// Quoting: no value is ever written into a shell line. The YAML is made by the yaml package,
// and the job's script reads every value from an environment variable the CI system sets
// from the matrix ("$DOCRUN_SET_K" in double quotes: the shell expands it without splitting or
// re-reading it), which is also GitHub's advice against script injection through `${{ }}`.
import { stringify } from 'yaml'
import type { ParamDecl } from '../runbook/types.js'
import type { MatrixEntry } from './expand.js'

export interface EmitInput {
  /** The runbook's path as the job sees it (relative to the repository's root). */
  runbook: string
  entries: MatrixEntry[]
  params: ParamDecl[]
}

const setVar = (name: string) => `DOCRUN_SET_${name}`
const yaml = (doc: unknown) => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })
const commented = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((l) => `# ${l}`.trimEnd())
    .join('\n')

/** Every key any entry sets, in the order first seen; each job sets them all (a default where the entry has none). */
function filledEntries(input: EmitInput): { keys: string[]; entries: MatrixEntry[] } {
  const keys = [...new Set(input.entries.flatMap((e) => Object.keys(e.params)))]
  const defaults = new Map(input.params.map((p) => [p.name, p.default]))
  const entries = input.entries.map((e) => ({ id: e.id, params: Object.fromEntries(keys.map((k) => [k, e.params[k] ?? defaults.get(k) ?? ''])) }))
  return { keys, entries }
}

/** The job's commands: fixed text and param names (identifiers) only, values come from the environment. */
function scripts(keys: string[]): { run: string; merge: (runs: string) => string } {
  const sets = keys.map((k) => `--set "${k}=$${setVar(k)}"`)
  return {
    run: ['npx docrun run "$DOCRUN_RUNBOOK" --workspace "ws/$DOCRUN_ID"', ...sets, '--junit "reports/$DOCRUN_ID.xml"'].join(' '),
    merge: (runs) => `npx docrun report merge ${runs} --junit reports/matrix.xml --json reports/matrix.json`,
  }
}

function githubWorkflow(input: EmitInput, keys: string[], include: Record<string, string>[]): unknown {
  const { run, merge } = scripts(keys)
  const setup = [{ uses: 'actions/checkout@v4' }, { uses: 'actions/setup-node@v4', with: { 'node-version': 20 } }, { run: 'npm ci' }]
  return {
    name: 'runbook matrix',
    on: ['push', 'pull_request'],
    jobs: {
      runbook: {
        'runs-on': 'ubuntu-24.04',
        strategy: { 'fail-fast': false, matrix: { include } },
        env: { DOCRUN_RUNBOOK: input.runbook, DOCRUN_ID: '${{ matrix.id }}', ...Object.fromEntries(keys.map((k) => [setVar(k), `\${{ matrix.${k} }}`])) },
        steps: [
          ...setup,
          { run },
          // upload-artifact 4.4 and later leave out paths through hidden directories (.docrun) unless told.
          {
            uses: 'actions/upload-artifact@v4',
            if: 'always()',
            with: { name: '${{ matrix.id }}', path: 'ws/${{ matrix.id }}/.docrun/runs/latest/\nreports/${{ matrix.id }}.xml\n', 'include-hidden-files': true },
          },
        ],
      },
      report: {
        needs: 'runbook',
        if: 'always()',
        'runs-on': 'ubuntu-24.04',
        steps: [
          ...setup,
          // Each entry's artifact unpacks into artifacts/<id>/, its workspace path kept inside.
          { uses: 'actions/download-artifact@v4', with: { path: 'artifacts' } },
          { run: merge('artifacts/*/ws/*/.docrun/runs/latest') },
          { uses: 'actions/upload-artifact@v4', with: { name: 'matrix-report', path: 'reports/matrix.*' } },
        ],
      },
    },
  }
}

/** GitHub Actions: `include:` for `strategy: matrix:`, and the workflow (commented, or whole with `workflow`). */
export function emitGithub(input: EmitInput, opts: { workflow?: boolean } = {}): string {
  const { keys, entries } = filledEntries(input)
  const include = entries.map((e) => ({ id: e.id, ...e.params }))
  const workflow = yaml(githubWorkflow(input, keys, include))
  if (opts.workflow) return workflow
  const head = `# docrun matrix: ${entries.length} entries of ${input.runbook}, for a job's \`strategy: matrix:\`.\n`
  const how = `# A workflow that runs them (\`docrun matrix ${input.runbook} --emit github --workflow\` prints it):\n`
  return `${head}${yaml({ include })}#\n${how}${commented(workflow)}\n`
}

function gitlabPipeline(input: EmitInput, keys: string[], matrix: Record<string, string[]>[]): unknown {
  const { run, merge } = scripts(keys)
  return {
    stages: ['runbook', 'report'],
    runbook: {
      stage: 'runbook',
      image: 'node:20-bookworm',
      variables: { DOCRUN_RUNBOOK: input.runbook },
      parallel: { matrix },
      script: ['npm ci', run],
      artifacts: { when: 'always', paths: ['ws/', 'reports/'], reports: { junit: 'reports/*.xml' } },
    },
    report: {
      stage: 'report',
      image: 'node:20-bookworm',
      when: 'always',
      // The runbook jobs' artifacts (ws/<id>/…) are unpacked into this job's directory.
      script: ['npm ci', merge('ws/*/.docrun/runs/latest')],
      artifacts: { when: 'always', paths: ['reports/'], reports: { junit: 'reports/matrix.xml' } },
    },
  }
}

/** GitLab CI: `parallel: matrix:` is a list of maps of lists; one map per entry, each list of one value. */
export function emitGitlab(input: EmitInput, opts: { workflow?: boolean } = {}): string {
  const { keys, entries } = filledEntries(input)
  const matrix = entries.map((e) => ({ DOCRUN_ID: [e.id], ...Object.fromEntries(keys.map((k) => [setVar(k), [e.params[k]!]])) }))
  const pipeline = yaml(gitlabPipeline(input, keys, matrix))
  if (opts.workflow) return pipeline
  const head = `# docrun matrix: ${entries.length} entries of ${input.runbook}, for a job's \`parallel:\`.\n`
  const how = `# A pipeline that runs them (\`docrun matrix ${input.runbook} --emit gitlab --workflow\` prints it):\n`
  return `${head}${yaml({ parallel: { matrix } })}#\n${how}${commented(pipeline)}\n`
}

/** The CI systems' own ceilings: GitHub runs at most 256 jobs from one matrix, GitLab's `parallel` at most 200. */
export const JOB_LIMIT = { github: 256, gitlab: 200 } as const

export function emitJson(input: EmitInput): string {
  return `${JSON.stringify({ runbook: input.runbook, entries: input.entries }, null, 2)}\n`
}
