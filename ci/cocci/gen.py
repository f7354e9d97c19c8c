#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Generate scripts/coccinelle/api/*.cocci from ci/cocci/*.cocci.in: the
# Python engine and the fact rules are shared, each .cocci stays standalone
# (make coccicheck needs one file).  --check: fail if the outputs are stale.
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
top = os.path.dirname(os.path.dirname(here))
out_dir = os.path.join(top, "scripts", "coccinelle", "api")
engine = open(os.path.join(here, "engine.py")).read().rstrip("\n")
fact = open(os.path.join(here, "facts.cocci")).read().rstrip("\n")
stale = []
for name in sorted(os.listdir(here)):
    if not name.endswith(".cocci.in"):
        continue
    text = open(os.path.join(here, name)).read()
    text = text.replace("@@ENGINE@@", engine).replace("@@FACTS@@", fact)
    dst = os.path.join(out_dir, name[:-3])
    old = open(dst).read() if os.path.exists(dst) else None
    if old != text:
        stale.append(dst)
        if "--check" not in sys.argv:
            with open(dst, "w") as fh:
                fh.write(text)
if "--check" in sys.argv and stale:
    print("stale: " + " ".join(stale))
    sys.exit(1)
