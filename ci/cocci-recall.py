#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Recall of gup_to_pin.cocci on upstream's own hand conversions.

    ci/cocci-recall.py KSRC [--out reports/cocci-recall.md]
                            [--subset ci/cocci/recall-subset.txt --tap]

Takes every file of KSRC/drivers/ that calls pin_user_pages*() (or the
files named in --subset), writes them back into get_user_pages*() +
put_page()/release_pages()/set_page_dirty_lock() form with
ci/cocci/pin_to_gup.cocci, runs scripts/coccinelle/api/gup_to_pin.cocci
on the result (MODE=report for the verdicts, MODE=patch for the code) and
compares the code with upstream's, region by region:

  restored   the script wrote what upstream wrote (whitespace ignored)
  refused    the script left the region in GUP form (report gives why)
  different  the script changed the region, but not into upstream's code:
             a wrong conversion unless it is listed as equivalent

Each driver directory and its parent are copied (the script looks at the
other files of a directory, and its tree-wide facts pass at the driver's
own helpers), include/, mm/, lib/ and arch/ are linked; only the
candidate files are reversed.
With --tap, prints TAP 13 for make check: one case per subset file (its
status must be the one the subset file expects, and no region may be
converted differently), and exits non-zero on failure.  GUP_TO_PIN=FILE
measures another version of the script (used to check that the test
fails on a wrong conversion).
"""
import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
API = os.path.join(HERE, "scripts", "coccinelle", "api")
REVERSE = os.path.join(HERE, "ci", "cocci", "pin_to_gup.cocci")
PIN_RX = re.compile(r"\b(pin_user_pages\w*|unpin_user_page\w*)\s*\(")
GUP_RX = re.compile(r"\b(get_user_pages\w*)\s*\(")
NOREV_RX = re.compile(r"\b(unpin_user_page_range_dirty_lock|unpin_folios?)"
                      r"\s*\(")
REPORT_RX = re.compile(r"^(\S+?):(\d+):(\d+)-(\d+): (\w+)\(\) \[([^]]*)\]: "
                       r"(\w+)(.*)$")
SPATCH = os.environ.get("SPATCH", "spatch")
GROUP_RX = re.compile(r"\b(get_user_pages\w*|pin_user_pages\w*|put_page|"
                      r"__free_page|release_pages|put_user_page\w*|"
                      r"unpin_user_page\w*)\s*\(")


# a non-static function with a struct page * parameter
PAGE_FN_RX = re.compile(r"^(?!static\b)[A-Za-z_][\w \t*]*?\b(\w+)\s*\("
                        r"[^;{}]*\bstruct\s+page\b[^;{}]*\)\s*\{", re.M)


def dir_group(top, d, files):
    """The files of directory d that spatch is given as one group: those
    that take or drop page references, and those that call a non-static
    function of theirs taking a struct page * (the callers of hfi1's
    hfi1_acquire_user_pages()), so that the script sees every caller."""
    text = {}
    for n in sorted(os.listdir(os.path.join(top, d))):
        if n.endswith(".c"):
            with open(os.path.join(top, d, n), errors="replace") as fh:
                text[os.path.join(d, n)] = fh.read()
    grp = set(f for f in text if f in files or GROUP_RX.search(text[f]))
    while True:
        fns = set(m.group(1) for f in grp
                  for m in PAGE_FN_RX.finditer(text[f]))
        rx = re.compile(r"\b(%s)\s*\(" % "|".join(sorted(fns))) \
            if fns else None
        more = set(f for f in text if f not in grp and rx and
                   rx.search(text[f]))
        if not more:
            return sorted(grp)
        grp |= more


def spatch(script, mode, groups, cwd, extra=(), jobs=1):
    """Run spatch over files (one group per file list) in cwd."""
    gf = os.path.join(cwd, ".groups")
    with open(gf, "w") as fh:
        for grp in groups:
            fh.write("\n".join(grp) + "\n\n")
    cmd = ["nice", "-n", "19", SPATCH, "--sp-file", script, "-D", mode,
           "--no-includes", "--include-headers", "--very-quiet",
           "--file-groups", gf] + list(extra)
    if jobs > 1:
        cmd += ["--jobs", str(jobs), "--chunksize", "1"]
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True)
    os.unlink(gf)
    return r.stdout, r.stderr


def kversion(ksrc):
    v = {}
    try:
        for ln in open(os.path.join(ksrc, "Makefile")):
            m = re.match(r"^(VERSION|PATCHLEVEL|SUBLEVEL) = (\d+)", ln)
            if m:
                v[m.group(1)] = m.group(2)
    except OSError:
        pass
    return "Linux " + ".".join(v.get(k, "?") for k in
                               ("VERSION", "PATCHLEVEL", "SUBLEVEL"))


def norm(lines):
    return [re.sub(r"\s+", "", x) for x in lines]


def read(path):
    with open(path, errors="replace") as fh:
        return fh.read().split("\n")


def text_of(ops, X, a, b):
    out = []
    for (tag, i1, i2, j1, j2) in ops:
        if tag == "equal":
            lo, hi = max(a, i1), min(b, i2)
            if lo < hi:
                out.extend(X[j1 + lo - i1:j1 + hi - i1])
        elif a <= i1 and i2 <= b:
            out.extend(X[j1:j2])
    return out


def regions(A, U, F):
    """Regions of A (the reversed file) changed by upstream or by the
    script, with what each of them became: [(a, b, up, fwd)]."""
    nA, nU, nF = norm(A), norm(U), norm(F)
    ou = difflib.SequenceMatcher(None, nA, nU, autojunk=False).get_opcodes()
    of = difflib.SequenceMatcher(None, nA, nF, autojunk=False).get_opcodes()
    iv = sorted([(o[1], o[2]) for o in ou + of if o[0] != "equal"])
    merged = []
    for (a, b) in iv:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out = []
    for (a, b) in merged:
        out.append((a, b, text_of(ou, U, a, b), text_of(of, F, a, b)))
    return out


# Equivalent forms: a loop of unpin_user_page(p[i]) for i < n is
# unpin_user_pages(p, n) (the script folds such loops when n cannot be a
# negative GUP return), and the loop counter it frees is then removed.
LOOP_RX = re.compile(r"for\((\w+)=0;\1<([^;]+);(?:\+\+\1|\1\+\+)\)"
                     r"(\{?)unpin_user_page\(([^;]*?)\[\1\]\);(\}?)")


def canon(text, loopvars):
    def fold(m):
        if bool(m.group(3)) != bool(m.group(5)):
            return m.group(0)
        loopvars.add(m.group(1))
        return "unpin_user_pages(%s,%s);" % (m.group(4), m.group(2))
    return LOOP_RX.sub(fold, text)


def drop_counters(lines, loopvars):
    """A declaration without the loop counters that a folded loop used."""
    t = " ".join(lines)
    for v in loopvars:
        t = re.sub(r"\b(?:unsigned\s+)?(?:int|long|size_t)\s+%s\s*;" % v,
                   "", t)
        t = re.sub(r",\s*%s\b(?=\s*[,;])" % v, "", t)
        t = re.sub(r"(\b(?:int|long|size_t)\s+)%s\s*,\s*" % v, r"\1", t)
    return re.sub(r"\s+", "", t)


def classify(A, up, fwd, a, b):
    j = "".join
    if j(norm(up)) == j(norm(fwd)):
        return "restored"
    if j(norm(fwd)) == j(norm(A[a:b])):
        return "refused"
    return "different"


def equivalences(regs):
    """Mark "different" regions that are equivalent to upstream's code."""
    loopvars = set()
    out = []
    for (a, b, up, fw, st) in regs:
        if st == "different":
            lv = set()
            if canon("".join(norm(up)), lv) == canon("".join(norm(fw)), set()):
                st = "equivalent"
                loopvars |= lv
        out.append([a, b, up, fw, st])
    for r in out:
        if r[4] == "different" and loopvars and \
           drop_counters(r[2], loopvars) == "".join(norm(r[3])):
            r[4] = "equivalent"
    return [tuple(r) for r in out]


def evaluate(ksrc, rev, fwd, files, rep):
    """Compare the script's output (fwd) with upstream, file by file."""
    verdict = {}
    for ln in rep.split("\n"):
        m = REPORT_RX.match(ln.strip())
        if m:
            f = os.path.normpath(m.group(1))
            verdict[(f, int(m.group(2)))] = (m.group(7), m.group(5),
                                              m.group(6), m.group(8))

    res = []
    for f in files:
        U = read(os.path.join(ksrc, f))
        A = read(os.path.join(rev, f))
        F = read(os.path.join(fwd, f))
        ups = sum(len(PIN_RX.findall(x)) for x in U)
        norev = sum(len(NOREV_RX.findall(x)) for x in U)
        regs = []
        for (a, b, up, fw) in regions(A, U, F):
            regs.append((a, b, up, fw, classify(A, up, fw, a, b)))
        regs = equivalences(regs)
        sites = []
        for i, x in enumerate(A):
            if not GUP_RX.search(x):
                continue
            reg = [r for r in regs if r[0] <= i < r[1]]
            if not reg or not PIN_RX.search("\n".join(reg[0][2])):
                continue        # a GUP call upstream already had
            v = verdict.get((f, i + 1), ("?", GUP_RX.search(x).group(1),
                                         "", ": no verdict in the report"))
            st = reg[0][4]
            if st == "equivalent":
                st = "restored"
            if v[0] == "convert" and (st != "restored" or any(
                    g[4] == "different" for g in regs)):
                # the call or one of the releases of the file is not what
                # upstream wrote
                st = "different"
            sites.append((i + 1, v, st))
        whole = "".join(norm(U)) == "".join(norm(F))
        reversed_ = "".join(norm(U)) != "".join(norm(A))
        if not reversed_:
            status = "not-reversed"
        elif whole:
            status = "restored"
        elif all(g[4] in ("restored", "equivalent") for g in regs):
            status = "equivalent"
        elif any(r[4] == "restored" for r in regs):
            status = "partial"
        else:
            status = "none"
        res.append({"file": f, "ups": ups, "norev": norev, "regs": regs,
                    "sites": sites, "status": status, "A": A})
    return res


def summarize(res):
    nfiles = [r for r in res if r["status"] != "not-reversed"]
    sites = [(r["file"],) + s for r in res for s in r["sites"]]
    return {
        "files": len(nfiles),
        "files_restored": sum(1 for r in nfiles
                              if r["status"] in ("restored", "equivalent")),
        "files_equivalent": sum(1 for r in nfiles
                                if r["status"] == "equivalent"),
        "files_partial": sum(1 for r in nfiles if r["status"] == "partial"),
        "sites": len(sites),
        "sites_restored": sum(1 for s in sites if s[2][0] == "convert" and
                              s[3] == "restored"),
        "sites_refused": sum(1 for s in sites if s[2][0] != "convert"),
        "sites_different": len(set((s[0], s[1]) for s in sites
                                   if s[3] == "different")),
        "regions_different": sum(1 for r in res for g in r["regs"]
                                 if g[4] == "different"),
        "norev": sum(r["norev"] for r in res),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ksrc")
    ap.add_argument("--out")
    ap.add_argument("--subset")
    ap.add_argument("--tap", action="store_true")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--keep", help="keep the work tree here")
    args = ap.parse_args()
    ksrc = os.path.abspath(args.ksrc)
    t0 = time.time()

    expect = {}
    if args.subset:
        for ln in open(args.subset):
            ln = ln.split("#")[0].split()
            if ln:
                expect[ln[0]] = ln[1] if len(ln) > 1 else None
        files = sorted(expect)
    else:
        r = subprocess.run(["grep", "-rlE", "--include=*.[ch]",
                            r"\bpin_user_pages\w*\s*\(",
                            "drivers"], cwd=ksrc, stdout=subprocess.PIPE,
                           universal_newlines=True)
        files = sorted(r.stdout.split())

    work = args.keep or tempfile.mkdtemp(prefix="cocci-recall-")
    if args.keep and os.path.exists(work):
        shutil.rmtree(work)
    # the trees below are made for this run and removed after it: their
    # facts cache goes with them, not to ~/.cache (one file per tree,
    # never read again)
    os.environ.setdefault("GUP_FACTS_CACHE", os.path.join(work, "facts"))
    rev, fwd = os.path.join(work, "rev"), os.path.join(work, "fwd")
    fwf = os.path.join(work, "fwf")
    dirs = set(os.path.dirname(f) for f in files)
    dirs |= set(os.path.dirname(d) for d in dirs
                if os.path.dirname(d) not in ("", "drivers"))
    for top in (rev, fwd, fwf):
        os.makedirs(top)
        # what the tree-wide facts pass looks at, besides the driver
        for d in ("include", "mm", "lib", "arch"):
            if os.path.isdir(os.path.join(ksrc, d)):
                os.symlink(os.path.join(ksrc, d), os.path.join(top, d))
        for d in sorted(dirs):
            os.makedirs(os.path.join(top, d), exist_ok=True)
            for n in os.listdir(os.path.join(ksrc, d)):
                s = os.path.join(ksrc, d, n)
                if os.path.isfile(s) and n.endswith((".c", ".h")):
                    shutil.copy(s, os.path.join(top, d, n))
    groups = [[f] for f in files]
    # a driver directory as one group: cross-file conversion.  Only the
    # files that take or drop page references can hold the other half of
    # a conversion (helpers that only read pages are found by the facts
    # pass), so the group is those, as cocci-report's grep prefilter does
    dgroups = []
    for d in sorted(set(os.path.dirname(f) for f in files)):
        dgroups.append(dir_group(rev, d, files))
    # 1. reverse upstream's conversion
    spatch(REVERSE, "patch", groups, rev, ["--in-place"], args.jobs)
    for f in files:
        shutil.copy(os.path.join(rev, f), os.path.join(fwd, f))
        shutil.copy(os.path.join(rev, f), os.path.join(fwf, f))
    t1 = time.time()
    # 2. the script under test, as a user runs it: on the directory (one
    # group, cross-file), and one file at a time (make coccicheck)
    gup = os.environ.get("GUP_TO_PIN", os.path.join(API, "gup_to_pin.cocci"))
    rep, rep_err = spatch(gup, "report", dgroups, rev, [], args.jobs)
    _, pat_err = spatch(gup, "patch", dgroups, fwd, ["--in-place"],
                        args.jobs)
    errors = [x for x in (rep_err + pat_err).split("\n")
              if re.search(r"Error|exception|Traceback|exn", x)]
    if not args.tap:
        rep1, e1 = spatch(gup, "report", groups, rev, [], args.jobs)
        _, e2 = spatch(gup, "patch", groups, fwf, ["--in-place"], args.jobs)
        errors += [x for x in (e1 + e2).split("\n")
                   if re.search(r"Error|exception|Traceback|exn", x)]
    t2 = time.time()
    res = evaluate(ksrc, rev, fwd, files, rep)
    # files the directory run changed that upstream did not convert
    extra = []
    for grp in dgroups:
        for f in grp:
            if f in files:
                continue
            U = read(os.path.join(ksrc, f))
            F = read(os.path.join(fwd, f))
            if U != F:
                extra.append((f, list(difflib.unified_diff(
                    U, F, "a/" + f, "b/" + f, lineterm="", n=2))))
    res1 = None if args.tap else evaluate(ksrc, rev, fwf, files, rep1)
    t3 = time.time()

    summary = summarize(res)
    sites = [(r["file"],) + s for r in res for s in r["sites"]]
    diff_regs = [(r["file"], g) for r in res for g in r["regs"]
                 if g[4] == "different"]
    equiv_regs = [(r["file"], g) for r in res for g in r["regs"]
                  if g[4] == "equivalent"]
    if args.tap:
        print("TAP version 13")
        print("1..%d" % (len(res) + 1))
        n = 0
        bad = 0
        for r in res:
            n += 1
            why = []
            want = expect.get(r["file"])
            if want and r["status"] != want:
                why.append("status %s, expected %s" % (r["status"], want))
            for g in r["regs"]:
                if g[4] == "different":
                    why.append("converted differently from upstream at "
                               "reversed line %d" % (g[0] + 1))
                    why.extend("  upstream: " + x.strip() for x in g[2])
                    why.extend("  script:   " + x.strip() for x in g[3])
            if why:
                bad += 1
                print("not ok %d - recall %s" % (n, r["file"]))
                for w in why[:30]:
                    print("# " + w)
            else:
                print("ok %d - recall %s (%s, %d sites)" %
                      (n, r["file"], r["status"], len(r["sites"])))
        n += 1
        if errors:
            bad += 1
            print("not ok %d - spatch ran without errors" % n)
            for e in errors[:10]:
                print("# " + e)
        else:
            print("ok %d - spatch ran without errors" % n)
        print("# recall subset: %(files_restored)d/%(files)d files, "
              "%(sites_restored)d/%(sites)d sites restored, "
              "%(sites_refused)d refused, %(sites_different)d different"
              % summary)
        if not args.keep:
            shutil.rmtree(work)
        sys.exit(1 if bad else 0)

    pct = lambda a, b: "%.0f%%" % (100.0 * a / b) if b else "-"
    L = []
    L.append("# Recall of gup_to_pin.cocci on upstream's hand conversions")
    L.append("")
    L.append("Generated by `ci/cocci-recall.py` (`make cocci-recall`); "
             "do not edit.")
    L.append("Tree: %s.  Every file of `drivers/` that calls "
             "`pin_user_pages*()` is written back "
             "into GUP form by `ci/cocci/pin_to_gup.cocci` and given to "
             "`gup_to_pin.cocci` (MODE=report and MODE=patch); the result "
             "is compared with upstream, whitespace ignored." %
             kversion(ksrc))
    L.append("")
    L.append("The script runs on each driver directory as one group "
             "(`spatch` given the directory's files together: cross-file "
             "conversion), and, for comparison, on one file at a time as "
             "`make coccicheck` runs it.")
    L.append("")
    s1 = summarize(res1)
    L.append("| measure | count |")
    L.append("|---|---|")
    L.append("| one file at a time: files restored | %d of %d (%s) |" % (
        s1["files_restored"], s1["files"],
        pct(s1["files_restored"], s1["files"])))
    L.append("| one file at a time: sites restored | %d of %d (%s) |" % (
        s1["sites_restored"], s1["sites"],
        pct(s1["sites_restored"], s1["sites"])))
    L.append("| one file at a time: sites converted differently | %d%s |" %
             (s1["sites_different"], "".join(
                 sorted(set(" `%s`" % r["file"] for r in res1
                            for x in r["sites"] if x[2] == "different")))))
    L.append("| files reversed | %d |" % summary["files"])
    L.append("| **directory as one group** (below) | |")
    L.append("| files restored | %d (%s) |" % (
        summary["files_restored"], pct(summary["files_restored"],
                                       summary["files"])))
    L.append("| of which equivalent to upstream, not identical | %d |" %
             summary["files_equivalent"])
    L.append("| files partly restored | %d |" % summary["files_partial"])
    L.append("| GUP sites written back | %d |" % summary["sites"])
    L.append("| sites restored (as upstream wrote them, or equivalent) | "
             "%d (%s) |"
             % (summary["sites_restored"],
                pct(summary["sites_restored"], summary["sites"])))
    L.append("| sites refused or left | %d |" % summary["sites_refused"])
    L.append("| sites converted differently from upstream | %d |" %
             summary["sites_different"])
    L.append("| regions converted differently from upstream | %d |" %
             summary["regions_different"])
    L.append("| releases with no GUP form (not reversed) | %d |" %
             summary["norev"])
    L.append("")
    L.append("Time: reverse %.0f s, script (report + patch) %.0f s, "
             "compare %.0f s." % (t1 - t0, t2 - t1, t3 - t2))
    L.append("")
    L.append("## Files")
    L.append("")
    L.append("| file | status | sites | restored | refused/left |")
    L.append("|---|---|---|---|---|")
    for r in res:
        L.append("| `%s` | %s | %d | %d | %d |" % (
            r["file"], r["status"], len(r["sites"]),
            sum(1 for s in r["sites"] if s[1][0] == "convert" and
                s[2] == "restored"),
            sum(1 for s in r["sites"] if s[1][0] != "convert")))
    L.append("")
    L.append("## Sites refused or left, with the script's reasons")
    L.append("")
    for s in sites:
        if s[2][0] != "convert":
            L.append("- `%s:%d` %s() [%s]: **%s**%s" % (
                s[0], s[1], s[2][1], s[2][2], s[2][0], s[2][3]))
    L.append("")
    L.append("## Converted equivalently to upstream")
    L.append("")
    L.append("Same effect, another form (see `equivalences()`).")
    L.append("")
    if not equiv_regs:
        L.append("None.")
        L.append("")
    for (f, g) in equiv_regs:
        L.append("`%s`, reversed lines %d-%d:" % (f, g[0] + 1, g[1]))
        L.append("")
        L.append("```diff")
        L.extend("-" + x for x in g[2])
        L.extend("+" + x for x in g[3])
        L.append("```")
        L.append("")
    L.append("## Converted differently from upstream")
    L.append("")
    if not diff_regs:
        L.append("None.")
    for (f, g) in diff_regs:
        L.append("`%s`, reversed lines %d-%d:" % (f, g[0] + 1, g[1]))
        L.append("")
        L.append("```diff")
        for x in g[2]:
            L.append("-" + x)
        for x in g[3]:
            L.append("+" + x)
        L.append("```")
        L.append("")
    L.append("## Other files the directory run changed")
    L.append("")
    L.append("Files without a `pin_user_pages*()` call upstream, so not "
             "compared: each change is the other half of a cross-file "
             "conversion and is listed for review.")
    L.append("")
    if not extra:
        L.append("None.")
        L.append("")
    for (f, dl) in extra:
        L.append("```diff")
        L.extend(dl)
        L.append("```")
        L.append("")
    if errors:
        L.append("## spatch errors")
        L.append("")
        L.extend("    " + e for e in errors[:20])
    out = "\n".join(L) + "\n"
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as fh:
            fh.write(out)
        sys.stderr.write("cocci-recall: %s written in %.0f s: %d/%d files, "
                         "%d/%d sites restored, %d different\n" % (
                             args.out, time.time() - t0,
                             summary["files_restored"], summary["files"],
                             summary["sites_restored"], summary["sites"],
                             summary["sites_different"]))
    else:
        sys.stdout.write(out)
    if not args.keep:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
