#!/bin/sh
# Install the Debian packages named on the command line that are missing.
# Does nothing (and needs no network) when every one is already installed:
# one dpkg-query call answers for all of them.
set -eu
[ $# -eq 0 ] && exit 0
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
	awk '$NF == "installed" && $(NF-1) == "ok" { sub(/:.*/, "", $1); print $1 }')
missing=""
for pkg in "$@"; do
	case " $(echo $installed) " in
	*" $pkg "*) ;;
	*) missing="$missing $pkg" ;;
	esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
