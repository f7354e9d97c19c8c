// SPDX-License-Identifier: GPL-2.0-only
/// Test harness only (make cocci-recall): the reverse of gup_to_pin.cocci.
/// Writes upstream's hand-converted pin_user_pages*() users back into the
/// form they had before the conversion, so that gup_to_pin.cocci can be
/// measured on real driver code:
///   pin_user_pages*()                          -> get_user_pages*()
///   unpin_user_page(p)                         -> put_page(p)
///   unpin_user_pages(p, n)                     -> release_pages(p, n)
///   unpin_user_pages_dirty_lock(&p, 1, true)   -> set_page_dirty_lock(p);
///                                                 put_page(p);
///   unpin_user_pages_dirty_lock(&p, 1, d)      -> if (d)
///                                                     set_page_dirty_lock(p);
///                                                 put_page(p);
///   unpin_user_pages_dirty_lock(p, n, d)       -> put_user_pages_dirty_lock()
///                                                 (the 2019 name)
/// unpin_user_page_range_dirty_lock() and unpin_folio*() have no GUP form
/// and are left alone (the measurement counts them as not reversible).
//
// Confidence: High
// Options: --no-includes --include-headers

virtual patch

@depends on patch@
expression A, B, C, D;
@@
- pin_user_pages
+ get_user_pages
  (A, B, C, D)

@depends on patch@
expression A, B, C, D;
@@
- pin_user_pages_fast
+ get_user_pages_fast
  (A, B, C, D)

@depends on patch@
expression A, B, C, D;
@@
- pin_user_pages_unlocked
+ get_user_pages_unlocked
  (A, B, C, D)

@depends on patch@
expression M, A, B, C, D, L;
@@
- pin_user_pages_remote
+ get_user_pages_remote
  (M, A, B, C, D, L)

@depends on patch@
expression E;
symbol true;
@@
- unpin_user_pages_dirty_lock(&E, 1, true);
+ set_page_dirty_lock(E);
+ put_page(E);

@depends on patch@
expression E, D;
@@
- unpin_user_pages_dirty_lock(&E, 1, D);
+ if (D)
+	set_page_dirty_lock(E);
+ put_page(E);

@depends on patch@
expression P, N, D;
@@
- unpin_user_pages_dirty_lock
+ put_user_pages_dirty_lock
  (P, N, D)

@depends on patch@
expression P, N;
@@
- unpin_user_pages
+ release_pages
  (P, N)

@depends on patch@
expression P;
@@
- unpin_user_page
+ put_page
  (P)
