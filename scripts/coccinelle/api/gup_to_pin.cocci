// SPDX-License-Identifier: GPL-2.0-only
/// Convert get_user_pages*() callers that take pages for DMA or for access
/// to the data (Documentation/core-api/pin_user_pages.rst cases 1, 2 and 5)
/// to pin_user_pages*(), and their releases to unpin_user_page*().
///
//# The pages are followed to where they are stored: a local array or page,
//# a struct field (also across functions of the same file), or a parameter
//# of a static helper.  Every release of that storage in the file is
//# converted together with the get_user_pages*() call:
//#   put_page(), __free_page()          -> unpin_user_page()
//#   loop of put_page()                 -> unpin_user_pages() (unless the
//#                                         bound may be a negative GUP return)
//#   set_page_dirty{,_lock}() + put     -> unpin_user_pages_dirty_lock()
//#   release_pages()                    -> unpin_user_pages()
//#   put_user_page{,s,s_dirty,s_dirty_lock}() (the 2019 names) -> unpin_*
//# FOLL_GET is dropped from the flags, other flags are kept.
//#
//# Pages passed to a function defined elsewhere are judged by tree-wide
//# facts: a list of kernel APIs that never release (sg table builders,
//# dma_map_*(), kmap*(), page_to_pfn(), set_page_dirty*(), ...) and a
//# cached index of the definitions in include/, mm/, lib/ and the driver,
//# whose bodies are read for whether they release, keep or only read
//# the pages.  Given a driver's files as one group (a --file-groups file,
//# or all of them on one command line), the script converts storage shared
//# across files of the driver (a field, a non-static helper whose callers
//# are all in the group) and patches every file of the group together.
//#
//# Nothing is patched, and the site is reported with the reason, when the
//# storage also holds pages from another source (alloc_page(), sg_page(),
//# iov_iter_get_pages2(), ...), when the pages reach a function that
//# releases or keeps them or whose definition is not found (the chain is
//# named), when the field is used by files of the directory outside the
//# group, when the driver takes a reference of its own on the pages
//# (get_page(): its put_page() cannot be told from the GUP release), when
//# another get_user_pages*() call on the same storage cannot be
//# converted, or when the file releases pages of unknown origin.
//# References used only for the struct page or its pfn and dropped at once
//# (cases 3 and 4) are reported and left alone.
//# MODE=report lists every site with its verdict.  MODE=patch writes the
//# same verdicts for sites it does not patch to stderr.
//
// Confidence: Moderate
// Copyright: (C) 2025 Seed 51d73867 maintainers
// Comments: Requires Python scripting (Debian's coccinelle has it).
//  The facts index is cached in $GUP_FACTS_CACHE (default
//  ~/.cache/cocci-gup-facts/) and refreshed for files whose size or mtime
//  changed.  make coccicheck gives spatch one file at a time: cross-file
//  storage is then refused, with the file that was not in the run named.
// Options: --no-includes --include-headers
//

virtual patch
virtual context
virtual org
virtual report

@initialize:python@
@@
# ---- BEGIN gup engine: generated from engine.py of scripts/coccinelle/api/gup/
# ---- by its gen.py, shared by the three GUP scripts; edit it there, not here.
import os
import re
import sys

GUP_PIN = {
    "get_user_pages": "pin_user_pages",
    "get_user_pages_fast": "pin_user_pages_fast",
    "get_user_pages_unlocked": "pin_user_pages_unlocked",
    "get_user_pages_remote": "pin_user_pages_remote",
}
# GUP entry points without a pin_user_pages*() twin in 6.12
GUP_NOPIN = {"get_user_pages_fast_only", "get_user_page_vma_remote"}
PIN_NAMES = {"pin_user_pages", "pin_user_pages_fast", "pin_user_pages_unlocked",
             "pin_user_pages_remote"}
ITER_NAMES = {"iov_iter_get_pages2", "iov_iter_get_pages_alloc2"}
PUT_RELEASES = {"put_page", "__free_page", "release_pages", "put_user_page",
                "put_user_pages", "put_user_pages_dirty",
                "put_user_pages_dirty_lock"}
UNPIN_RELEASES = {"unpin_user_page", "unpin_user_pages",
                  "unpin_user_pages_dirty_lock",
                  "unpin_user_page_range_dirty_lock"}
# Functions that only look at the struct page or its pfn: a reference used
# only through these is pin_user_pages.rst case 3/4 (no access to the data).
INTROSPECT = {"page_to_pfn", "page_to_phys", "page_ref_count", "page_count",
              "PageCompound", "PageHuge", "PageTail", "PageHead",
              "PageAnon", "page_to_nid", "page_size", "page_folio",
              "folio_nr_pages", "compound_head", "WARN_ON", "WARN_ON_ONCE",
              "BUG_ON", "unlikely", "likely", "IS_ERR", "PTR_ERR",
              "IS_ERR_OR_NULL"}
# NEVER_RELEASE: the one list of kernel APIs that use a page or a page
# array but neither take nor drop a reference, so passing GUP pages to them
# cannot hide a release.  Checked against the tree's own definitions by
# the tests (ci/cocci/check_never_release.py).  Functions not listed here
# are looked up in the tree (tree_facts(), below) before a site is refused.
NEVER_RELEASE = INTROSPECT | {
    # the struct page itself, its pfn, address and state
    "page_to_virt", "page_address", "lowmem_page_address", "PageHighMem",
    "PageReserved", "PageDirty", "PageLRU", "PageSwapCache", "PageLocked",
    "PageUptodate", "PageSlab", "compound_order", "compound_nr",
    "page_shift", "page_zone", "page_zonenum", "page_mapcount",
    "page_mapped", "page_pgdat", "page_to_section", "is_zero_page",
    "is_zone_device_page", "is_pci_p2pdma_page", "folio_page",
    "VM_BUG_ON_PAGE", "VM_WARN_ON_ONCE_PAGE", "VM_BUG_ON", "VM_WARN_ON",
    "dump_page",
    # scatterlist table builders (they store the pointer in the table)
    "sg_alloc_table_from_pages", "sg_alloc_table_from_pages_segment",
    "sg_alloc_append_table_from_pages", "__sg_alloc_table_from_pages",
    "sg_set_page", "sg_assign_page", "sg_page",
    # DMA mapping
    "dma_map_page", "dma_map_page_attrs", "dma_unmap_page",
    "dma_unmap_page_attrs",
    # kernel mappings and data access
    "kmap", "kunmap", "kmap_local_page", "kunmap_local", "kmap_atomic",
    "kunmap_atomic", "kmap_local_folio", "vmap", "vunmap", "vm_map_ram",
    "vm_unmap_ram", "copy_page", "clear_page", "memcpy_to_page",
    "memcpy_from_page", "memcpy_page", "memzero_page", "zero_user",
    "zero_user_segment", "zero_user_segments", "copy_highpage",
    "copy_user_highpage", "clear_highpage", "get_page_address",
    "flush_dcache_page", "flush_dcache_folio", "flush_anon_page",
    # page state that GUP callers set before the release
    "set_page_dirty", "set_page_dirty_lock", "SetPageDirty",
    "mark_page_accessed", "folio_mark_accessed", "lock_page", "unlock_page",
    "trylock_page",
    "folio_mark_dirty", "wait_on_page_writeback",
    # memory and size helpers, logging
    "kfree", "kvfree", "vfree", "memset", "memcpy", "ARRAY_SIZE", "sizeof",
    "struct_size", "array_size", "min", "max", "min_t", "max_t",
    "pr_debug", "pr_err", "pr_warn", "pr_info", "pr_devel", "printk",
    "dev_dbg", "dev_err", "dev_warn", "dev_info", "trace_printk",
    # GUP and pin calls fill the array, they do not release it
    "get_user_pages", "get_user_pages_fast", "get_user_pages_unlocked",
    "get_user_pages_remote", "get_user_pages_fast_only",
    "pin_user_pages", "pin_user_pages_fast", "pin_user_pages_unlocked",
    "pin_user_pages_remote",
}
SAFE_USERS = NEVER_RELEASE
# Calls that drop a page reference (tree_facts() looks for them).
DROPS = {"put_page", "__free_page", "__free_pages", "release_pages",
         "put_user_page", "put_user_pages", "put_user_pages_dirty",
         "put_user_pages_dirty_lock", "unpin_user_page", "unpin_user_pages",
         "unpin_user_pages_dirty_lock", "unpin_user_page_range_dirty_lock",
         "folio_put", "folio_put_refs", "folios_put", "unpin_folio",
         "unpin_folios", "put_pages_list", "page_frag_free",
         "free_unref_page", "__put_page"}
# Calls that take a reference of their own on a page they are given.  On
# GUP pages that reference is dropped with put_page() (vduse's bounce map
# takes get_page() on the pinned pages and put_page()s them when the map
# is removed), and no rule can tell that put_page() from the release of
# the GUP reference: converting both would be wrong.
GET_REFS = {"get_page", "try_get_page", "folio_get", "folio_try_get",
            "get_page_unless_zero", "page_ref_inc", "page_ref_add",
            "folio_ref_inc", "folio_ref_add", "folio_ref_try_add"}
# A page walked through its ->lru list_head is the driver's own: GUP pages
# are on the mm's LRU lists, a driver cannot chain them through ->lru.
LRU_WALK = "list_for_each_entry(..., lru)"
# Producers of page references that are not GUP.
NONGUP_PRODUCERS = {"alloc_page", "alloc_pages", "alloc_pages_node",
                    "__page_cache_alloc", "find_get_page", "find_lock_page",
                    "grab_cache_page", "read_mapping_page", "virt_to_page",
                    "vmalloc_to_page", "pfn_to_page", "phys_to_page",
                    "dev_alloc_page", "page_pool_dev_alloc_pages",
                    "find_get_pages", "find_get_pages_range",
                    "iov_iter_extract_pages", "get_page", "try_get_page",
                    LRU_WALK}
# Producers that give a page without a reference of the caller's: the
# vmalloc area owns its pages (vfree() frees them), so a correct driver
# never drops a reference on a vmalloc_to_page() page it did not take
# with get_page() (GET_REFS: refused).  A storage that holds such pages
# besides GUP pages can still convert its releases: they can only be of
# the GUP pages (vchiq_arm.c releases its array only when it was filled
# by GUP, "do not try and release vmalloc pages").  virt_to_page() and
# pfn_to_page() are not here: put_page(virt_to_page(buf)) frees a
# __get_free_pages() buffer, and pfn_to_page() may give back pages that
# another file took with GUP.
NOREF_PRODUCERS = {"vmalloc_to_page"}
# Allocators of the array itself: a struct page ** assigned from one of
# these is storage for page pointers, not a source of pages.  The page
# allocator's address-returning calls belong here too: __get_free_page()
# returns an address, never a struct page, so "pages = (struct page **)
# __get_free_page(GFP_KERNEL)" allocates the array (ib_umem_get()).
ARRAY_ALLOCS = {"kmalloc", "kzalloc", "kcalloc", "kmalloc_array",
                "kvmalloc", "kvzalloc", "kvcalloc", "kvmalloc_array",
                "vmalloc", "vzalloc", "vcalloc", "devm_kmalloc",
                "devm_kzalloc", "devm_kcalloc", "devm_kmalloc_array",
                "krealloc", "krealloc_array", "kvrealloc", "kmalloc_node",
                "kzalloc_node", "kvmalloc_node", "kvzalloc_node",
                "kcalloc_node", "kmalloc_array_node", "vmalloc_array",
                "vcalloc", "__vmalloc", "vmalloc_node", "vzalloc_node",
                "__get_free_page", "__get_free_pages", "get_zeroed_page",
                "kmemdup", "memdup_array_user", "kmem_cache_alloc",
                "kmem_cache_zalloc"}

# Fields of kernel structs through which the kernel borrows a caller's
# pages: it reads them and never takes or drops a reference on them, so
# "lend->pages = own_pages" and "lend->pages = gup_pages" do not make the
# two arrays one storage (they are not joined through such a field).
# The driver's own reads of the field stay a storage of their own: a
# release of pages read back from it is of unknown origin (refused).
#   rq_map_data.pages: bio_copy_user_iov() sets is_our_pages = !map_data,
#   bio_uncopy_user() and its error path free only their own pages
#   (block/blk-map.c); drivers/scsi/st.c lends its GUP array or its
#   reserved (alloc_pages()) array.
BORROWED_FIELDS = {("pages", "rq_map_data")}

IDENT = re.compile(r"^[A-Za-z_]\w*$")


class FileFacts:
    def __init__(self):
        self.sources = []     # (kind, name, expr, fn, line, col, extra)
        self.releases = []    # (name, expr, fn, line, col, ncalls)
        self.assigns = []     # (lhs, rhs, fn, line)
        self.calls = []       # (callee, idx, arg, fn, line)
        self.params = {}      # fn -> {idx: name}
        self.static_fns = set()
        self.page_params = {}   # fn -> indexes of its struct page * params
        self.defined_fns = set()
        self.longlived = set()  # (line, col) of GUP calls used across a call
        self.loops = []       # (fn, loopvar, line, col) of release in loop
        self.returns = []     # (expr, fn, line)
        self.vtypes = {}      # (fn, var) -> struct name, for typed fields
        self.result = None
        self.gen = 0


FACTS = {}


LAST_BY_BASE = {}
SMALL = re.compile(r"^cocci_small_output-\d+-[0-9a-f]+-(.*)$")


def orig_file(f):
    """spatch re-parses a function it has changed from a temporary copy;
    map that copy back to the file being processed."""
    m = SMALL.match(os.path.basename(f))
    if m and m.group(1) in LAST_BY_BASE:
        return LAST_BY_BASE[m.group(1)]
    LAST_BY_BASE[os.path.basename(f)] = f
    return f


CURRENT = [None]


def facts(p):
    f = orig_file(p[0].file)
    CURRENT[0] = f
    if f not in FACTS:
        FACTS[f] = FileFacts()
        FACTS[f].gen = GEN[0]
    return FACTS[f]


# One spatch process handles many groups one after the other (make
# coccicheck, --file-groups, each --jobs worker): the facts of the files
# of earlier groups must not join the current group (their patches are
# already out).  Within a group every fact rule runs before any verdict
# is asked for, so a fact that arrives after a verdict starts a group.
GEN = [0]
PHASE = ["facts"]


def sink(p):
    """facts(p), for the fact rules."""
    if PHASE[0] != "facts":
        GEN[0] += 1
        PHASE[0] = "facts"
    F = facts(p)
    if F.gen != GEN[0]:
        FACTS[CURRENT[0]] = F = FileFacts()
        F.gen = GEN[0]
    return F


def pos(p):
    return (int(p[0].line), int(p[0].column))


def _strip_parens(t):
    while len(t) >= 2 and t[0] == "(":
        depth = 0
        for i, x in enumerate(t):
            if x == "(":
                depth += 1
            elif x == ")":
                depth -= 1
                if depth == 0:
                    break
        if i == len(t) - 1:
            t = t[1:-1]
            continue
        inner = t[1:i]
        if inner and (inner[-1] == "*" or inner[0] in ("struct", "const",
                                                        "void", "unsigned")):
            if "page" not in inner:
                return []       # a cast to something else than pages
            t = t[i + 1:]       # a cast
            continue
        break
    return t


def key_of(expr, fn):
    """Storage key of a page expression: ('L', fn, var) or ('F', field)."""
    t = str(expr).split()
    for _ in range(8):
        t = _strip_parens(t)
        while t and t[0] in ("&", "*", "++", "--"):
            t = t[1:]
        # sg_set_page(sg++, ...): the storage is sg
        while t and t[-1] in ("++", "--"):
            t = t[:-1]
        if not t:
            return None
        # drop a top level "+ off" / "- off"
        depth = 0
        for i, x in enumerate(t):
            if x in ("(", "["):
                depth += 1
            elif x in (")", "]"):
                depth -= 1
            elif depth == 0 and i > 0 and x in ("+", "-"):
                t = t[:i]
                break
        # drop trailing [idx]
        while t and t[-1] == "]":
            depth = 0
            for i in range(len(t) - 1, -1, -1):
                if t[i] == "]":
                    depth += 1
                elif t[i] == "[":
                    depth -= 1
                    if depth == 0:
                        break
            t = t[:i]
        if t and t[0] in ("(", "&", "*"):
            continue
        break
    if len(t) == 1 and IDENT.match(t[0]):
        if t[0] in ("NULL", "true", "false"):
            return None
        return ("L", fn, t[0])
    if len(t) >= 3 and t[-2] in ("->", ".") and IDENT.match(t[-1]):
        st = _type_of(t[:-2], fn)
        if st:
            return ("F", t[-1], st)
        return ("F", t[-1])
    return None


# Typed fields: "map->pages" and "batch->pages" are different storage when
# map and batch are of different struct types.  _TYPES holds the current
# file's variable types (from its declarations) and struct field types
# (from the struct definitions in the file and the headers beside it).  A
# field access whose struct is not known stays untyped and is joined with
# every typed access of the same field name (so nothing is lost).
_TYPES = [{}, {}]


def _strip_index(t):
    while t and t[-1] == "]":
        depth = 0
        for i in range(len(t) - 1, -1, -1):
            if t[i] == "]":
                depth += 1
            elif t[i] == "[":
                depth -= 1
                if depth == 0:
                    break
        t = t[:i]
    return t


def _type_of(t, fn):
    t = _strip_index(t)
    if len(t) == 1 and IDENT.match(t[0]):
        return _TYPES[0].get((fn, t[0]))
    if len(t) >= 3 and t[-2] in ("->", ".") and IDENT.match(t[-1]):
        base = _type_of(t[:-2], fn)
        if base:
            return _TYPES[1].get(base, {}).get(t[-1])
    return None


_SFIELDS = {}
SFIELD_RX = re.compile(r"\bstruct\s+(\w+)\s*\**\s*(\w+)\s*(?:\[[^\]]*\]\s*)*;")
ANON_RX = re.compile(r"\b(?:struct|union)\s*\{([^{}]*)\}\s*(\w+)\s*"
                     r"(?:\[[^\]]*\]\s*)*;")


def struct_fields(path):
    """struct name -> {field: struct type of the field} for the structs
    defined in this file and the headers of its directory."""
    d = os.path.dirname(os.path.abspath(path))
    if (d, path) in _SFIELDS:
        return _SFIELDS[(d, path)]
    out = {}
    names = [path]
    try:
        names += [os.path.join(d, n) for n in sorted(os.listdir(d))
                  if n.endswith(".h")]
    except OSError:
        pass
    for f in names:
        try:
            with open(f, errors="replace") as fh:
                text = fh.read()
        except OSError:
            continue
        for m in re.finditer(r"\bstruct\s+(\w+)\s*\{((?:[^{}]|\{[^{}]*\})*)\}",
                             text):
            fl = out.setdefault(m.group(1), {})
            body = m.group(2)
            # a member of anonymous struct type ("struct { ... } page[];"):
            # its type is named "outer::member"
            for am in ANON_RX.finditer(body):
                anon = "%s::%s" % (m.group(1), am.group(2))
                fl[am.group(2)] = anon
                al = out.setdefault(anon, {})
                for fm in SFIELD_RX.finditer(am.group(1)):
                    al[fm.group(2)] = fm.group(1)
            for fm in SFIELD_RX.finditer(ANON_RX.sub(" ", body)):
                fl[fm.group(2)] = fm.group(1)
    _SFIELDS[(d, path)] = out
    return out


def set_types(path, F):
    _TYPES[0] = F.vtypes
    _TYPES[1] = struct_fields(path)


def call_name(expr):
    t = str(expr).split()
    t = _strip_parens(t)
    if len(t) >= 3 and IDENT.match(t[0]) and t[1] == "(" and t[-1] == ")":
        return t[0]
    return None


class UF:
    def __init__(self):
        self.par = {}

    def find(self, k):
        if k is None:
            return None
        self.par.setdefault(k, k)
        while self.par[k] != k:
            self.par[k] = self.par[self.par[k]]
            k = self.par[k]
        return k

    def union(self, a, b):
        if a is None or b is None:
            return
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.par[ra] = rb


_XFILE_CACHE = {}


COMMENT_RX = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)


def _other_struct(text, start, structs):
    """True when the ->field access ending at text[start] is on a variable
    declared in this file as a struct pointer or struct that is not one of
    structs (the field of another struct of the same name)."""
    m = re.search(r"(?<![\w>.])(\w+)\s*$", text[max(0, start - 80):start])
    if not m:
        return False        # a member of a member, a call, a cast: unknown
    types = set(re.findall(r"\bstruct\s+(\w+)\s*(?:\*\s*(?:const\s+)?)*"
                           r"%s\s*[;,)=\[]" % re.escape(m.group(1)), text))
    return bool(types) and not (types & structs)


def field_used_elsewhere(path, field, structs=None):
    """Other .c/.h files in the same directory that access ->field/.field.
    With structs (the struct types the field is known to belong to), an
    access on a variable declared with another struct type is not a use."""
    d = os.path.dirname(os.path.abspath(path))
    key = (d, field, os.path.basename(path),
           tuple(sorted(structs)) if structs else None)
    if key in _XFILE_CACHE:
        return _XFILE_CACHE[key]
    rx = re.compile(r"(->|\.)\s*" + re.escape(field) + r"\b")
    hits = []
    try:
        names = sorted(os.listdir(d))
    except OSError:
        names = []
    for n in names:
        if not (n.endswith(".c") or n.endswith(".h")):
            continue
        full = os.path.join(d, n)
        if os.path.abspath(full) == os.path.abspath(path):
            continue
        try:
            with open(full, errors="replace") as fh:
                text = COMMENT_RX.sub(" ", fh.read())
        except OSError:
            continue
        for m in rx.finditer(text):
            if not (structs and _other_struct(text, m.start(), structs)):
                hits.append(n)
                break
    _XFILE_CACHE[key] = hits
    return hits


_LOCAL_FIELDS = {}
STRUCT_RX = re.compile(r"\bstruct\s+\w+\s*\{((?:[^{}]|\{[^{}]*\})*)\}", re.S)
FIELD_RX = re.compile(r"(\w+)\s*(?:\[[^\]]*\]\s*)*(?::\s*\d+\s*)?;")


def local_fields(path):
    """Field names of the structs defined in this file: other files cannot
    reach them, so they need no look at the rest of the directory."""
    if path not in _LOCAL_FIELDS:
        names = set()
        try:
            with open(path, errors="replace") as fh:
                text = fh.read()
        except OSError:
            text = ""
        if path.endswith(".c"):
            for m in STRUCT_RX.finditer(text):
                names.update(FIELD_RX.findall(m.group(1)))
        _LOCAL_FIELDS[path] = names
    return _LOCAL_FIELDS[path]


# ---- tree-wide facts: what a function of another file does with the
# struct page * / struct page ** it is given.
#
# A first pass indexes, per file, the function definitions that take a
# struct page pointer and every function-like macro, in the tree's include/
# and arch/x86/include/, mm/, lib/ and the directory of the file being
# converted with its parent (a driver's own helpers).  The index is cached
# (GUP_FACTS_CACHE, default ~/.cache/cocci-gup-facts/) and refreshed
# incrementally: only files whose size or mtime changed are read again.
# tree_facts(name, idx) then reads the body of the definition and answers
#   ("reads", ...)    it only looks at the pages or passes them to
#                     functions that only read them (NEVER_RELEASE ...)
#   ("releases", why) it drops a reference (DROPS), maybe through a callee
#   ("stores", why)   it keeps the pointer beyond the call (assigns it to
#                     a field, a global or returns it)
#   ("unknown", why)  no definition found, or too deep: the unknown is named
FACTS_VERSION = 2
DEF_RX = re.compile(
    r"^(?:[A-Za-z_][\w \t\*]*?[\s\*])?(\w+)\s*\(([^;{}()]*(?:\([^;{}()]*\)"
    r"[^;{}()]*)*)\)\s*(?:__\w+\s*)*\{", re.M)
MACRO_RX = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)\(([^)]*)\)", re.M)
CALL_RX = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
NOT_CALLS = {"if", "while", "for", "switch", "return", "sizeof", "typeof",
             "__typeof__", "do", "defined", "__builtin_expect",
             "__builtin_constant_p", "offsetof", "container_of"}
_TREE = {}
# logging and tracing print or record the pointer, never release it
LOG_RX = re.compile(r"^(_?printk\w*|no_printk|pr_\w+|dev_(err|warn|info|dbg|"
                    r"notice|crit|alert|emerg|printk)\w*|netdev_(err|warn|"
                    r"info|dbg)\w*|trace_\w+|WARN\w*|BUG\w*)$")
# page flag tests and setters, generated by the PAGEFLAG()/FOLIO_FLAG()
# macros of page-flags.h (so never found by name): they never release.
PAGEFLAG_RX = re.compile(r"^(__)?(Page|SetPage|ClearPage|TestSetPage|"
                         r"TestClearPage|folio_test_|folio_set_|"
                         r"folio_clear_|__folio_set_|__folio_clear_)[A-Za-z]")


def tree_root(path):
    d = os.path.dirname(os.path.abspath(path))
    while d and d != "/":
        if os.path.isdir(os.path.join(d, "include", "linux")):
            return d
        d = os.path.dirname(d)
    return None


def _scope(root, path):
    dirs = [("include", True), (os.path.join("arch", "x86", "include"), True),
            ("mm", False), ("lib", False)]
    rel = os.path.relpath(os.path.dirname(os.path.abspath(path)), root)
    if not rel.startswith(".."):
        dirs.append((rel, False))
        parent = os.path.dirname(rel)
        if parent and parent not in ("drivers", "fs", "arch", "."):
            dirs.append((parent, False))
    return dirs


def _ret_type(text, m):
    """The return type of the definition DEF_RX matched at m (it may be on
    the lines before the name), comments left out."""
    head = COMMENT_RX.sub(" ", text[max(0, m.start(1) - 300):m.start(1)])
    return re.split(r"[;}]|^\s*#.*$", head, flags=re.M)[-1]


def _scan(text):
    out = []
    for m in DEF_RX.finditer(text):
        if m.group(1) in NOT_CALLS or ("page" not in m.group(2) and
                                        "folio" not in m.group(2) and
                                        not PAGE_TYPE_RX.search(
                                            _ret_type(text, m))):
            continue
        out.append((m.group(1), "f", m.start()))
    for m in MACRO_RX.finditer(text):
        out.append((m.group(1), "m", m.start()))
    return out


def _index(root, path):
    import json
    cache_dir = os.environ.get("GUP_FACTS_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "cocci-gup-facts")
    key = re.sub(r"\W", "_", root.strip("/")) or "root"
    cfile = os.path.join(cache_dir, key + ".json")
    if root in _TREE:
        idx = _TREE[root]
    else:
        idx = {"version": FACTS_VERSION, "files": {}}
        try:
            with open(cfile) as fh:
                old = json.load(fh)
            if old.get("version") == FACTS_VERSION:
                idx = old
        except (OSError, ValueError):
            pass
        _TREE[root] = idx
        idx["dirty"] = False
        idx["names"] = None
    files = idx["files"]
    for (d, rec) in _scope(root, path):
        if ("scanned", d) in idx:
            continue
        idx[("scanned", d)] = True
        top = os.path.join(root, d)
        walk = os.walk(top) if rec else [(top, [], os.listdir(top)
                                          if os.path.isdir(top) else [])]
        for (dp, _, names) in walk:
            for n in names:
                if not n.endswith((".c", ".h")):
                    continue
                full = os.path.join(dp, n)
                rel = os.path.relpath(full, root)
                try:
                    st = os.stat(full)
                except OSError:
                    continue
                stamp = [int(st.st_mtime), st.st_size]
                if rel in files and files[rel][0] == stamp:
                    continue
                try:
                    with open(full, errors="replace") as fh:
                        text = fh.read()
                except OSError:
                    continue
                files[rel] = [stamp, _scan(text)]
                idx["dirty"] = True
                idx["names"] = None
    if idx["dirty"]:
        try:
            os.makedirs(cache_dir, exist_ok=True)
            tmpf = "%s.%d" % (cfile, os.getpid())
            with open(tmpf, "w") as fh:
                # "root" first: _prune() reads it from the file's head
                json.dump({"version": FACTS_VERSION, "root": root,
                           "files": files}, fh)
            os.rename(tmpf, cfile)
        except OSError:
            pass
        idx["dirty"] = False
        _prune(cache_dir, cfile)
    # Only the definitions in this file's scope count: the cache of the
    # tree also holds the files other runs scanned (other drivers'
    # directories), and a name found there would make the facts depend on
    # what ran before (a function unknown here could read as "reads").
    scope = tuple(_scope(root, path))
    if idx["names"] is None:
        idx["by_scope"] = {}
    if scope not in idx["by_scope"]:
        names = {}
        for rel, (stamp, ents) in files.items():
            d = os.path.dirname(rel) or "."
            if not any(d == sd or rec and d.startswith(sd + "/")
                       for (sd, rec) in scope):
                continue
            for (name, kind, off) in ents:
                names.setdefault(name, []).append((rel, kind, off))
        idx["by_scope"][scope] = names
    idx["names"] = idx["by_scope"][scope]
    return idx


# One cache file per tree; the trees of throwaway runs (ci/cocci-recall.sh
# writes its own in a temporary directory each time) would leave theirs
# behind. Each write removes the other files of the cache whose tree is
# gone (or that do not say which tree they were for: an older format),
# and temporary files a killed run left, once they are an hour old.
PRUNE_AGE = 3600
ROOT_RX = re.compile(r'"root": "((?:[^"\\]|\\.)*)"')


def _prune(cache_dir, keep):
    import json
    import time
    now = time.time()
    try:
        names = os.listdir(cache_dir)
    except OSError:
        return
    for n in names:
        f = os.path.join(cache_dir, n)
        if f == keep or ".json" not in n:
            continue
        try:
            if now - os.stat(f).st_mtime < PRUNE_AGE:
                continue
            if n.endswith(".json"):
                with open(f, errors="replace") as fh:
                    m = ROOT_RX.search(fh.read(4096))
                if m and os.path.isdir(os.path.join(
                        json.loads('"%s"' % m.group(1)), "include", "linux")):
                    continue
            os.unlink(f)
        except (OSError, ValueError):
            pass


def _split_args(text, start):
    """Arguments of the call whose '(' is at text[start]; end offset."""
    depth = 0
    args = []
    cur = start + 1
    i = start
    while i < len(text):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                args.append(text[cur:i])
                return args, i
        elif c == "," and depth == 1:
            args.append(text[cur:i])
            cur = i + 1
        i += 1
    return args, len(text)


_TEXT = {}


def _def_body(root, rel, kind, off):
    full = os.path.join(root, rel)
    if full not in _TEXT:
        try:
            with open(full, errors="replace") as fh:
                _TEXT[full] = fh.read()
        except OSError:
            _TEXT[full] = ""
    text = _TEXT[full]
    if kind == "m":
        m = MACRO_RX.match(text, off)
        if not m:
            return None, None
        params = [x.strip() for x in m.group(2).split(",")]
        end = m.end()
        while True:
            nl = text.find("\n", end)
            if nl < 0:
                nl = len(text)
            if text[end:nl].rstrip().endswith(chr(92)):   # backslash
                end = nl + 1
                continue
            break
        return params, text[m.end():nl]
    m = DEF_RX.match(text, off)
    if not m:
        return None, None
    params = [x.strip() for x in
              _split_args("(" + m.group(2) + ")", 0)[0]]
    depth = 0
    i = m.end() - 1
    while i < len(text):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                break
        i += 1
    return params, text[m.end():i]


_ACCESSOR = {}
RETURN_RX = re.compile(r"\breturn\b([^;]*);")
FIELD_RET_RX = re.compile(r"^(?:\(\s*(?:const\s+)?struct\s+page\s*\*+\s*\)"
                          r"\s*)?\(?\s*(\w+)\s*(->|\.)\s*(\w+)\s*\)?$")


def tree_accessor(path, name):
    """(argument index, "->field") when name is a function of the tree
    around path that returns a struct page pointer which is a field of
    one of its parameters, and nothing else but errors: the pages that
    "pages = frame_vector_pages(vec)" gives are those of vec->ptrs.
    None otherwise, or when the function drops a page reference."""
    root = tree_root(path)
    if root is None:
        return None
    key = (root, os.path.dirname(os.path.abspath(path)), name)
    if key in _ACCESSOR:
        return _ACCESSOR[key]
    res = None
    defs = _index(root, path)["names"].get(name, [])
    if defs and all(kind == "f" for (_, kind, _) in defs):
        found = set()
        for (rel, kind, off) in defs:
            params, body = _def_body(root, rel, kind, off)
            m = DEF_RX.match(_TEXT.get(os.path.join(root, rel), ""), off)
            if params is None or m is None or not PAGE_TYPE_RX.search(
                    _ret_type(_TEXT[os.path.join(root, rel)], m)):
                found.add(None)
                continue
            body = COMMENT_RX.sub(" ", body)
            pnames = [(re.search(r"(\w+)\s*$", x) or re.search("", "")
                       ).group(0) for x in params]
            if any(c in DROPS for c in CALL_RX.findall(body)):
                found.add(None)
                continue
            for r in RETURN_RX.finditer(body):
                e = " ".join(r.group(1).split())
                fm = FIELD_RET_RX.match(e)
                if fm and fm.group(1) in pnames:
                    found.add((pnames.index(fm.group(1)), fm.group(2),
                               fm.group(3)))
                elif not re.match(r"^(?:ERR_PTR\s*\(.*\)|NULL)$", e):
                    found.add(None)
        if len(found) == 1 and None not in found:
            res = found.pop()
    _ACCESSOR[key] = res
    return res


def accessor_key(path, rhs, fn):
    """The storage key of the field that the accessor call rhs returns."""
    cn = call_name(rhs)
    if cn is None:
        return None
    acc = tree_accessor(path, cn)
    if acc is None:
        return None
    t = " ".join(str(rhs).split())
    args, _ = _split_args(t, t.index("("))
    if acc[0] >= len(args):
        return None
    return key_of("%s %s %s" % (args[acc[0]].strip(), acc[1], acc[2]), fn)


# calls whose value is the pointer they are given, in another type
SAME_POINTER = {"page_folio", "compound_head", "folio_page", "sg_page",
                "virt_to_page", "pfn_to_page", "nth_page", "folio_file_page"}


def _is_function(path, name):
    """name is defined in the tree around path, and only as functions
    (not as a macro, which may expand to its argument)."""
    root = tree_root(path)
    if root is None:
        return False
    defs = _index(root, path)["names"].get(name, [])
    return bool(defs) and all(kind == "f" for (_, kind, _) in defs)


_RANK = {"reads": 0, "unknown": 1, "stores": 2, "releases": 3}
_FACT_MEMO = {}


def tree_facts(path, name, idx, depth=0, seen=None):
    """What function or macro `name` does with its argument `idx`."""
    if name in GET_REFS:
        return ("stores", "%s(), which takes a reference of its own" % name)
    if name in NEVER_RELEASE or name in NONGUP_PRODUCERS or \
       name in ARRAY_ALLOCS or name in ITER_NAMES:
        return ("reads", "")
    if name in DROPS:
        return ("releases", "%s()" % name)
    if PAGEFLAG_RX.match(name) or LOG_RX.match(name):
        return ("reads", "")
    root = tree_root(path)
    if root is None:
        return ("unknown", "%s(), not defined in this file (no kernel tree "
                "around it to look in)" % name)
    key = (root, os.path.dirname(os.path.abspath(path)), name, idx)
    if key in _FACT_MEMO:
        return _FACT_MEMO[key]
    seen = set(seen or ())
    if (name, idx) in seen:
        return ("reads", "")
    seen.add((name, idx))
    if depth > 5:
        return ("unknown", "%s(), too deep to follow" % name)
    defs = _index(root, path)["names"].get(name, [])
    if not defs:
        res = ("unknown", "%s(), whose definition is not in %s" % (
            name, ", ".join(
                (d if d != "." else "this directory") + ("/" if r else "")
                for (d, r) in _scope(root, path))))
        _FACT_MEMO[key] = res
        return res
    worst = ("reads", "")
    for (rel, kind, off) in defs:
        params, body = _def_body(root, rel, kind, off)
        if params is None:
            continue
        res = _param_facts(path, name, rel, kind, params, body, idx, depth,
                           seen)
        if _RANK[res[0]] > _RANK[worst[0]]:
            worst = res
    _FACT_MEMO[key] = worst
    return worst


# "folio_batch_add(&fbatch, folio)" stores the folio in a batch; when the
# same function gives the batch to a call that drops the references it
# holds (drm_gem_put_pages(): drm_gem_check_release_batch(&fbatch), then
# __folio_batch_release() -> folios_put()), the folio is released, not kept.
BATCH_ADD = {"folio_batch_add"}
BATCH_OWN = {"folio_batch_add", "folio_batch_init", "folio_batch_count",
             "folio_batch_space", "folio_batch_reinit"}


def _batch_release(path, body, batch, depth, seen):
    """The call of body that releases the folios of batch (the first
    argument of folio_batch_add(), "&fbatch"), or None."""
    b = batch.strip().lstrip("&").strip()
    if not IDENT.match(b):
        return None
    rx = re.compile(r"^&?\s*%s$" % re.escape(b))
    for m in CALL_RX.finditer(body):
        callee = m.group(1)
        if callee in NOT_CALLS or callee in BATCH_OWN:
            continue
        args, _ = _split_args(body, m.end() - 1)
        for j, a in enumerate(args):
            if not rx.match(a.strip()):
                continue
            if callee in DROPS:
                return "%s()" % callee
            res = tree_facts(path, callee, j, depth + 1, seen)
            if res[0] == "releases":
                return res[1]
    return None


def _param_facts(path, name, rel, kind, params, body, idx, depth, seen):
    where = "%s() in %s" % (name, rel)
    if kind == "m":
        if idx < len(params) and params[idx] != "...":
            pname = params[idx]
            if pname.endswith("..."):
                pname = pname[:-3].strip()
        elif params and params[-1].endswith("..."):
            pname = params[-1][:-3].strip() or "__VA_ARGS__"
        else:
            return ("reads", "")
    else:
        if idx >= len(params):
            return ("reads", "")
        decl = params[idx]
        if "page" not in decl and "folio" not in decl and \
           "void" not in decl:
            return ("reads", "")        # not a page pointer parameter
        m = re.search(r"(\w+)\s*(?:\[[^]]*\]\s*)*$", decl)
        if not m:
            return ("reads", "")
        pname = m.group(1)
    # A local assigned from an expression of the pointer is the same pointer
    # (p = pages[i], folio = page_folio(p), ...) unless the expression is
    # a value computed from it (page_to_pfn(p), kmap(p), ...); a field,
    # array element or global assigned from it keeps it.
    names = [pname]
    stores = []
    if kind == "f":
        asg = list(re.finditer(r"(?:^|(?<=[;{}(,])|(?<=else))\s*"
                               r"((?:\w+|[\w\]\[)(>.-]+"
                               r"(?:->|\.|\[)[^=;]*?))\s*=(?!=)\s*([^;]*);",
                               body))
        # declarations with an initialiser: "struct page *p = pages[i];"
        asg += list(re.finditer(r"(?:^|(?<=[;{}(,]))\s*(?:(?:const|struct|"
                                r"union|unsigned|volatile|static)\s+)*\w+"
                                r"[\s*]+(\w+)\s*=(?!=)\s*([^;]*);", body))
        grow = True
        while grow:
            grow = False
            rx = re.compile(r"(?<![\w.>])(?:%s)\b" %
                            "|".join(re.escape(x) for x in names))
            for m in asg:
                lhs, rhs = m.group(1).strip(), m.group(2).strip()
                if not rx.search(rhs):
                    continue
                cm = re.match(r"^(?:\([^()]*\)\s*)?(\w+)\s*\(", rhs)
                if cm and cm.group(1) in NEVER_RELEASE and cm.group(1) not in \
                   ("page_folio", "compound_head", "folio_page", "sg_page"):
                    continue        # a value computed from the page
                if cm and cm.group(1) not in SAME_POINTER and \
                   _is_function(path, cm.group(1)):
                    # "rval = helper(dd, tx, page)": the return value of
                    # a function given the page is not the page; were
                    # it the page, the function returns it, and the
                    # call (read below) is a "stores" fact by itself
                    continue
                if IDENT.match(lhs):
                    if lhs not in names:
                        names.append(lhs)
                        grow = True
                elif m.group(0) not in stores:
                    stores.append(m.group(0))
    alt = "|".join(re.escape(x) for x in names)
    rx = re.compile(r"(?<![\w.>])(?:%s)\b" % alt)
    if not rx.search(body):
        return ("reads", "")
    worst = ("reads", "")
    for m in CALL_RX.finditer(body):
        callee = m.group(1)
        if callee in NOT_CALLS:
            continue
        args, _ = _split_args(body, m.end() - 1)
        for j, a in enumerate(args):
            if not rx.search(a):
                continue
            res = tree_facts(path, callee, j, depth + 1, seen)
            if res[0] == "reads":
                continue
            if callee in BATCH_ADD and j == 1:
                rel = _batch_release(path, body, args[0], depth, seen)
                if rel:
                    res = ("releases", "%s adds it to folio batch %s, "
                           "released by %s" % (where, args[0].strip(), rel))
                    worst = res
                    continue
            if callee in DROPS:
                res = ("releases", "%s calls %s()" % (where, callee))
            else:
                res = (res[0], "%s passes it to %s" % (where, res[1]))
            if _RANK[res[0]] > _RANK[worst[0]]:
                worst = res
    if kind == "f":
        for st in stores:
            res = ("stores", "%s stores it (%s)" % (
                where, " ".join(st.lstrip(";{}(,").split())))
            if _RANK[res[0]] > _RANK[worst[0]]:
                worst = res
        if re.search(r"\breturn\s+&?\s*(?:%s)\s*(?:\[[^]]*\])?\s*;" %
                     alt, body):
            res = ("stores", "%s returns it" % where)
            if _RANK[res[0]] > _RANK[worst[0]]:
                worst = res
    return worst


def keystr(k):
    if k[0] == "F":
        return "->" + k[1]
    return "%s() local %s" % (k[1], k[2])


def _lkey(v):
    v = str(v)
    return (0, int(v), "") if v.isdigit() else (1, 0, v)


_COMP = {}


def _storage_fields(G):
    """Field keys of the pages a file takes, releases or moves around."""
    out = set()
    for x in G.sources:
        out.add(key_of(x[2], x[3]))
    for x in G.releases:
        out.add(key_of(x[1], x[2]))
    out.discard(None)
    for x in G.assigns:         # one step: field = page, page = field
        kl, kr = key_of(x[0], x[2]), key_of(x[1], x[2])
        if kr in out and kl is not None:
            out.add(kl)
        elif kl in out and kr is not None:
            out.add(kr)
    return set(k for k in out if k[0] == "F")


def _component(path, same):
    """Files of the group that share page storage with path, transitively:
    a field of the same name (and struct, when both are typed) that both
    take, release or assign pages to, or a page array passed to a
    non-static function defined in the other.  Computed the same way from
    every member, so every member joins the same files."""
    key = tuple(same)
    if key not in _COMP:
        fields, defs, calls, pcalls, pdefs = {}, {}, {}, {}, {}
        for f in same:
            G = FACTS[f]
            _TYPES[0], _TYPES[1] = G.vtypes, struct_fields(f)
            fields[f] = _storage_fields(G)
            defs[f] = set(fn for fn in G.params if fn not in G.static_fns)
            page_keys = set(key_of(x[2], x[3]) for x in G.sources) | \
                set(key_of(x[1], x[2]) for x in G.releases)
            page_keys.discard(None)
            calls[f] = set(c[0] for c in G.calls
                           if key_of(c[2], c[3]) in page_keys)
            # any argument given to a struct page * parameter of a
            # non-static function of another file (in hfi1,
            # hfi1_acquire_user_pages() called from user_exp_rcv.c)
            # and only parameters that the function takes pages into or
            # releases (not every struct page ** of grant-table.c)
            # (a parameter handed to a static helper that releases it
            # counts: qib_release_user_pages())
            # and through plain assignments ("user->upages = out_pages +
            # off" makes iopt_area_add_access()'s out_pages, and so its
            # caller in device.c, part of iommufd's page storage)
            grow = True
            while grow:
                grow = False
                for c in G.calls:
                    if c[0] in G.params and ("L", c[0], G.params[c[0]].get(
                            c[1])) in page_keys:
                        k = key_of(c[2], c[3])
                        if k is not None and k not in page_keys:
                            page_keys.add(k)
                            grow = True
                for (lhs, rhs, fn, line) in G.assigns:
                    if call_name(rhs) is not None:
                        continue
                    kl, kr = key_of(lhs, fn), key_of(rhs, fn)
                    if kl is None or kr is None:
                        continue
                    if kl in page_keys and kr not in page_keys:
                        page_keys.add(kr)
                        grow = True
                    elif kr in page_keys and kl not in page_keys:
                        page_keys.add(kl)
                        grow = True
            pcalls[f] = set((c[0], c[1]) for c in G.calls)
            pdefs[f] = set((fn, i) for fn, ix in G.page_params.items()
                           if fn not in G.static_fns for i in ix
                           if ("L", fn, G.params[fn].get(i)) in page_keys)
        uf = UF()

        def share(a, b):
            for ka in fields[a]:
                for kb in fields[b]:
                    if ka[1] == kb[1] and (len(ka) == 2 or len(kb) == 2 or
                                           ka[2] == kb[2]):
                        return True
            return bool(calls[a] & defs[b]) or bool(calls[b] & defs[a]) \
                or bool(pcalls[a] & pdefs[b]) or bool(pcalls[b] & pdefs[a])
        for i, a in enumerate(same):
            uf.find(a)
            for b in same[i + 1:]:
                if share(a, b):
                    uf.union(a, b)
        _COMP[key] = dict((f, sorted(g for g in same
                                     if uf.find(g) == uf.find(f)))
                          for f in same)
    return _COMP[key].get(path, [path])


def joint_facts(path, F):
    """Cross-file conversion: when spatch is given several files of one
    directory as one group (spatch ... dir/a.c dir/b.c, or one group per
    directory in --file-groups), the facts of all of them are known before
    any site is judged.  Return F joined with the facts of the other files
    of its directory in the group, theirs renamed so nothing collides:
    function "b.c::fn", line "b.c:85".  Every file of the group computes
    the same join, so all of them reach the same verdict for a storage
    shared through a struct field or a non-static helper, and each file
    converts its own part of it in the same run."""
    d = os.path.dirname(os.path.abspath(path))
    same = [f for f in sorted(FACTS)
            if os.path.dirname(os.path.abspath(f)) == d and
            FACTS[f].gen == F.gen]
    comp = _component(path, same)
    others = [f for f in comp if f != path]
    if not others:
        return F, []
    J = FileFacts()
    # a call resolves the same way in every file's join: to the calling
    # file's own function of that name, else to the one non-static
    # function of that name in the group, else to nothing in the group
    members = [(None, F)] + [(os.path.basename(f), FACTS[f]) for f in others]
    nonstatic = {}
    for (tag, G) in members:
        for fn in G.params:
            if fn not in G.static_fns:
                nonstatic.setdefault(fn, []).append(tag)

    def joined(tag, fn):
        return fn if tag is None else "%s::%s" % (tag, fn)

    def callee_of(tag, G, callee):
        if callee in G.params:
            return joined(tag, callee)
        if len(nonstatic.get(callee, [])) == 1:
            return joined(nonstatic[callee][0], callee)
        return "?" + callee if callee in F.params else callee

    for (tag, G) in members:
        fn_ = (lambda fn: fn) if tag is None else \
            (lambda fn, t=tag: "%s::%s" % (t, fn))
        ln_ = (lambda ln: ln) if tag is None else \
            (lambda ln, t=tag: "%s:%s" % (t, ln))
        for x in G.sources:
            J.sources.append(x[:3] + (fn_(x[3]), ln_(x[4])) + x[5:])
        for x in G.releases:
            J.releases.append(x[:2] + (fn_(x[2]), ln_(x[3])) + x[4:])
        for x in G.assigns:
            J.assigns.append((x[0], x[1], fn_(x[2]), ln_(x[3])))
        for x in G.calls:
            J.calls.append((callee_of(tag, G, x[0]), x[1], x[2], fn_(x[3]),
                            ln_(x[4])))
        for x in G.returns:
            J.returns.append((x[0], fn_(x[1]), ln_(x[2])))
        for fn, ps in G.params.items():
            J.params[fn_(fn)] = ps
        J.static_fns |= set(fn_(fn) for fn in G.static_fns)
        for (fn, v), st in G.vtypes.items():
            J.vtypes[(fn_(fn), v)] = st
        J.longlived |= set((ln_(a), b) for (a, b) in G.longlived)
        J.loops.extend((fn_(x[0]), x[1], ln_(x[2]), x[3]) for x in G.loops)
    return J, [os.path.basename(f) for f in others]


_OUTSIDE = {}


def outside_callers(path, name, joined):
    """Why the callers of non-static function name (defined in path, or
    "b.c::fn" in file b.c of the group) may not all be seen, or None when
    they are: it is not exported, not declared in include/ or
    arch/x86/include/, its address is not taken in its directory, and
    every file of the directory that calls it is in the group (so each
    call joined the argument with the parameter).  A driver's
    non-exported function cannot be called from another module, and
    another directory would need a header of this one."""
    d = os.path.dirname(os.path.abspath(path))
    if "::" in name:
        tag, fn = name.split("::", 1)
        deff = os.path.join(d, tag)
    else:
        fn, deff = name, path
    group = set([os.path.basename(path)] + list(joined))
    key = (d, fn, tuple(sorted(group)))
    if key in _OUTSIDE:
        return _OUTSIDE[key]
    res = "callers elsewhere are not seen"
    root = tree_root(path)
    if root is None:
        _OUTSIDE[key] = res
        return res
    try:
        with open(deff, errors="replace") as fh:
            text = fh.read()
    except OSError:
        text = ""
    if re.search(r"\bEXPORT_SYMBOL\w*\s*\(\s*%s\s*\)" % re.escape(fn),
                 text):
        _OUTSIDE[key] = res + " (it is exported)"
        return _OUTSIDE[key]
    import subprocess
    incs = [x for x in ("include", os.path.join("arch", "x86", "include"))
            if os.path.isdir(os.path.join(root, x))]
    if incs:
        r = subprocess.run(["grep", "-rlw", "--include=*.h", fn] + incs,
                           cwd=root, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL,
                           universal_newlines=True)
        hdr = r.stdout.split()
        if hdr:
            _OUTSIDE[key] = res + " (declared in %s)" % hdr[0]
            return _OUTSIDE[key]
    rx = re.compile(r"\b%s\b" % re.escape(fn))
    for n in sorted(os.listdir(d)):
        if not n.endswith((".c", ".h")):
            continue
        try:
            with open(os.path.join(d, n), errors="replace") as fh:
                t = COMMENT_RX.sub(" ", fh.read())
        except OSError:
            continue
        for m in rx.finditer(t):
            if not re.match(r"\s*\(", t[m.end():]):
                _OUTSIDE[key] = "its address is taken in %s" % n
                return _OUTSIDE[key]
            if n.endswith(".c") and n not in group:
                _OUTSIDE[key] = ("it is called from %s, which is not in "
                                 "this run (give spatch the directory's "
                                 "files as one group)" % n)
                return _OUTSIDE[key]
    _OUTSIDE[key] = None
    return None


# Pages kept as their pfn or in a scatterlist entry: "pfns[i] =
# page_to_pfn(pages[i])" ... "put_page(pfn_to_page(pfns[i]))" (vmwgfx), or
# "sg_set_page(&e->mem, pages[0], ...)" ... "put_page(sg_page(&e->mem))"
# (mthca, usnic).  The storage of the pfn or of the scatterlist is linked
# to the pages stored in it, and pfn_to_page()/sg_page() of that storage
# is those pages again.  Only then: pfn_to_page() of anything else stays a
# page of another origin, sg_page() of anything else stays unknown.
TO_VALUE = {"page_to_pfn": "N"}
FROM_VALUE = {"pfn_to_page": "N", "sg_page": "S"}
SG_SETTERS = {"sg_set_page", "sg_assign_page"}
# what may be done with such storage without losing or dropping the pages
VALUE_USERS = {
    "N": {"pfn_to_page", "ARRAY_SIZE", "sizeof", "memset", "kfree",
          "kvfree", "vfree"},
    "S": {"sg_page", "sg_set_page", "sg_assign_page", "sg_init_table",
          "sg_init_marker", "sg_mark_end", "sg_unmark_end", "sg_dma_address",
          "sg_dma_len", "sg_phys", "sg_virt", "sg_next", "sg_nents",
          "sg_is_last", "dma_map_sg", "dma_unmap_sg", "dma_map_sg_attrs",
          "dma_unmap_sg_attrs", "dma_map_sgtable", "dma_unmap_sgtable",
          "dma_sync_sg_for_cpu", "dma_sync_sg_for_device", "ib_dma_map_sg",
          "ib_dma_unmap_sg", "ARRAY_SIZE", "sizeof", "memset", "kfree",
          "kvfree", "vfree"},
}
VALUE_NAME = {"N": "pfns", "S": "scatterlist entries"}
# A pfn made into an address: f(PFN_PHYS(pfn)) hands the pfn to f, which
# is where it goes (vhost vdpa.c: vhost_vdpa_map(..., PFN_PHYS(map_pfn))
# keeps it in the IOTLB); the conversion itself keeps nothing.
PFN_TO_ADDR = {"PFN_PHYS", "__pfn_to_phys", "pfn_to_phys"}
CONST_RX = re.compile(r"^(?:-?\s*\d\w*|~\s*0\w*|[A-Z][A-Z0-9_]*|NULL)$")


def _call_arg(expr):
    """(name, its only argument) of a call expression, else (None, None)."""
    t = _strip_parens(str(expr).split())
    if len(t) >= 4 and IDENT.match(t[0]) and t[1] == "(" and t[-1] == ")":
        args, end = _split_args(" ".join(t[1:]), 0)
        if end == len(" ".join(t[1:])) - 1 and len(args) == 1:
            return t[0], args[0].strip()
    return None, None


def _strip_calls(text, names):
    """text without the calls to names (each is checked as a call)."""
    while True:
        m = None
        for m in re.finditer(r"\b(\w+)\s*\(", text):
            if m.group(1) in names:
                break
        else:
            return text
        if m is None:
            return text
        _, end = _split_args(text, m.end() - 1)
        text = text[:m.start()] + " 0 " + text[end + 1:]


def _mentions(text, k, fn, kind=None):
    """Does the expression text name the storage key k (of function fn)?
    With kind, the calls that may be given such storage do not count."""
    if k is None:
        return False
    if kind is not None:
        text = _strip_calls(text, VALUE_USERS[kind] | set(FROM_VALUE))
    if k[0] == "L":
        return k[1] == fn and re.search(
            r"(?<![\w.>])%s\b" % re.escape(k[2]), text) is not None
    if k[0] == "F":
        return re.search(r"(?:->|\.)\s*%s\b" % re.escape(k[1]),
                         text) is not None
    return False


def _link_storage(F, uf, keys):
    """Link pfn and scatterlist storage to the pages kept in it (see
    above); union the pages of one storage, and the locals assigned from
    pfn_to_page()/sg_page() of it, with them.  Returns {(kind, root of
    the storage): {"page": a page key, "keys": the storage's keys,
    "bad": reasons}}, empty when nothing is linked."""
    links = {}
    for (lhs, rhs, fn, line) in F.assigns:
        cn, arg = _call_arg(rhs)
        if cn in TO_VALUE:
            kl, kp = key_of(lhs, fn), key_of(arg, fn)
            if kl is not None and kp is not None:
                links.setdefault((TO_VALUE[cn], uf.find(kl)), []).append(kp)
    sets = {}
    for (callee, idx, arg, fn, line) in F.calls:
        if callee in SG_SETTERS and idx in (0, 1):
            sets.setdefault((callee, fn, line), {}).setdefault(
                idx, []).append(key_of(arg, fn))
    for v in sets.values():
        for ks in v.get(0, []):
            for kp in v.get(1, []):
                if ks is not None and kp is not None:
                    links.setdefault(("S", uf.find(ks)), []).append(kp)
    # only storage that pages are taken back from is linked: sg entries
    # only handed to the DMA API (ivtv) keep their pages apart
    used = set((FROM_VALUE[c[0]], uf.find(key_of(c[2], c[3])))
               for c in F.calls if c[0] in FROM_VALUE and c[1] == 0)
    links = dict((k, v) for k, v in links.items() if k in used)
    if not links:
        return {}
    alias = {}
    for (kind, root), pages in links.items():
        for kp in pages[1:]:
            uf.union(pages[0], kp)
        alias[(kind, root)] = {"page": pages[0], "bad": [], "keys": set(
            k for k in keys if k is not None and uf.find(k) == root and
            not (k[0] == "L" and CONST_RX.match(k[2])))}
        if not (root[0] == "L" and CONST_RX.match(root[2])):
            alias[(kind, root)]["keys"].add(root)

    def linked(expr, fn):
        cn, arg = _call_arg(expr)
        if cn in FROM_VALUE:
            a = alias.get((FROM_VALUE[cn], uf.find(key_of(arg, fn))))
            if a is not None and key_of(arg, fn) is not None:
                return a["page"]
        return None
    for (lhs, rhs, fn, line) in F.assigns:
        kp = linked(rhs, fn)
        if kp is not None:
            uf.union(key_of(lhs, fn), kp)
    # what else is done with the storage: written from something else,
    # passed to a function that is not known to leave it alone, or a
    # value computed from it kept elsewhere
    for (kind, root), a in alias.items():
        what = VALUE_NAME[kind]
        names = ", ".join(sorted(set(keystr(k) for k in a["keys"]
                                     if k[0] in "LF")))
        for (lhs, rhs, fn, line) in F.assigns:
            kl, kr = key_of(lhs, fn), key_of(rhs, fn)
            cn, arg = _call_arg(rhs)
            if kl is not None and uf.find(kl) == root:
                if (cn in TO_VALUE and TO_VALUE[cn] == kind and
                    key_of(arg, fn) is not None) or \
                   (kr is not None and uf.find(kr) == root) or \
                   CONST_RX.match(" ".join(str(rhs).split())):
                    continue
                a["bad"].append("the %s of the pages are kept in %s, which "
                                "also holds '%s' (line %s)" % (
                                    what, names, " ".join(str(rhs).split()),
                                    line))
            elif call_name(rhs) is None and \
                    any(_mentions(str(rhs), k, fn, kind) for k in a["keys"]):
                a["bad"].append("the %s of the pages (%s) are copied to '%s' "
                                "at line %s" % (what, names, lhs.strip(),
                                                line))
            elif kind == "N" and cn in PFN_TO_ADDR and \
                    any(_mentions(arg, k, fn, kind) for k in a["keys"]):
                a["bad"].append("the %s of the pages (%s) are copied to '%s' "
                                "at line %s through %s()" % (
                                    what, names, lhs.strip(), line, cn))
        via = {}
        for (callee, idx, arg, fn, line) in F.calls:
            if callee in VALUE_USERS[kind] or callee in PUT_RELEASES or \
               callee in UNPIN_RELEASES or callee in FROM_VALUE or \
               callee in NEVER_RELEASE and kind == "N" or \
               callee in PFN_TO_ADDR and kind == "N":
                continue
            cn, inner = _call_arg(arg)
            if kind == "N" and cn in PFN_TO_ADDR and \
               any(_mentions(inner, x, fn, kind) for x in a["keys"]):
                # f(PFN_PHYS(pfn)): the pfns go to f
                via.setdefault((callee, line), []).append(
                    " ".join(str(arg).split()))
                continue
            k = key_of(arg, fn)
            if k is not None and uf.find(k) == root:
                if callee in F.params:
                    continue    # followed through the parameter
            elif k is not None:
                # other storage, unless a local of ours is in the
                # expression ("a + pfn"); a field of the same name may
                # be of another struct: a typed key said it is not ours
                if not any(_mentions(arg, x, fn) for x in a["keys"]
                           if x[0] == "L"):
                    continue
            elif call_name(arg) is not None or \
                    not any(_mentions(arg, x, fn, kind) for x in a["keys"]):
                continue        # f(g(x)): g(x) is checked as a call
            a["bad"].append("the %s of the pages (%s) are passed to %s() "
                            "at line %s" % (what, names, callee, line))
        for (callee, line), args in sorted(via.items(),
                                           key=lambda x: _lkey(x[0][1])):
            a["bad"].append("the %s of the pages (%s) are passed to %s() at "
                            "line %s as %s: not followed into %s()" % (
                                what, names, callee, line,
                                ", ".join(sorted(set(args))), callee))
        for (expr, fn, line) in F.returns:
            cn, arg = _call_arg(expr)
            if kind == "N" and cn in PFN_TO_ADDR:
                expr = arg      # return PFN_PHYS(pfn): the pfn returned
            if (call_name(expr) is None or cn in PFN_TO_ADDR) and \
               any(_mentions(expr, x, fn) for x in a["keys"]):
                a["bad"].append("the %s of the pages (%s) are returned by "
                                "%s() at line %s" % (what, names, fn, line))
    return {"alias": alias, "linked": linked}


def alloc_helpers(F):
    """Functions of the file that allocate an array: at least one value
    they return is a call of ARRAY_ALLOCS or a local assigned only from
    such calls, and every other is NULL or one of their parameters that
    they write nothing into (iommufd's temp_kmalloc() returns kmalloc()
    memory or the caller's backup array).  A function that returns the
    array it was given after filling it (iommufd's raw_pages_from_domain()
    stores pfn_to_page() pages through "*(out_pages++) = ...") is not one:
    its value stays a source of pages of its own.
    {name: indexes of the parameters it may return}."""
    out = {}
    rets = {}
    for (expr, fn, line) in F.returns:
        rets.setdefault(fn, []).append(" ".join(str(expr).split()))
    for fn, exprs in rets.items():
        params = F.params.get(fn, {})
        pidx = dict((v, k) for k, v in params.items())
        back = set()
        good = True
        alloc = False
        for e in exprs:
            if e in ("NULL", "0"):
                continue
            if call_name(e) in ARRAY_ALLOCS:
                alloc = True
                continue
            if e in pidx:
                if any(re.search(r"(?<![\w.>])%s\b" % re.escape(e), str(lv))
                       for (lv, r, f, _) in F.assigns if f == fn):
                    good = False
                    break
                back.add(pidx[e])
                continue
            if IDENT.match(e):
                srcs = [" ".join(str(r).split()) for (lv, r, f, _)
                        in F.assigns if f == fn and str(lv).strip() == e]
                if srcs and all(x in ("NULL", "0") or
                                call_name(x) in ARRAY_ALLOCS for x in srcs):
                    alloc = True
                    continue
            good = False
            break
        if good and alloc:
            out[fn] = sorted(back)
    return out


ADDR_RX = re.compile(r"\b(page_address|page_to_phys|page_to_virt|"
                     r"lowmem_page_address|page_to_pfn)\s*\(\s*"
                     r"([^()]*(?:\([^()]*\)[^()]*)*)\)")


def _addr_escape(F, keys):
    """When no release is found: where the address of the pages is kept
    instead (spapr tce: "*hpa = __pa(page_address(page))", given back
    to the device's table and released from there), for the reason."""
    out = []
    for (lhs, rhs, fn, line) in F.assigns:
        for m in ADDR_RX.finditer(" ".join(str(rhs).split())):
            if key_of(m.group(2), fn) in keys and \
               key_of(lhs, fn) not in keys:
                out.append("'%s' (line %s, %s())" % (
                    " ".join(str(lhs).split()), line, m.group(1)))
                break
    if not out:
        return ""
    return ("; the address of the pages is kept in %s instead, and not "
            "followed from there" % ", ".join(sorted(set(out),
                                                     key=lambda x: x)))


def _carved(rhs):
    """True for "(struct page **)(base + n)": an array of page pointers
    placed after n elements of another type in base's allocation."""
    t = str(rhs).split()
    if t[:6] != ["(", "struct", "page", "*", "*", ")"]:
        return False
    t = t[6:]
    if len(t) < 2 or t[0] != "(" or t[-1] != ")":
        return False
    depth = 0
    for i, x in enumerate(t):
        if x in ("(", "["):
            depth += 1
        elif x in (")", "]"):
            depth -= 1
            if depth == 0 and i != len(t) - 1:
                return False
        elif depth == 1 and i > 1 and x == "+":
            return True
    return False


def analyse(path, F):
    """Group page storage of one file and give every GUP/PIN/iter site a
    verdict.  Returns dict with per-site verdicts and conversion sets."""
    if F.result is not None:
        return F.result
    PHASE[0] = "analysis"
    home = F
    F, joined = joint_facts(path, home)
    set_types(path, F)
    uf = UF()
    # parameters of functions defined here are locals of that function
    allocs = alloc_helpers(F)
    carves = []
    for (lhs, rhs, fn, line) in F.assigns:
        kl = key_of(lhs, fn)
        if call_name(rhs) is None:
            if kl is not None and kl[0] == "F" and kl[1:] in BORROWED_FIELDS:
                continue    # lent to the kernel, which only borrows it
            if _carved(rhs):
                carves.append((kl, key_of(rhs, fn)))
                continue
            uf.union(kl, key_of(rhs, fn))
        elif call_name(rhs) in allocs:
            # the array's own allocation; a parameter it may return is
            # the array the caller gave ("return backup;")
            t = " ".join(str(rhs).split())
            args, _ = _split_args(t, t.index("("))
            for i in allocs[call_name(rhs)]:
                if i < len(args):
                    uf.union(kl, key_of(args[i].strip(), fn))
        elif call_name(rhs) not in F.params:
            # pages = frame_vector_pages(vec): the pages of vec->ptrs
            uf.union(kl, accessor_key(path, rhs, fn))
    for (callee, idx, arg, fn, line) in F.calls:
        if callee in F.params and idx in F.params[callee]:
            uf.union(key_of(arg, fn), ("L", callee, F.params[callee][idx]))
    # "pages = (struct page **)(addrs + n)" carves the page array out of
    # the allocation of another array (vchiq_arm.c: u32 addrs[n], then
    # the pages): not the same storage, unless the other array holds or
    # releases pages itself
    for (kl, kx) in carves:
        rx = uf.find(kx)
        if rx is not None and (
                any(uf.find(key_of(s[2], s[3])) == rx for s in F.sources) or
                any(uf.find(key_of(r[1], r[2])) == rx for r in F.releases) or
                any(uf.find(key_of(a[0], a[2])) == rx and
                    call_name(a[1]) is not None and
                    call_name(a[1]) not in ARRAY_ALLOCS for a in F.assigns)):
            uf.union(kl, kx)

    # an untyped field access may be any of the typed ones
    keys = set(uf.par.keys())
    for (lhs, rhs, fn, line) in F.assigns:
        keys.add(key_of(lhs, fn))
    for s in F.sources:
        keys.add(key_of(s[2], s[3]))
    for r in F.releases:
        keys.add(key_of(r[1], r[2]))
    for (callee, idx, arg, fn, line) in F.calls:
        keys.add(key_of(arg, fn))
    for (expr, fn, line) in F.returns:
        keys.add(key_of(expr, fn))
    for k in keys:
        if k is not None and k[0] == "F" and len(k) == 3:
            if ("F", k[1]) in keys:
                uf.union(("F", k[1]), k)
    alias = _link_storage(F, uf, keys)

    groups = {}

    def g(k):
        r = uf.find(k)
        if r not in groups:
            groups[r] = {"keys": set(), "src": [], "rel": [], "bad": [],
                         "uses": []}
        groups[r]["keys"].add(k)
        return groups[r]

    for k in list(uf.par.keys()):
        g(k)
    for s in F.sources:
        k = key_of(s[2], s[3])
        if k is None:
            continue
        g(k)["src"].append(s)
    opaque_rel = []     # put_page(sg_page(...)) and the like
    linked = alias.get("linked", lambda expr, fn: None)
    for r in F.releases:
        k = key_of(r[1], r[2]) or linked(r[1], r[2])
        if k is None:
            if r[0] in PUT_RELEASES:
                opaque_rel.append(r)
            continue
        g(k)["rel"].append(r)
    for (lhs, rhs, fn, line) in F.assigns:
        cn = call_name(rhs)
        kl = key_of(lhs, fn)
        if kl is None or linked(rhs, fn) is not None:
            continue
        t = str(rhs).split()
        if cn is None:
            if t[:6] == ["(", "struct", "page", "*", "*", ")"]:
                continue        # storage for the array itself
            if key_of(rhs, fn) is None and t not in (["NULL"], ["0"]):
                g(kl)["bad"].append("assigned from '%s' (line %s)" %
                                    (" ".join(t), line))
            continue
        if cn in allocs:
            continue        # the array's own allocation, joined above
        if cn in ARRAY_ALLOCS or cn in GUP_PIN or cn in PIN_NAMES or \
           cn in ITER_NAMES or cn in GUP_NOPIN and cn != \
           "get_user_page_vma_remote":
            continue
        if cn not in F.params and accessor_key(path, rhs, fn) is not None:
            continue        # the pages of a field, joined above
        if cn == "get_user_page_vma_remote":
            g(kl)["src"].append(("GUPNOPIN", cn, lhs, fn, line, 0, None))
            continue
        if cn in INTROSPECT:
            continue
        g(kl)["src"].append(("NONGUP", cn, lhs, fn, line, 0, None))
    for (callee, idx, arg, fn, line) in F.calls:
        k = key_of(arg, fn) or linked(arg, fn)
        if k is None:
            continue
        grp = g(k)
        grp["uses"].append((callee, line, fn))
        if callee in F.params:
            continue        # followed through the parameter
        if callee in GET_REFS:
            grp["bad"].append("an extra reference is taken with %s() at "
                              "line %s: its put_page() cannot be told from "
                              "the release of the GUP reference" %
                              (callee, line))
            continue
        if callee in SAFE_USERS or callee in PUT_RELEASES or \
           callee in UNPIN_RELEASES or callee in ITER_NAMES or \
           callee in NONGUP_PRODUCERS:
            continue
        fact, why = tree_facts(path, callee, idx)
        if fact == "reads":
            continue
        if fact == "releases":
            grp["bad"].append("passed to %s() at line %s, which releases it "
                              "(%s)" % (callee, line, why))
        elif fact == "stores":
            grp["bad"].append("passed to %s() at line %s, which keeps it "
                              "(%s)" % (callee, line, why))
        else:
            grp["bad"].append("passed to %s() at line %s: unknown: %s" %
                              (callee, line, why))

    for (expr, fn, line) in F.returns:
        k = key_of(expr, fn)
        if k is not None:
            g(k)["bad"].append("returned to the callers of %s() at line %s"
                               % (fn, line))
    # pfn and scatterlist storage linked to pages: its problems are theirs
    for a in alias.get("alias", {}).values():
        grp = g(a["page"])
        grp["bad"].extend(a["bad"])
        grp["values"] = grp.get("values", set()) | a["keys"]

    res = {"sites": {}, "conv_gup": set(), "conv_rel": set(),
           "conv_keys": set(), "linked": linked,
           "rmvars": set(), "mismatch": []}
    unknown_rel = list(opaque_rel)
    for grp in groups.values():
        kinds = set(s[0] for s in grp["src"])
        puts = [r for r in grp["rel"] if r[0] in PUT_RELEASES]
        if puts and not (kinds & {"GUP", "PIN", "ITER", "GUPNOPIN"}) and \
           not any(s[0] == "NONGUP" and s[1] in NONGUP_PRODUCERS
                   for s in grp["src"]):
            unknown_rel.extend(puts)

    for grp in groups.values():
        srcs = grp["src"]
        kinds = set(s[0] for s in srcs)
        # parameters of functions callable from other files
        for k in grp["keys"]:
            if k[0] == "L" and k[1] in F.params and \
               k[2] in F.params[k[1]].values() and \
               k[1] not in F.static_fns:
                why = outside_callers(path, k[1], joined)
                if why:
                    grp["bad"].append("comes in as a parameter of "
                                      "non-static %s(); %s" % (k[1], why))
        # fields also used by other files
        if kinds & {"GUP", "PIN", "ITER"}:
            fkeys = [k for k in grp["keys"] | grp.get("values", set())
                     if k[0] == "F"]
            for fld in sorted(set(k[1] for k in fkeys)):
                if fld in local_fields(path):
                    continue
                # typed: only the accesses of the same struct count
                sts = set(k[2] if len(k) == 3 else None
                          for k in fkeys if k[1] == fld)
                hits = [h for h in field_used_elsewhere(
                        path, fld, None if None in sts else sts)
                        if h not in joined]
                if hits:
                    grp["bad"].append("field ->%s is also used in %s" %
                                      (fld, ", ".join(hits[:3])))
        puts = [r for r in grp["rel"] if r[0] in PUT_RELEASES]
        unpins = [r for r in grp["rel"] if r[0] in UNPIN_RELEASES]
        # mismatches
        def other(kset):
            o = sorted(set("%s()" % x[1] for x in srcs if x[0] in kset))
            if not o:
                return ""
            return " (check by hand: the storage also holds pages from " \
                   "%s, the release may be chosen at run time)" % ", ".join(o)

        def takers(kset):
            names = {}
            for x in srcs:
                if x[0] in kset:
                    names.setdefault(x[1], []).append(str(x[4]))
            return ", ".join("%s() at line %s" % (n, ", ".join(sorted(
                set(v), key=_lkey))) for n, v in sorted(names.items()))
        if any(x[0] == "PIN" for x in srcs):
            note = other({"GUP", "ITER", "GUPNOPIN", "NONGUP"})
            for r in puts:
                res["mismatch"].append((r, None, "pinned by %s but released "
                                        "by %s()%s" % (takers({"PIN"}),
                                                       r[0], note)))
        if any(x[0] in ("GUP", "ITER", "GUPNOPIN") for x in srcs):
            note = other({"PIN", "NONGUP"})
            for r in unpins:
                res["mismatch"].append((r, None, "taken by %s (FOLL_GET) but "
                                        "released by %s()%s" % (
                                            takers({"GUP", "ITER",
                                                    "GUPNOPIN"}),
                                            r[0], note)))
        for s in srcs:
            if s[0] not in ("GUP", "GUPNOPIN", "ITER", "PIN"):
                continue
            site = (s[4], s[5])
            reasons = []
            verdict = None
            storage = ", ".join(sorted(set(
                keystr(k) for k in grp["keys"]
                if k[0] == "F" or k[1] == s[3])) + sorted(set(
                    "%s in %s" % (VALUE_NAME[kind], keystr(k))
                    for (kind, root), a in alias.get("alias", {}).items()
                    if uf.find(a["page"]) == uf.find(key_of(s[2], s[3]))
                    for k in a["keys"] if k[0] == "F" or k[1] == s[3])))
            if s[0] == "PIN":
                verdict = "pinned"
                if puts:
                    reasons.append("MISMATCH: released by put_page-style "
                                   "calls at line(s) %s" %
                                   ", ".join(str(r[3]) for r in puts))
                res["sites"][site] = (s, verdict, reasons, storage, grp)
                continue
            if s[0] == "GUPNOPIN":
                reasons.append("%s() has no pin_user_pages*() twin" % s[1])
            if "PIN" in kinds:
                reasons.append("the same storage also holds pinned pages")
            if unpins:
                reasons.append("MISMATCH: already released by unpin_user_page*"
                               "() at line(s) %s" %
                               ", ".join(str(r[3]) for r in unpins))
            if any(x[0] == "NONGUP" and x[1] not in NOREF_PRODUCERS
                   for x in srcs):
                reasons.append("the same storage also holds pages from %s" %
                               ", ".join(sorted(set(
                                   "%s() (line %s)" % (x[1], x[4])
                                   for x in srcs if x[0] == "NONGUP"))))
            if "ITER" in kinds and s[0] == "GUP":
                reasons.append("the same storage also holds pages from "
                               "iov_iter_get_pages2()")
            reasons.extend(sorted(set(grp["bad"])))
            if not grp["rel"]:
                reasons.append("no release of %s found in this file%s" %
                               (storage or "the pages",
                                _addr_escape(F, grp["keys"])))
            for r in sorted(unknown_rel, key=lambda r: (_lkey(r[3]), r[4])):
                reasons.append("%s() at line %s releases pages of unknown "
                               "origin" % (r[0], r[3]))
            short = (not reasons and
                     all(k[0] == "L" and k[1] == s[3] for k in grp["keys"])
                     and all(r[2] == s[3] for r in grp["rel"])
                     and all(u[0] in INTROSPECT or u[0] in PUT_RELEASES or
                             u[0] in GUP_PIN or u[0] in GUP_NOPIN
                             for u in grp["uses"])
                     and (s[4], s[5]) not in F.longlived)
            if s[0] == "ITER":
                verdict = "keep" if reasons else "convertible"
            elif short:
                verdict = "leave"
                reasons.append("reference only used for the struct page or "
                               "its pfn and dropped at once "
                               "(pin_user_pages.rst case 3/4)")
            elif reasons:
                verdict = "refuse"
            else:
                verdict = "convert"
                res["conv_gup"].add(site)
                for r in grp["rel"]:
                    res["conv_rel"].add((r[3], r[4]))
                res["conv_keys"] |= grp["keys"]
            res["sites"][site] = (s, verdict, reasons, storage, grp)
    # a storage group converts only if every GUP source in it converts
    for grp in groups.values():
        sites = [(s[4], s[5]) for s in grp["src"]
                 if s[0] in ("GUP", "GUPNOPIN")]
        if sites and any(res["sites"].get(x, (0, ""))[1] != "convert"
                         for x in sites):
            for x in sites:
                if x in res["conv_gup"]:
                    res["conv_gup"].discard(x)
                    v = res["sites"][x]
                    v[2].append("another get_user_pages*() call on the same "
                                "storage cannot be converted")
                    res["sites"][x] = (v[0], "refuse", v[2], v[3], v[4])
            for r in grp["rel"]:
                res["conv_rel"].discard((r[3], r[4]))
            res["conv_keys"] -= grp["keys"]
    for (fn, var, line, col) in F.loops:
        if (line, col) in res["conv_rel"]:
            res["rmvars"].add((fn, var))
    home.result = res
    return res


def gup_result(p):
    return analyse(orig_file(p[0].file), facts(p))


def conv_gup(p):
    return pos(p) in gup_result(p)["conv_gup"]


def conv_rel(p):
    return pos(p) in gup_result(p)["conv_rel"]


def conv_key(p, expr):
    """Position-independent: earlier rules may have moved the positions."""
    res = gup_result(p)
    set_types(orig_file(p[0].file), facts(p))
    k = key_of(expr, p[0].current_element) or \
        res["linked"](expr, p[0].current_element)
    return k is not None and k in res["conv_keys"]


def batch_ok(count):
    """A loop "for (i = 0; i < n; i++) put_page(p[i])" does nothing for a
    negative n; unpin_user_pages(p, n) would WARN.  Only fold the loop when
    n is not a variable that holds the (possibly negative) return value of
    a get_user_pages*() call in this file."""
    n = str(count).strip()
    if not IDENT.match(n) or CURRENT[0] not in FACTS:
        return True
    for (lhs, rhs, afn, line) in FACTS[CURRENT[0]].assigns:
        if str(lhs).strip() == n:
            cn = call_name(rhs)
            if cn in GUP_PIN or cn in GUP_NOPIN:
                return False
    return True


def rmvar(p, var):
    return (p[0].current_element, str(var)) in gup_result(p)["rmvars"]


def site_message(p):
    r = gup_result(p)
    v = r["sites"].get(pos(p))
    if v is None:
        return None, None
    s, verdict, reasons, storage, grp = v
    msg = "%s() [%s]: %s" % (s[1], storage or "?", verdict)
    rel = sorted(set("%s()@%s" % (x[0], x[3]) for x in grp["rel"]))
    if verdict == "convert":
        msg += " to %s(), releases: %s" % (GUP_PIN.get(s[1], s[1]),
                                            ", ".join(rel))
    elif verdict == "convertible":
        msg += ": every release is in this file (%s); use " \
               "iov_iter_extract_pages() and unpin only when " \
               "iov_iter_extract_will_pin()" % ", ".join(rel)
    if reasons:
        msg += ": " + "; ".join(reasons)
    return verdict, msg



def add_src(p, name, pages, flags):
    name = str(name)
    if name in GUP_PIN:
        kind = "GUP"
    elif name in GUP_NOPIN:
        kind = "GUPNOPIN"
    elif name in PIN_NAMES:
        kind = "PIN"
    else:
        kind = "ITER"
    F = sink(p)
    F.sources.append((kind, name, str(pages), p[0].current_element) +
                     pos(p) + (None if flags is None else str(flags),))


def add_rel(p, name, expr):
    sink(p).releases.append((str(name), str(expr), p[0].current_element) +
                             pos(p))


def add_asg(p, lhs, rhs):
    sink(p).assigns.append((str(lhs), str(rhs), p[0].current_element,
                             int(p[0].line)))


def add_vtype(p, var, struct, fn=None):
    fn = str(fn) if fn is not None else p[0].current_element
    sink(p).vtypes[(fn, str(var))] = str(struct)


def add_lru(p, page):
    sink(p).sources.append(("NONGUP", LRU_WALK, str(page),
                             p[0].current_element) + pos(p) + (None,))


def add_ret(p, expr):
    sink(p).returns.append((str(expr), p[0].current_element,
                             int(p[0].line)))


def add_call(p, callee, idx, arg):
    sink(p).calls.append((str(callee), int(idx), str(arg),
                           p[0].current_element, int(p[0].line)))


PAGE_TYPE_RX = re.compile(r"\bstruct\s+(?:page|folio)\b")


def add_param(p, fn, idx, name, typ=None):
    F = sink(p)
    F.params.setdefault(str(fn), {})[int(idx)] = str(name)
    F.defined_fns.add(str(fn))
    if typ is not None and PAGE_TYPE_RX.search(str(typ)):
        F.page_params.setdefault(str(fn), set()).add(int(idx))



def is_site(p, kinds):
    v = gup_result(p)["sites"].get(pos(p))
    if v is None:
        return False
    k = v[0][0]
    if kinds == "GUP":
        return k in ("GUP", "GUPNOPIN")
    return k == kinds


def emit(p, mode):
    verdict, msg = site_message(p)
    if msg is None:
        return
    if mode == "report":
        coccilib.report.print_report(p[0], msg)
    elif mode == "org":
        coccilib.org.print_todo(p[0], msg)
    elif verdict != "convert":
        sys.stderr.write("%s:%s:%s-%s: not converted: %s\n" %
                         (p[0].file, p[0].line, p[0].column,
                          p[0].column_end, msg))



def is_mismatch(p):
    P = pos(p)
    return any((m[0][3], m[0][4]) == P for m in gup_result(p)["mismatch"])


def emit_mismatch(p, mode):
    P = pos(p)
    for m in gup_result(p)["mismatch"]:
        if (m[0][3], m[0][4]) != P:
            continue
        msg = "%s(%s): %s" % (m[0][0], m[0][1].replace(" ", ""), m[2])
        if mode == "report":
            coccilib.report.print_report(p[0], msg)
        else:
            coccilib.org.print_todo(p[0], msg)
# ---- END gup engine

@has@
identifier g = {get_user_pages, get_user_pages_fast, get_user_pages_fast_only,
                get_user_pages_unlocked, get_user_pages_remote,
                get_user_page_vma_remote};
@@
g(...)

// ---- BEGIN shared fact rules (generated from facts.smpl of scripts/coccinelle/api/gup/)
@gup4 depends on has@
identifier g = {get_user_pages, get_user_pages_fast, get_user_pages_fast_only,
                pin_user_pages, pin_user_pages_fast};
expression A, B, C, D;
position p;
@@
g@p(A, B, C, D)

@script:python depends on has@
g << gup4.g; C << gup4.C; D << gup4.D; p << gup4.p;
@@
add_src(p, g, D, C)

@gupu depends on has@
identifier g = {get_user_pages_unlocked, pin_user_pages_unlocked};
expression A, B, C, D;
position p;
@@
g@p(A, B, D, C)

@script:python depends on has@
g << gupu.g; C << gupu.C; D << gupu.D; p << gupu.p;
@@
add_src(p, g, D, C)

@gupr depends on has@
identifier g = {get_user_pages_remote, pin_user_pages_remote};
expression M, A, B, C, D, L;
position p;
@@
g@p(M, A, B, C, D, L)

@script:python depends on has@
g << gupr.g; C << gupr.C; D << gupr.D; p << gupr.p;
@@
add_src(p, g, D, C)

@gupi depends on has@
identifier g = {iov_iter_get_pages2, iov_iter_get_pages_alloc2};
expression I, D;
position p;
@@
g@p(I, D, ...)

@script:python depends on has@
g << gupi.g; D << gupi.D; p << gupi.p;
@@
add_src(p, g, D, None)

@rel1 depends on has@
identifier r = {put_page, __free_page, put_user_page, unpin_user_page};
expression E;
position p;
@@
r@p(E)

@script:python depends on has@
r << rel1.r; E << rel1.E; p << rel1.p;
@@
add_rel(p, r, E)

@reln depends on has@
identifier r = {release_pages, put_user_pages, put_user_pages_dirty,
                put_user_pages_dirty_lock, unpin_user_pages,
                unpin_user_pages_dirty_lock, unpin_user_page_range_dirty_lock};
expression E;
position p;
@@
r@p(E, ...)

@script:python depends on has@
r << reln.r; E << reln.E; p << reln.p;
@@
add_rel(p, r, E)

@asg depends on has@
expression L, R;
position p;
@@
L@p = R

@script:python depends on has@
L << asg.L; R << asg.R; p << asg.p;
@@
add_asg(p, L, R)

// cmpxchg(&L, old, R), xchg(&L, R), WRITE_ONCE(L, R) ... store R in L
// (vduse's bounce pages: cmpxchg(&head_map->bounce_page, NULL, tmp_page))
@xasg depends on has@
expression L, O, R;
position p;
@@
(
cmpxchg@p(&L, O, R)
|
try_cmpxchg@p(&L, O, R)
|
xchg@p(&L, R)
|
smp_store_release@p(&L, R)
|
WRITE_ONCE@p(L, R)
|
rcu_assign_pointer@p(L, R)
)

@script:python depends on has@
L << xasg.L; R << xasg.R; p << xasg.p;
@@
add_asg(p, L, R)

@dcl depends on has@
type T;
identifier x;
expression R;
position p;
@@
T x@p = R;

@script:python depends on has@
x << dcl.x; R << dcl.R; p << dcl.p;
@@
add_asg(p, x, R)

@ret depends on has@
expression E;
position p;
@@
return@p E;

@script:python depends on has@
E << ret.E; p << ret.p;
@@
add_ret(p, E)

@calls depends on has@
identifier h;
expression list[n] es;
expression A;
position p;
@@
h@p(es, A, ...)

@script:python depends on has@
h << calls.h; n << calls.n; A << calls.A; p << calls.p;
@@
add_call(p, h, n, A)

@fdef depends on has@
identifier fn, pn;
parameter list[n] ps;
type T;
position p;
@@
fn@p(ps, T pn, ...) { ... }

@script:python depends on has@
fn << fdef.fn; n << fdef.n; pn << fdef.pn; T << fdef.T; p << fdef.p;
@@
add_param(p, fn, n, pn, T)

@vty depends on has@
identifier s, x;
position p;
@@
(
 struct s *x@p;
|
 struct s *x@p = ...;
|
 struct s x@p;
|
 struct s x@p = ...;
)

@script:python depends on has@
s << vty.s; x << vty.x; p << vty.p;
@@
add_vtype(p, x, s)

@pty depends on has@
identifier fn, s, x;
position p;
@@
fn(..., struct s *x@p, ...) { ... }

@script:python depends on has@
fn << pty.fn; s << pty.s; x << pty.x; p << pty.p;
@@
add_vtype(p, x, s, fn)

@lru depends on has@
iterator name list_for_each_entry, list_for_each_entry_safe,
              list_for_each_entry_reverse, list_for_each_entry_safe_reverse;
identifier f = {lru};
expression P, N, H;
statement S;
position p;
@@
(
list_for_each_entry@p(P, H, f) S
|
list_for_each_entry_reverse@p(P, H, f) S
|
list_for_each_entry_safe@p(P, N, H, f) S
|
list_for_each_entry_safe_reverse@p(P, N, H, f) S
)

@script:python depends on has@
P << lru.P; p << lru.p;
@@
add_lru(p, P)

// for_each_sg(list, sg, n, i): sg is an entry of list (scatterlist storage)
@fesg depends on has@
iterator name for_each_sg;
expression X, N, I;
identifier S;
statement B;
position p;
@@
for_each_sg@p(X, S, N, I) B

@script:python depends on has@
X << fesg.X; S << fesg.S; p << fesg.p;
@@
add_asg(p, S, X)

@sfn depends on has@
identifier fn;
type T;
position p;
@@
static T fn@p(...) { ... }

@script:python depends on has@
fn << sfn.fn; p << sfn.p;
@@
sink(p).static_fns.add(str(fn))

@ll depends on has exists@
identifier g = {get_user_pages, get_user_pages_fast, get_user_pages_unlocked,
                get_user_pages_remote, get_user_pages_fast_only};
identifier f !~ "^(page_to_pfn|page_to_phys|page_ref_count|page_count|PageCompound|PageHuge|PageTail|PageHead|page_to_nid|page_size|WARN_ON|WARN_ON_ONCE|BUG_ON|unlikely|likely|IS_ERR|PTR_ERR|put_page|__free_page|release_pages|put_user_page|put_user_pages|put_user_pages_dirty|put_user_pages_dirty_lock|get_user_pages|get_user_pages_fast|get_user_pages_unlocked|get_user_pages_remote|get_user_pages_fast_only)$";
identifier r = {put_page, __free_page, release_pages, put_user_page,
                put_user_pages, put_user_pages_dirty,
                put_user_pages_dirty_lock};
position p;
@@
g@p(...)
... when != \(put_page\|__free_page\|release_pages\|put_user_page\|put_user_pages\|put_user_pages_dirty\|put_user_pages_dirty_lock\)(...)
f(...)
...
r(...)

@script:python depends on has@
p << ll.p;
@@
sink(p).longlived.add(pos(p))

@lp depends on has@
identifier i;
expression E1, E2, E3;
identifier r = {put_page, __free_page, put_user_page};
position p;
@@
for (i = E1; E2; E3) { ... when any
   r@p(...);
   ... when any
}

@script:python depends on has@
i << lp.i; p << lp.p;
@@
sink(p).loops.append((p[0].current_element, str(i)) + pos(p))
// ---- END shared fact rules

// ---- context mode: the get_user_pages*() call sites

@ctx depends on context@
position p : script:python() { is_site(p, "GUP") };
identifier g;
@@
* g@p(...)

// ---- report and org modes, and refusals in patch mode

@site depends on report || org || patch@
position p : script:python() { is_site(p, "GUP") };
identifier g;
@@
g@p(...)

@script:python depends on report@
p << site.p;
@@
emit(p, "report")

@script:python depends on org@
p << site.p;
@@
emit(p, "org")

@script:python depends on patch@
p << site.p;
@@
emit(p, "patch")

// ---- patch mode

@lc1 depends on patch@
identifier i;
identifier r = {put_page, __free_page, put_user_page};
expression A;
expression N : script:python() { batch_ok(N) };
position p : script:python(A) { conv_key(p, A) };
@@
- for (i = 0; i < N; \(i++\|++i\))
-	r@p(A[i]);
+ unpin_user_pages(A, N);

@lc2 depends on patch@
identifier i;
identifier r = {put_page, __free_page, put_user_page};
identifier sd = {set_page_dirty, set_page_dirty_lock};
expression A;
expression N : script:python() { batch_ok(N) };
position p : script:python(A) { conv_key(p, A) };
@@
- for (i = 0; i < N; \(i++\|++i\)) {
-	sd(A[i]);
-	r@p(A[i]);
- }
+ unpin_user_pages_dirty_lock(A, N, true);

@pc1 depends on patch@
identifier r = {put_page, __free_page, put_user_page};
identifier sd = {set_page_dirty, set_page_dirty_lock};
expression E;
position p : script:python(E) { conv_key(p, E) };
@@
- sd(E);
- r@p(E);
+ unpin_user_pages_dirty_lock(&E, 1, true);

@pc2 depends on patch@
identifier r = {put_page, __free_page, put_user_page};
identifier sd = {set_page_dirty, set_page_dirty_lock};
expression E, C;
position p : script:python(E) { conv_key(p, E) };
@@
- if (C)
-	sd(E);
- r@p(E);
+ unpin_user_pages_dirty_lock(&E, 1, C);

@sc1 depends on patch@
identifier r = {put_page, __free_page, put_user_page};
expression E;
position p : script:python(E) { conv_key(p, E) };
@@
- r@p(E)
+ unpin_user_page(E)

@sc2 depends on patch@
identifier r = {release_pages, put_user_pages};
expression E, N;
position p : script:python(E) { conv_key(p, E) };
@@
- r@p(E, N)
+ unpin_user_pages(E, N)

@sc3 depends on patch@
expression E, N;
position p : script:python(E) { conv_key(p, E) };
@@
- put_user_pages_dirty@p(E, N)
+ unpin_user_pages_dirty_lock(E, N, true)

@sc4 depends on patch@
expression E, N, D;
position p : script:python(E) { conv_key(p, E) };
@@
- put_user_pages_dirty_lock@p(E, N, D)
+ unpin_user_pages_dirty_lock(E, N, D)

@fg4a depends on patch@
identifier g = {get_user_pages, get_user_pages_fast};
expression A, B, D;
position p : script:python(D) { conv_key(p, D) };
@@
 g@p(A, B,
- FOLL_GET
+ 0
 , D)

@fg4b depends on patch disable bitor_comm@
identifier g = {get_user_pages, get_user_pages_fast};
expression A, B, D, X;
position p : script:python(D) { conv_key(p, D) };
@@
 g@p(A, B, <+...
- FOLL_GET | X
+ X
 ...+>, D)

@fg4c depends on patch disable bitor_comm@
identifier g = {get_user_pages, get_user_pages_fast};
expression A, B, D, X;
position p : script:python(D) { conv_key(p, D) };
@@
 g@p(A, B, <+...
- X | FOLL_GET
+ X
 ...+>, D)

@fgua depends on patch@
identifier g = {get_user_pages_unlocked};
expression A, B, D;
position p : script:python(D) { conv_key(p, D) };
@@
 g@p(A, B, D,
- FOLL_GET
+ 0
 )

@fgub depends on patch disable bitor_comm@
identifier g = {get_user_pages_unlocked};
expression A, B, D, X;
position p : script:python(D) { conv_key(p, D) };
@@
 g@p(A, B, D, <+...
- FOLL_GET | X
+ X
 ...+>)

@fguc depends on patch disable bitor_comm@
identifier g = {get_user_pages_unlocked};
expression A, B, D, X;
position p : script:python(D) { conv_key(p, D) };
@@
 g@p(A, B, D, <+...
- X | FOLL_GET
+ X
 ...+>)

@fgra depends on patch@
identifier g = {get_user_pages_remote};
expression A, B, D, M, L;
position p : script:python(D) { conv_key(p, D) };
@@
 g@p(M, A, B,
- FOLL_GET
+ 0
 , D, L)

@fgrb depends on patch disable bitor_comm@
identifier g = {get_user_pages_remote};
expression A, B, D, M, L, X;
position p : script:python(D) { conv_key(p, D) };
@@
 g@p(M, A, B, <+...
- FOLL_GET | X
+ X
 ...+>, D, L)

@fgrc depends on patch disable bitor_comm@
identifier g = {get_user_pages_remote};
expression A, B, D, M, L, X;
position p : script:python(D) { conv_key(p, D) };
@@
 g@p(M, A, B, <+...
- X | FOLL_GET
+ X
 ...+>, D, L)

@ren_get_user_pages depends on patch@
expression A, B, C, D;
position p : script:python(D) { conv_key(p, D) };
@@
- get_user_pages@p
+ pin_user_pages
  (A, B, C, D)

@ren_get_user_pages_fast depends on patch@
expression A, B, C, D;
position p : script:python(D) { conv_key(p, D) };
@@
- get_user_pages_fast@p
+ pin_user_pages_fast
  (A, B, C, D)

@ren_get_user_pages_unlocked depends on patch@
expression A, B, C, D;
position p : script:python(D) { conv_key(p, D) };
@@
- get_user_pages_unlocked@p
+ pin_user_pages_unlocked
  (A, B, D, C)

@ren_get_user_pages_remote depends on patch@
expression A, B, C, D, M, L;
position p : script:python(D) { conv_key(p, D) };
@@
- get_user_pages_remote@p
+ pin_user_pages_remote
  (M, A, B, C, D, L)

@rmv depends on patch@
type T;
identifier i;
position p : script:python(i) { rmvar(p, i) };
@@
- T i@p;
  ... when != i

@rmv2 depends on patch@
type T;
identifier i;
constant C;
position p : script:python(i) { rmvar(p, i) };
@@
- T i@p = C;
  ... when != i
