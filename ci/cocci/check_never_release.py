#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check NEVER_RELEASE (scripts/coccinelle/api/gup/engine.py) against a
kernel tree:
    ci/cocci/check_never_release.py KSRC
Every listed function or macro whose definition is found in KSRC (include/,
arch/x86/include/, mm/, lib/) is read with the same tree-wide facts pass the
scripts use: none may release a page it is given.  Prints one TAP line."""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
engine = os.path.join(os.path.dirname(os.path.dirname(here)), "scripts",
                      "coccinelle", "api", "gup", "engine.py")
ns = {"__name__": "engine"}
exec(compile(open(engine).read(), engine, "exec"), ns)
# Definitions that the path-insensitive facts pass reads as releasing,
# checked by hand: the drop is of a reference the function took itself.
AUDITED = {
    "lock_page": "folio_wait_bit_common() drops the caller's reference only "
    "for behavior DROP (folio_put_wait_locked()); __folio_lock() waits "
    "EXCLUSIVE",
    "wait_on_page_writeback": "folio_wait_bit() waits SHARED, never DROP",
}
# get_user_pages*() and pin_user_pages*() fill the array: they drop only
# references they took themselves (GUP-fast giving up, FOLL_LONGTERM
# migration unpinning what it pinned)
for _n in ns["GUP_PIN"].keys() | ns["PIN_NAMES"] | ns["GUP_NOPIN"]:
    AUDITED[_n] = "fills the array; drops only its own references"
ksrc = os.path.abspath(sys.argv[1])
probe = os.path.join(ksrc, "mm", "never_release_probe.c")
idx = ns["_index"](ksrc, probe)
found, bad = 0, []
for name in sorted(ns["NEVER_RELEASE"]):
    for (rel, kind, off) in idx["names"].get(name, []):
        params, body = ns["_def_body"](ksrc, rel, kind, off)
        if params is None:
            continue
        found += 1
        for i in range(max(len(params), 1)):
            res = ns["_param_facts"](probe, name, rel, kind, params, body, i,
                                     0, set())
            if res[0] == "releases" and name not in AUDITED:
                bad.append("%s (argument %d): %s" % (name, i, res[1]))
if bad:
    print("not ok - NEVER_RELEASE: %d definitions release a page" % len(bad))
    for b in bad:
        print("# " + b)
    sys.exit(1)
print("ok - NEVER_RELEASE: %d definitions of %d listed names read in %s, "
      "none releases (%d audited by hand)" % (
          found, len(ns["NEVER_RELEASE"]), ksrc, len(AUDITED)))
