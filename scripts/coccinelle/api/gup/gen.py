#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Generate scripts/coccinelle/api/{gup_to_pin,pin_release_mismatch,
# iov_iter_get_pages}.cocci from the sources in this directory: each
# NAME.cocci.in with the shared Python engine (engine.py) in place of
# @@ENGINE@@ and the shared fact rules (facts.smpl) in place of @@FACTS@@.
# Each generated .cocci stays standalone (make coccicheck and
# spatch --sp-file take one file).  --check: fail if an output is stale.
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
out_dir = os.path.dirname(here)


def source(name):
    """A shared source without its own SPDX line (the script has one)."""
    with open(os.path.join(here, name)) as fh:
        lines = fh.read().rstrip("\n").split("\n")
    if lines and "SPDX-License-Identifier" in lines[0]:
        lines = lines[1:]
    return "\n".join(lines)


engine = source("engine.py")
fact = source("facts.smpl")
stale = []
for name in sorted(os.listdir(here)):
    if not name.endswith(".cocci.in"):
        continue
    with open(os.path.join(here, name)) as fh:
        text = fh.read()
    text = text.replace("@@ENGINE@@", engine).replace("@@FACTS@@", fact)
    dst = os.path.join(out_dir, name[:-3])
    old = None
    if os.path.exists(dst):
        with open(dst) as fh:
            old = fh.read()
    if old != text:
        stale.append(dst)
        if "--check" not in sys.argv:
            with open(dst, "w") as fh:
                fh.write(text)
if "--check" in sys.argv and stale:
    print("stale: " + " ".join(stale))
    sys.exit(1)
