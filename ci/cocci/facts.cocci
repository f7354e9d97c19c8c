// ---- BEGIN shared fact rules (generated from ci/cocci/facts.cocci)
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
