// The chroot target and the resource ledger against real kernel facilities (root needed).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { execa } from 'execa'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { docrun, transcript, workspace, CLI } from './helpers/cli.js'
import { freshChroot, loopsFor, minbaseTarball, mountsUnder, requireTool } from './helpers/chroot.js'

const devBefore = readdirSync('/dev').sort()
let ws: string
beforeAll(async () => {
  await requireTool('mkfs.ext4', 'e2fsprogs')
  await requireTool('losetup', 'mount')
  await minbaseTarball()
  ws = workspace('docrun-chroot-')
  await freshChroot(join(ws, 'root'))
}, 600_000)

afterAll(async () => {
  // Belt and braces: never leave a mount behind, whatever a failed test did.
  for (const mp of (await mountsUnder(ws)).reverse()) await execa('umount', ['-l', mp], { reject: false })
  expect(await mountsUnder(ws)).toEqual([])
  expect(readdirSync('/dev').sort()).toEqual(devBefore)
})

describe('chroot target', () => {
  it('runs blocks in one persistent shell inside the chroot, with a clean environment', async () => {
    writeFileSync(
      join(ws, 'c1.md'),
      [
        '---',
        'chroots: {toolchain: ./root}',
        '---',
        '# Chroot',
        '',
        '```sh {target=toolchain}',
        'mkdir -p /opt/work && cd /opt/work',
        'export INSIDE=yes',
        'echo "leak=${DOCRUN_LEAK:-unset} home=$HOME"',
        '```',
        '',
        '```sh {target=chroot root=./root}',
        'pwd',
        'echo "$INSIDE"',
        'cat /etc/debian_version > marker',
        '```',
        '',
      ].join('\n'),
    )
    const r = await docrun(['run', 'c1.md'], { cwd: ws, env: { DOCRUN_LEAK: 'host-secret' } })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout).toContain('leak=unset home=/root')
    expect(r.stdout).toContain('/opt/work\nyes\n')
    expect(existsSync(join(ws, 'root/opt/work/marker'))).toBe(true)
    // `target=chroot root=./root` names the same directory as the chroot `toolchain`: one shell.
    const list = await docrun(['list', '--json', 'c1.md'], { cwd: ws })
    expect((JSON.parse(list.stdout) as { steps: { target: { name: string } }[] }).steps.map((s) => s.target.name)).toEqual(['toolchain', 'toolchain'])
  })

  it('rbind mounts that fail mid-way are torn down; kept ones are removed by docrun clean; host /dev intact', async () => {
    const root = join(ws, 'root')
    writeFileSync(
      join(ws, 'rbind.md'),
      [
        '# Rbind',
        '',
        '```sh {name=mounts keep}',
        'mount --rbind /dev ./root/dev',
        'mount --rbind /proc ./root/proc',
        'mount --rbind /sys ./root/sys',
        '```',
        '',
        '```sh {name=inside target=chroot root=./root}',
        'ls /dev/null /proc/self/status >/dev/null',
        'test -e /sys/kernel',
        '```',
        '',
        '```sh {name=boom}',
        'echo failing on purpose; exit 3',
        '```',
        '',
      ].join('\n'),
    )
    const r = await docrun(['run', 'rbind.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    expect(transcript(ws)).toContain('ledger: mount')
    // {keep}: still mounted after the failed run, and listed.
    expect((await mountsUnder(root)).length).toBeGreaterThanOrEqual(3)
    const status = await docrun(['status', 'rbind.md'], { cwd: ws })
    expect(status.stdout).toContain('kept')
    const clean = await docrun(['clean', 'rbind.md'], { cwd: ws })
    expect(clean.exitCode, clean.all).toBe(0)
    expect(clean.stdout).toContain(`umount ${root}/dev`)
    expect(await mountsUnder(root)).toEqual([])
    expect(readdirSync('/dev').sort()).toEqual(devBefore)
    expect(existsSync('/dev/pts/ptmx') || existsSync('/dev/ptmx')).toBe(true)

    // Without {keep}, the run's own teardown removes them.
    writeFileSync(join(ws, 'rbind2.md'), readFileSync(join(ws, 'rbind.md'), 'utf8').replace('{name=mounts keep}', '{name=mounts}'))
    const r2 = await docrun(['run', 'rbind2.md'], { cwd: ws })
    expect(r2.exitCode).toBe(1)
    expect(await mountsUnder(root)).toEqual([])
    expect(transcript(ws)).toContain('cleaned up what was created by this run')
  })

  it('takes a 64 MiB image through losetup, mkfs.ext4, mount, umount, losetup -d', async () => {
    writeFileSync(
      join(ws, 'img.md'),
      [
        '# Image',
        '',
        '```sh',
        'truncate -s 64M disk.img',
        '```',
        '',
        '```sh {capture=LOOP}',
        'losetup -f --show ./disk.img',
        '```',
        '',
        '```sh',
        'mkfs.ext4 -q "$LOOP"',
        'mkdir -p mnt && mount "$LOOP" mnt',
        'echo hello > mnt/file',
        '```',
        '',
        '```sh',
        'umount mnt',
        'losetup -d "$LOOP"',
        '```',
        '',
      ].join('\n'),
    )
    const r = await docrun(['run', 'img.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(await loopsFor(join(ws, 'disk.img'))).toEqual([])
    const state = JSON.parse(
      readFileSync(
        join(
          ws,
          '.docrun/state',
          readdirSync(join(ws, '.docrun/state')).find((f) => f.startsWith('img.md'))!,
        ),
        'utf8',
      ),
    )
    expect(state.blocks['image-2'].capture.value).toMatch(/^\/dev\/loop\d+$/)
    expect(state.resources).toEqual([])
  })

  it('a docrun killed between mount and umount is cleaned up by docrun clean', async () => {
    writeFileSync(
      join(ws, 'kill.md'),
      [
        '# Kill',
        '',
        '```sh',
        'truncate -s 64M kill.img',
        'LOOP=$(losetup -f --show ./kill.img)',
        'mkfs.ext4 -q "$LOOP"',
        'mkdir -p kmnt && mount "$LOOP" kmnt',
        'touch mounted-now',
        'sleep 600',
        '```',
        '',
        '```sh',
        'umount kmnt && losetup -d "$LOOP"',
        '```',
        '',
      ].join('\n'),
    )
    const child = execa('node', [CLI, 'run', 'kill.md'], { cwd: ws, reject: false })
    await vi.waitFor(() => expect(existsSync(join(ws, 'mounted-now'))).toBe(true), { timeout: 30_000, interval: 100 })
    expect(existsSync(join(ws, 'mounted-now'))).toBe(true)
    child.kill('SIGKILL')
    await child
    // The block's sleep survives docrun (own process group); end it, as a reboot would.
    await execa('pkill', ['-f', '^sleep 600$'], { reject: false })
    expect((await mountsUnder(join(ws, 'kmnt'))).length).toBe(1)
    const status = await docrun(['status', 'kill.md'], { cwd: ws })
    expect(status.stdout).toContain('a docrun died while block')
    const clean = await docrun(['clean', 'kill.md'], { cwd: ws })
    expect(clean.exitCode, clean.all).toBe(0)
    expect(clean.stdout).toContain('it left: mount')
    expect(await mountsUnder(join(ws, 'kmnt'))).toEqual([])
    expect(await loopsFor(join(ws, 'kill.img'))).toEqual([])
  })

  it('refuses to rm -r a tree with a bind mount inside: sentinel first, then the host /dev (read-only bind)', async () => {
    const sentinel = join(ws, 'sentinel')
    mkdirSync(join(ws, 'tree/inner'), { recursive: true })
    mkdirSync(sentinel, { recursive: true })
    writeFileSync(join(sentinel, 'precious'), 'keep me')
    writeFileSync(
      join(ws, 'guard.md'),
      ['# Guard', '', '```sh {name=bind}', 'mount --bind ./sentinel ./tree/inner', '```', '', '```sh {name=remove}', 'rm -rf ./tree', '```', ''].join('\n'),
    )
    const r = await docrun(['run', 'guard.md'], { cwd: ws })
    expect(r.exitCode).toBe(1)
    expect(r.stdout).toContain('refusing to rm -r ./tree')
    expect(readFileSync(join(sentinel, 'precious'), 'utf8')).toBe('keep me')
    expect(await mountsUnder(join(ws, 'tree'))).toEqual([])

    // The same with the host's /dev, bound read-only so that even a broken guard could not delete.
    mkdirSync(join(ws, 'tree2/dev'), { recursive: true })
    writeFileSync(
      join(ws, 'guard2.md'),
      [
        '# Guard',
        '',
        '```sh {name=bind}',
        'mount --bind /dev ./tree2/dev',
        'mount -o remount,bind,ro ./tree2/dev',
        '```',
        '',
        '```sh {name=remove}',
        'rm -rf tree2',
        '```',
        '',
      ].join('\n'),
    )
    const r2 = await docrun(['run', 'guard2.md'], { cwd: ws })
    expect(r2.exitCode).toBe(1)
    expect(r2.stdout).toContain('refusing to rm -r tree2')
    expect(readdirSync('/dev').sort()).toEqual(devBefore)
    expect(await mountsUnder(join(ws, 'tree2'))).toEqual([])
  })
})
