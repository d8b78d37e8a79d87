#!/bin/busybox sh
# /init for the docrun s390x probe initramfs (PID 1).
# Kernel cmdline knobs (plain key=value without a dot => land in init's environment):
#   drshell=exec      (default) exec /bin/sh as PID 1 on /dev/console (no job control, no ctty)
#   drshell=cttyhack  run `setsid cttyhack sh` as a child, then poweroff -f when it exits
#   drshell=setsid    run `setsid -c sh` as a child, then poweroff -f when it exits
#   drmods=0          skip module loading
/bin/busybox mkdir -p /proc /sys /dev /tmp /mnt /run /root /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts 2>/dev/null
if [ "$drmods" != 0 ]; then
  while read -r m; do
    [ -n "$m" ] && insmod "/lib/modules/$m" || echo "insmod $m failed"
  done < /etc/modules.load
fi
echo "docrun-init: up $(cut -d' ' -f1 /proc/uptime)s"
case "$drshell" in
  cttyhack) setsid cttyhack sh; echo "docrun-init: shell exited rc=$?"; poweroff -f ;;
  setsid)   setsid -c sh;       echo "docrun-init: shell exited rc=$?"; poweroff -f ;;
  *)        exec sh ;;
esac
