# SPDX-License-Identifier: GPL-2.0
# Shared settings for the kernel-tree scripts. Sourced, not executed.
#
# Layout under $BUILD_DIR (default: <project>/build):
#   kernel/linux/            git repo: commit tagged "pristine" = Debian's linux-source-6.1,
#                            working tree = the series applied with git am (never edited by hand)
#   kernel/linux/.out-<v>/   object directory of variant <v> (base, debug); inside the source
#                            tree so that kbuild uses relative paths and ccache hits survive
#                            a clone at a different path
#   kernel/series-wt/        scratch worktree where format-series builds its commits
#   kernel/series/           the last emitted patch series (git format-patch output)

set -euo pipefail

PROJECT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$PROJECT_DIR/build}
KERNEL_BUILD_DIR=$BUILD_DIR/kernel
KTREE=$KERNEL_BUILD_DIR/linux
SERIES_WT=$KERNEL_BUILD_DIR/series-wt
SERIES_OUT=$KERNEL_BUILD_DIR/series
KSRC_TARBALL=${KSRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
KSRC_PACKAGE=linux-source-6.1

# Fixed identity and dates: the same series always gives the same commits, so
# checking out an unchanged series touches no file and triggers no rebuild.
export GIT_COMMITTER_NAME="afbus series builder"
export GIT_COMMITTER_EMAIL="build@afbus.invalid"
export GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z"

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# kgit: git inside the kernel repo, with settings that keep a 75k-file tree fast.
kgit() {
	git -C "$KTREE" -c core.looseCompression=0 -c core.compression=1 \
		-c gc.auto=0 -c advice.detachedHead=false "$@"
}

# tree_path PROJECT_PATH: where a project file lives in the kernel tree.
# Only these project directories hold code destined for the kernel tree.
tree_path() {
	case "$1" in
	kernel/net/* | kernel/mm/* | kernel/include/* | kernel/lib/*)
		printf '%s\n' "${1#kernel/}" ;;
	include/uapi/*)
		printf '%s\n' "$1" ;;
	tools/selftests/*)
		printf 'tools/testing/selftests/%s\n' "${1#tools/selftests/}" ;;
	Documentation/networking/* | Documentation/netfilter/* | Documentation/userspace-api/*)
		printf '%s\n' "$1" ;;
	*)
		return 1 ;;
	esac
}

# series_entries: "patch-file [new-path...]" lines of kernel/patches/series,
# comments and blank lines removed.
series_entries() {
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$PROJECT_DIR/kernel/patches/series"
}
