// Postconditions of runbooks/s390-bpf.md (and its Chinese edition): each step proves it did
// what the prose claims. `docrun verify runbooks/s390-bpf.md` re-checks a finished setup.
import { after, expect } from 'docrun/checks'

after('chroot', 'the toolchain chroot is a Debian system', async (t) => {
  expect(await t.host.exists('s390-toolchain/etc/debian_version')).toBe(true)
  expect(await t.host.exists('s390-toolchain/usr/bin/sudo')).toBe(true)
})

after('chroot-mounts', "the chroot has the host's /dev, /proc and /sys", async (t) => {
  for (const dir of ['dev', 'proc', 'sys']) expect([dir, await t.host.mounted(`s390-toolchain/${dir}`)]).toEqual([dir, true])
})

after('prerequisites', 'the s390x cross toolchain, clang, pahole and QEMU are on PATH', async (t) => {
  const tc = t.chroot('toolchain')
  for (const cmd of ['s390x-linux-gnu-gcc', 'clang', 'pahole', 'qemu-system-s390x', 'qemu-img', 'debootstrap', 'mkfs.ext4']) {
    expect([cmd, !!(await tc.which(cmd))]).toEqual([cmd, true])
  }
  expect((await tc.exec('dpkg --print-foreign-architectures')).output).toContain('s390x')
  expect((await tc.exists('/usr/include/s390x-linux-gnu/libelf.h')) || (await tc.exists('/usr/include/libelf.h'))).toBe(true)
})

after('clang', 'clang can target BPF', async (t) => {
  expect((await t.chroot('toolchain').exec('llc --version')).output).toMatch(/\bbpf\b/)
})

after('image', 'the disk image holds an ext4 file system with a foreign s390x Debian', async (t) => {
  const tc = t.chroot('toolchain')
  expect(await tc.size('s390.img')).toBe(1024 ** 3)
  expect(await tc.fsType('s390.img')).toBe('ext4')
  // Unmounted and detached again, as the document leaves it.
  expect(await tc.mounted('s390.rootfs')).toBe(false)
  expect((await tc.exec('losetup -j s390.img')).output.trim()).toBe('')
})

after('kconfig', "the kernel config has the document's 9P/virtio options and BTF", async (t) => {
  const config = (await t.chroot('toolchain').exec('cat linux/.config')).output
  for (const opt of ['CONFIG_NET_9P=y', 'CONFIG_9P_FS=y', 'CONFIG_NET_9P_VIRTIO=y', 'CONFIG_VIRTIO_PCI=y', 'CONFIG_DEBUG_INFO_BTF=y'])
    expect(config).toContain(opt)
})

after('kernel', 'vmlinux and the boot image are s390 builds', async (t) => {
  const tc = t.chroot('toolchain')
  expect(await tc.elfMachine('linux/vmlinux')).toBe('S390')
  expect(await tc.exists('linux/arch/s390/boot/bzImage')).toBe(true)
})

after('selftests', 'test_verifier and bpf_testmod.ko are s390 binaries', async (t) => {
  const tc = t.chroot('toolchain')
  expect(await tc.elfMachine('linux/tools/testing/selftests/bpf/test_verifier')).toBe('S390')
  expect(await tc.elfMachine('linux/tools/testing/selftests/bpf/bpf_testmod.ko')).toBe('S390')
})

after('boot', 'the guest is an s390x machine', async (t) => {
  expect((await t.guest('vm').exec('uname -m')).output.trim()).toBe('s390x')
})

after('mounts', "the host's kernel tree is shared over 9p", async (t) => {
  const vm = t.guest('vm')
  expect(await vm.mounted('/linux')).toBe(true)
  expect(await vm.exists('/linux/tools/testing/selftests/bpf/test_verifier')).toBe(true)
})

after('test_verifier', 'test_verifier ran and reported its counts', (t) => {
  if (!t.params.tests?.includes('test_verifier')) return
  // Failed tests are results (shown in the transcript's table), not a failed setup.
  const report = t.report()
  expect(report?.format).toBe('test_verifier')
  expect(report!.total).toBeGreaterThan(0)
})

after('kselftest', 'run_kselftest.sh ran and reported TAP', (t) => {
  if (!t.params.tests?.includes('kselftest')) return
  const report = t.report()
  expect(report?.format).toBe('tap')
  expect(report!.total).toBeGreaterThan(0)
})

after('gdb', "gdb read the running kernel's banner through QEMU's stub", (t) => {
  expect(t.block.output).toMatch(/Linux version \d+\.\d+/)
})

after('network', 'the guest has an IPv4 address on eth0', (t) => {
  expect(t.block.output).toMatch(/inet \d+\.\d+\.\d+\.\d+/)
})

for (const block of ['test-host-kvm', 'test-host-native'])
  after(block, 'the selftests ran on the test host and reported their counts', (t) => {
    if (!t.params.tests?.trim()) return
    // One block runs the whole selection: its report is test_progs', test_verifier's or the TAP of run_kselftest.sh.
    const report = t.report()
    expect(report?.format).toMatch(/^(?:test_progs|test_verifier|tap)$/)
    expect(report!.total).toBeGreaterThan(0)
  })
