// Section 4 of the s390 runbook on a test host over SSH (`--set test_host=…`), against a real sshd
// on 127.0.0.1 (test/helpers/sshd.ts) instead of an IBM Z: a runbook made of the s390 runbook's own
// test-host blocks — staging, the test script, the checks on the machine, the copy, the native run
// and the KVM boot — with section 3 replaced by a stand-in build (a boot image, a test_verifier
// that says where it runs and reports as test_verifier does). Without test_host the local block
// runs and the remote ones are left out; with it, the reverse, and the report is parsed from the
// remote output. The one liberty taken: the test host here is this machine, so the runbook's
// `uname -m` check asks for this machine's architecture instead of s390x.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { arch } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { docrun, latestRun, ROOT, transcript, workspace } from './helpers/cli.js'
import { startSshd, type TestSshd } from './helpers/sshd.js'

const S390 = readFileSync(join(ROOT, 'runbooks/s390-bpf.md'), 'utf8')
/** A block of the s390 runbook as written there, fence and all. */
const block = (name: string) => {
  const m = new RegExp(`^\`\`\`\\S* \\{name=${name} [^}]*\\}\\n[\\s\\S]*?^\`\`\`$`, 'm').exec(S390)
  if (!m) throw new Error(`runbooks/s390-bpf.md has no block ${name}`)
  return `${m[0]}\n\n`
}
const MACHINE = arch() === 'x64' ? 'x86_64' : arch() === 'arm64' ? 'aarch64' : arch()
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

const BUILD = `\`\`\`sh {name=build}
# Stands for section 3: a boot image, the selftests, the root image.
mkdir -p linux/arch/s390/boot linux/tools/testing/selftests/bpf
seq 1 40000 > linux/arch/s390/boot/bzImage
printf 'module\\n' > linux/tools/testing/selftests/bpf/bpf_testmod.ko
cat > linux/tools/testing/selftests/bpf/test_verifier <<'EOF'
#!/bin/sh
if [ -n "$SSH_CONNECTION" ]; then echo "ran on the test host, args: $*"; else echo "ran here, args: $*"; fi
echo 'Summary: 3 PASSED, 0 SKIPPED, 0 FAILED'
EOF
chmod +x linux/tools/testing/selftests/bpf/test_verifier
qemu-img create -q -f raw s390.img 4M
\`\`\`

`

function runbook(sshd: TestSshd, remoteDir: string): string {
  const options = JSON.stringify({ UserKnownHostsFile: sshd.knownHosts, GlobalKnownHostsFile: '/dev/null' })
  const front = [
    'params:',
    '  test_host: ""',
    '  test_host_mode: {default: kvm, choices: [kvm, native]}',
    `  test_host_dir: ${remoteDir}`,
    '  tests: test_verifier',
    '  kselftests: ""',
    '  cpus: "1"',
    '  memory: 256M',
    'hosts:',
    `  s390-host: {ssh: "\${test_host}", identity: ${sshd.identity}, options: ${options}}`,
  ].join('\n')
  const onHost = (text: string) => text.replace(' target=toolchain', '').replace('from=toolchain', 'from=host')
  return (
    `---\n${front}\n---\n# Section 4 on a test host\n\n## 3. Compilation\n\n${BUILD}## 4. Running the test suite\n\n` +
    '```sh {name=test_verifier when=!test_host cwd=linux/tools/testing/selftests/bpf}\n./test_verifier\n```\n\n' +
    ['test-host-stage', 'test-host-tests', 'test-host-init'].map((n) => onHost(block(n))).join('') +
    block('test-host').replace('= s390x ]', `= ${MACHINE} ]`) +
    onHost(block('test-host-copy')) +
    block('test-host-kvm') +
    block('test-host-native')
  )
}

type Summary = { blocks: { id: string; status: string; report?: { format: string; passed: number; total: number } }[] }
const summary = (ws: string) => JSON.parse(readFileSync(join(latestRun(ws), 'summary.json'), 'utf8')) as Summary
const statusOf = (ws: string) => Object.fromEntries(summary(ws).blocks.map((b) => [b.id, b.status]))
const output = (ws: string, id: string) => readFileSync(join(latestRun(ws), `output/${id}.log`), 'utf8')

let sshd: TestSshd
beforeAll(async () => {
  sshd = await startSshd()
})
afterAll(async () => {
  await sshd?.stop()
})

describe("the s390 runbook's section 4 on a test host over SSH (a local sshd)", () => {
  it('without test_host the tests run here; with it they run there, on the copied tree, and their report is read', async () => {
    const ws = workspace()
    const remoteDir = join(workspace(), 'home/docrun-s390')
    writeFileSync(join(ws, 'rb.md'), runbook(sshd, remoteDir))
    const lint = await docrun(['lint', 'rb.md'], { cwd: ws })
    expect(lint.stderr, lint.all).not.toMatch(/warning|error/)

    const here = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(here.exitCode, here.all).toBe(0)
    expect(output(ws, 'test_verifier')).toContain('ran here')
    expect(summary(ws).blocks.find((b) => b.id === 'test_verifier')?.report).toMatchObject({ format: 'test_verifier', passed: 3 })
    for (const id of ['test-host-stage', 'test-host', 'test-host-copy', 'test-host-native', 'test-host-kvm'])
      expect([id, statusOf(ws)[id]]).toEqual([id, 'skipped'])
    expect(transcript(ws)).toContain('skipped · `test-host-copy` · when: test_host does not hold (test_host is empty)')
    expect(existsSync(remoteDir)).toBe(false)

    const test_host = `ssh://root@127.0.0.1:${sshd.port}`
    const sets = ['--set', `test_host=${test_host}`, '--set', 'test_host_mode=native']
    const there = await docrun(['run', 'rb.md', '--resume', ...sets], { cwd: ws })
    expect(there.exitCode, there.all).toBe(0)
    expect(statusOf(ws)).toMatchObject({ build: 'skipped', test_verifier: 'skipped', 'test-host-kvm': 'skipped', 'test-host-native': 'passed' })
    expect(transcript(ws)).toContain(`when: !test_host does not hold (test_host is "${test_host}")`)
    // What was copied is what was built, checked by sha256, into a fresh tree on the test host.
    expect(sha(join(remoteDir, 'test-host/linux/arch/s390/boot/bzImage'))).toBe(sha(join(ws, 'linux/arch/s390/boot/bzImage')))
    expect(readFileSync(join(remoteDir, 'test-host/tests'), 'utf8')).toBe('test_verifier\n')
    expect(existsSync(join(remoteDir, 'test-host/s390.qcow2'))).toBe(false)
    expect(output(ws, 'test-host-copy')).toMatch(/^copied host:test-host → s390-host:test-host \(tree, \d+ bytes, 6 files, sha256 checked\)$/m)
    expect(output(ws, 'test-host-native')).toContain('ran on the test host, args: \n')
    expect(summary(ws).blocks.find((b) => b.id === 'test-host-native')?.report).toMatchObject({ format: 'test_verifier', passed: 3, total: 3 })
    expect(sshd.remoteProcesses()).toEqual([])

    // The same params again: all done. A range selects as in the guest.
    const again = await docrun(['run', 'rb.md', '--resume', ...sets], { cwd: ws })
    expect(again.exitCode, again.all).toBe(0)
    expect(statusOf(ws)['test-host-native']).toBe('skipped')
    const range = await docrun(['run', 'rb.md', ...sets, '--set', 'tests=test_verifier 12-20'], { cwd: ws })
    expect(range.exitCode, range.all).toBe(0)
    expect(output(ws, 'test-host-native')).toContain('ran on the test host, args: 12 20\n')
  })

  it('kvm: the image goes along compressed, and QEMU starts there with -enable-kvm (here, on no s390x, it refuses)', async () => {
    const ws = workspace()
    const remoteDir = join(workspace(), 'home/docrun-s390')
    writeFileSync(join(ws, 'rb.md'), runbook(sshd, remoteDir))
    const r = await docrun(['run', 'rb.md', '--set', `test_host=ssh://root@127.0.0.1:${sshd.port}`], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    expect(statusOf(ws)).toMatchObject({ 'test-host-stage': 'passed', 'test-host-init': 'passed', 'test-host-copy': 'passed', 'test-host-kvm': 'failed' })
    expect(existsSync(join(remoteDir, 'test-host/s390.qcow2'))).toBe(true)
    expect(readFileSync(join(remoteDir, 'test-host/guest-init.sh'), 'utf8')).toContain('sh /mnt/run-tests.sh /mnt')
    expect(output(ws, 'test-host-kvm')).toMatch(/qemu-system-s390x: .*kvm/i)
    expect(sshd.remoteProcesses()).toEqual([])
  })
})
