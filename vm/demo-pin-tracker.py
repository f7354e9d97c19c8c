#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
# Show the DMA-pin tracker's debugfs files while gup_test holds a long-term
# pin on 16 pages of anonymous memory (the README's example output).
import ctypes
import fcntl
import mmap
import os
import struct

PPT = '/sys/kernel/debug/page_pin_tracker/'
NPAGES = 16
size = NPAGES * mmap.PAGESIZE
mem = mmap.mmap(-1, size)
mem.write(b'x' * size)
addr = ctypes.addressof(ctypes.c_char.from_buffer(mem))
fd = os.open('/sys/kernel/debug/gup_test', os.O_RDWR)
# PIN_LONGTERM_TEST_START = _IOW('g', 7, struct pin_longterm_test), 24 bytes
start = (1 << 30) | (24 << 16) | (ord('g') << 8) | 7
stop = (ord('g') << 8) | 8
fcntl.ioctl(fd, start, struct.pack('QQI4x', addr, size, 1))

print('# cat ' + PPT + 'summary')
print(open(PPT + 'summary').read(), end='')
with open(PPT + 'filter_pid', 'w') as f:
    f.write(str(os.getpid()))
print('# echo %d > %sfilter_pid; cat %spinned | head -n 16' % (os.getpid(), PPT, PPT))
print(''.join(open(PPT + 'pinned').readlines()[:16]), end='')
with open(PPT + 'filter_pid', 'w') as f:
    f.write('0')
fcntl.ioctl(fd, stop)
left = sum(1 for l in open(PPT + 'pinned') if 'pid=%d ' % os.getpid() in l)
print('1..1')
print('%s 1 pages listed after PIN_LONGTERM_TEST_STOP: %d' % ('ok' if left == 0 else 'not ok', left))
