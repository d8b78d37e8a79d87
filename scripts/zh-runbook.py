#!/usr/bin/env python3
"""Fill the Chinese runbook's prose template with the English runbook's blocks, byte for byte.

  python3 scripts/zh-runbook.py scripts/s390-bpf.zh.template.md > runbooks/s390-bpf.zh.md
"""
import re, sys

en = open('runbooks/s390-bpf.md', encoding='utf-8').read()
params = re.search(r'^(params:\n(?:  .*\n)+)', en, re.M).group(1).rstrip('\n')
chroots = re.search(r'^(chroots:\n(?:  .*\n)+)', en, re.M).group(1).rstrip('\n')
hosts = re.search(r'^(hosts:\n(?:  .*\n)+)', en, re.M).group(1).rstrip('\n')
timeout = re.search(r'^timeout: .*$', en, re.M).group(0)
known = re.search(r'^(known-failures:\n(?:  .*\n)+)', en, re.M).group(1).rstrip('\n')
blocks = {}
for m in re.finditer(r'^```(\S*) \{([^}]*)\}\n.*?^```$', en, re.M | re.S):
    name = re.search(r'\bname=(\S+)', m.group(2)).group(1)
    blocks[name] = m.group(0)
tpl = open(sys.argv[1], encoding='utf-8').read()
tpl = tpl.replace('{{PARAMS}}', f'{params}\n{chroots}\n{hosts}\n{known}\n{timeout}')
out = re.sub(r'\{\{([\w-]+)\}\}', lambda m: blocks[m.group(1)], tpl)
sys.stdout.write(out)
