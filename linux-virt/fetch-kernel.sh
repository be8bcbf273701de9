#!/bin/sh
# Fetch Debian's arm64 Linux kernel package (one pinned version) into the
# tree's cache and unpack its Image, without touching the machine's apt
# configuration: apt runs with a state, cache and status of its own under
# CACHE (Dir::State, Dir::Cache, Dir::State::status), with the machine's own
# Debian sources copied there (so no mirror is named here) and arm64 as its
# only architecture (APT::Architectures).
#
#   fetch-kernel.sh CACHE PACKAGE VERSION
#
# Leaves CACHE/PACKAGE_VERSION_arm64.deb and CACHE/vmlinuz-<PACKAGE>-<VERSION>
# (the uncompressed arm64 Image QEMU takes as -kernel).  When both are
# already there it does nothing and needs no network: the cache is reused
# offline.  When the network and the cache both fail it says so and exits 1.
set -eu
pkg=$2 ver=$3
mkdir -p "$1"
cache=$(cd "$1" && pwd)          # apt wants absolute directories
deb="$cache/${pkg}_$(echo "$ver" | sed 's/:/%3a/')_arm64.deb"
image="$cache/vmlinuz-$pkg-$ver"
[ -s "$image" ] && exit 0

if [ ! -s "$deb" ]; then
	apt_dir="$cache/apt"
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/sources.list.d"
	: > "$apt_dir/status"
	# The machine's Debian sources, as configured (deb822 and one-line).
	rm -f "$apt_dir/sources.list.d/"* "$apt_dir/sources.list"
	[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$apt_dir/sources.list"
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		grep -q -i 'debian' "$f" || continue
		cp "$f" "$apt_dir/sources.list.d/"
	done
	[ -f "$apt_dir/sources.list" ] || : > "$apt_dir/sources.list"
	set -- -o "Dir::State=$apt_dir" -o "Dir::State::Lists=$apt_dir/lists" \
		-o "Dir::State::status=$apt_dir/status" -o "Dir::Cache=$apt_dir" \
		-o "Dir::Cache::archives=$apt_dir/archives" \
		-o "Dir::Etc::sourcelist=$apt_dir/sources.list" \
		-o "Dir::Etc::sourceparts=$apt_dir/sources.list.d" \
		-o "APT::Architectures::=arm64" -o "Debug::NoLocking=1"
	echo "linux-virt: fetching $pkg=$ver (arm64) with a project-local apt state in $apt_dir"
	if ! apt-get "$@" -qq update >"$apt_dir/update.log" 2>&1; then
		echo "linux-virt: apt-get update (arm64 lists) failed; see $apt_dir/update.log:" >&2
		tail -5 "$apt_dir/update.log" >&2
	fi
	if ! (cd "$cache" && apt-get "$@" -qq download "$pkg:arm64=$ver") >"$apt_dir/download.log" 2>&1; then
		echo "linux-virt: cannot fetch $pkg=$ver (arm64) and it is not cached in $cache." >&2
		tail -5 "$apt_dir/download.log" >&2
		have=$(apt-cache "$@" madison "$pkg:arm64" 2>/dev/null | awk '{print $3}' | head -3 | tr '\n' ' ')
		[ -n "$have" ] && echo "linux-virt: the archive has $pkg version(s): $have(the pin is LINUX_VIRT_KERNEL_VERSION in linux-virt/linux-virt.mk)" >&2
		echo "linux-virt: needs the network once (Debian's archive), or a copy of ${deb##*/} in $cache" >&2
		exit 1
	fi
	[ -s "$deb" ] || { echo "linux-virt: apt-get download left no $deb" >&2; exit 1; }
fi
tmp="$cache/unpack.$$"
rm -rf "$tmp"
dpkg-deb -x "$deb" "$tmp"
src=$(ls "$tmp"/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$src" ] || { echo "linux-virt: $deb holds no boot/vmlinuz-*" >&2; rm -rf "$tmp"; exit 1; }
cp "$src" "$image.tmp"
cp "$tmp"/boot/config-* "$cache/config-$pkg-$ver" 2>/dev/null || true
rm -rf "$tmp"
mv "$image.tmp" "$image"
