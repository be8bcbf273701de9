#!/bin/sh
# check-freestanding.sh NM WHAT OBJECT RUNTIME_OBJECT
# OBJECT links into an ipclab task, which has no libc: every symbol it needs
# must be defined by the task runtime's string functions (RUNTIME_OBJECT,
# kernel/lib/string.c built with the task flags).
set -eu
nm=$1 what=$2 obj=$3 rt=$4
have=$($nm --defined-only "$rt" | awk '$2 ~ /^[TtWw]$/ { print $3 }')
missing=""
for sym in $($nm -u "$obj" | awk '{ print $2 }'); do
	case " $(echo $have) " in
	*" $sym "*) ;;
	*) missing="$missing $sym" ;;
	esac
done
if [ -n "$missing" ]; then
	echo "$what needs symbols an ipclab task lacks:$missing"
	exit 1
fi
echo "$what: builds with the task flags and needs nothing a task lacks"
