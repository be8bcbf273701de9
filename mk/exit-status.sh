#!/bin/sh
# exit-status.sh STATUS: what a QEMU exit status means, from the one
# definition (enum ipclab_exit in kernel/include/ipclab/abi.h), for the
# messages of the test targets.  124 is timeout(1)'s.
status=$1
[ "$status" = 124 ] && { echo "124: the time limit (timeout) ended QEMU"; exit 0; }
line=$(sed -n 's|^[[:space:]]*\(IPCLAB_EXIT_[A-Z_]*\)[[:space:]]*=[[:space:]]*'"$status"'[[:space:]]*,[[:space:]]*/\*[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*\*/.*$|\1: \2|p' \
	"$(dirname "$0")/../kernel/include/ipclab/abi.h")
echo "$status: ${line:-not an ipclab exit status (enum ipclab_exit, kernel/include/ipclab/abi.h)}"
