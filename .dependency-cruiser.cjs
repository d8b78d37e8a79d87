// The layers of docs/architecture.md, checked in CI (`npm run lint`): no cycle between src/
// folders, and the imports each layer must never make. A shared helper that several layers need
// lives below them all (src/common, src/sys), never inside one layer the others then import.
/** @type {import('dependency-cruiser').IConfiguration} */
const layer = (name) => `^src/${name}/`

module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment: 'Folders of src/ import one another in one direction only.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'runbook-knows-markdown-only',
      comment: 'runbook/ reads Markdown into data; running, targets, reports and state are above it.',
      severity: 'error',
      from: { path: layer('runbook') },
      to: { path: ['run', 'targets', 'report', 'state', 'cli'].map(layer) },
    },
    {
      name: 'targets-know-shells-and-processes',
      comment: 'targets/ start shells, processes and resources; never Markdown, plans, reports or state files.',
      severity: 'error',
      from: { path: layer('targets') },
      to: { path: ['runbook', 'plan', 'report', 'state', 'cli'].map(layer) },
    },
    {
      name: 'shell-is-the-bottom-protocol',
      comment: 'shell/ speaks the framed protocol over a byte stream; everything else is above it.',
      severity: 'error',
      from: { path: layer('shell') },
      to: { path: '^src/', pathNot: ['^src/shell/', layer('common'), layer('sys')] },
    },
    {
      name: 'common-and-sys-import-nothing-of-docrun',
      comment: 'The helpers below every layer import only one another.',
      severity: 'error',
      from: { path: ['common', 'sys'].map(layer) },
      to: { path: '^src/', pathNot: ['common', 'sys'].map(layer) },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] },
  },
}
