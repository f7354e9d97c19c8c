#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The mail series: patches/series plus the new files of patches/new-files.

  series.py check               TAP: every new file is named once in
                                patches/new-files, every name exists, every
                                patch named there is in patches/series
  series.py export OUTDIR BASE  write OUTDIR/0001-*.patch ..., each patch
                                with the new files it adds folded in
  series.py files               the new files that go upstream
"""
import difflib
import fnmatch
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OVERLAY_DIRS = os.environ.get(
    'OVERLAY_DIRS',
    'mm include drivers fs kernel lib scripts tools Documentation').split()


def read_series():
    """[(name, new_only)] in order; '#new-only NAME' lines are kept."""
    out = []
    for line in open(os.path.join(TOP, 'patches', 'series')):
        line = line.strip()
        m = re.match(r'#\s*new-only\s+(\S+)', line)
        if m:
            out.append((m.group(1), True))
        elif line and not line.startswith('#'):
            out.append((line.split()[0], False))
    return out


def read_map():
    """{patch or 'local': [patterns]} and the order of the lines."""
    m = {}
    for line in open(os.path.join(TOP, 'patches', 'new-files')):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        key, _, files = line.partition(':')
        m.setdefault(key.strip(), []).extend(files.split())
    return m


def overlay_files():
    files = []
    for d in OVERLAY_DIRS:
        for root, _, names in os.walk(os.path.join(TOP, d)):
            for n in names:
                files.append(os.path.relpath(os.path.join(root, n), TOP))
    return sorted(files)


def owners(files, fmap):
    own = {f: [] for f in files}
    unmatched = []
    for key, pats in fmap.items():
        for p in pats:
            hit = [f for f in files if fnmatch.fnmatchcase(f, p)]
            if not hit:
                unmatched.append((key, p))
            for f in hit:
                own[f].append(key)
    return own, unmatched


def check():
    series = read_series()
    names = {n for n, _ in series}
    fmap = read_map()
    files = overlay_files()
    own, unmatched = owners(files, fmap)
    cases = []
    for f in files:
        o = own[f]
        cases.append((len(o) == 1, 'new file %s belongs to %s' %
                      (f, ' and '.join(o) if o else 'no patch')))
    for key, p in unmatched:
        cases.append((False, 'patches/new-files: %s: %s matches no file' %
                      (key, p)))
    for key in fmap:
        if key == 'local':
            continue
        cases.append((key in names, 'patches/new-files: %s is in patches/series'
                      % key))
    for n, new_only in series:
        if not new_only:
            # An empty context line is written as an empty line (as
            # git diff.suppressBlankEmpty does): patch, quilt and git apply
            # take it, and checkpatch run on the .patch file as a plain
            # file (it does so for files git tracks) sees no trailing
            # whitespace. Fix: sed -i 's/^ $//' patches/NAME.
            with open(os.path.join(TOP, 'patches', n)) as f:
                blank = sum(1 for line in f if line == ' \n')
            cases.append((blank == 0, 'patches/%s has no " " context lines'
                          ' (%d)' % (n, blank)))
        if new_only:
            ok = n in fmap and os.path.exists(os.path.join(TOP, 'patches', n))
            cases.append((ok, '#new-only %s has a header and new files' % n))
    print('TAP version 13')
    print('1..%d' % len(cases))
    bad = 0
    for i, (ok, what) in enumerate(cases, 1):
        print('%s %d %s' % ('ok' if ok else 'not ok', i, what))
        bad += not ok
    return 1 if bad else 0


def new_file_diff(path):
    with open(os.path.join(TOP, path), errors='surrogateescape') as f:
        lines = f.read().splitlines(True)
    if lines and not lines[-1].endswith('\n'):
        lines[-1] += '\n\\ No newline at end of file\n'
    out = ['diff --git a/%s b/%s\n' % (path, path),
           'new file mode 100644\n',
           '--- /dev/null\n', '+++ b/%s\n' % path,
           '@@ -0,0 +1%s @@\n' % ('' if len(lines) == 1 else ',%d' % len(lines))]
    out += ['+' + line for line in lines]
    return ''.join(out)


def export(outdir, base):
    series = read_series()
    fmap = read_map()
    files = overlay_files()
    own, _ = owners(files, fmap)
    by_patch = {}
    for f in files:
        for o in own[f]:
            by_patch.setdefault(o, []).append(f)
    os.makedirs(outdir, exist_ok=True)
    total = len(series)
    for i, (name, _) in enumerate(series, 1):
        text = open(os.path.join(TOP, 'patches', name)).read()
        subj = re.search(r'^Subject: (?:\[PATCH[^]]*\] )?(.*)$', text, re.M)
        subj = subj.group(1) if subj else name
        text = re.sub(r'^Subject: (?:\[PATCH[^]]*\] )?',
                      'Subject: [PATCH %d/%d] ' % (i, total), text, count=1,
                      flags=re.M)
        if not text.endswith('\n'):
            text += '\n'
        for f in by_patch.get(name, []):
            text += new_file_diff(f)
        slug = re.sub(r'[^A-Za-z0-9]+', '-', subj).strip('-')[:52]
        path = os.path.join(outdir, '%04d-%s.patch' % (i, slug))
        with open(path, 'w', errors='surrogateescape') as f:
            f.write(text)
        print(path)
    print('==> %d patches in %s (base: %s)' % (total, outdir, base),
          file=sys.stderr)
    return 0


def submitted_files():
    fmap = read_map()
    files = overlay_files()
    own, _ = owners(files, fmap)
    for f in files:
        if own[f] and 'local' not in own[f]:
            print(f)
    return 0


if __name__ == '__main__':
    if len(sys.argv) >= 2 and sys.argv[1] == 'files':
        sys.exit(submitted_files())
    if len(sys.argv) >= 2 and sys.argv[1] == 'check':
        sys.exit(check())
    if len(sys.argv) >= 3 and sys.argv[1] == 'export':
        sys.exit(export(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else '?'))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
