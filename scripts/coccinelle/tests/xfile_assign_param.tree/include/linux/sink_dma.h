/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel tree around the xfile_assign_param test: nothing of it is used. */
