#!/bin/sh
# exit-status.sh STATUS: what a QEMU exit status means, from the one
# definition (enum ipclab_exit in kernel/include/ipclab/abi.h), for the
# messages of the test targets.  124 and 137 are timeout(1)'s (the test
# time limit, TEST_TIMEOUT in mk/toolchain.mk).
status=$1
[ "$status" = 124 ] && { echo "124: timed out (the test time limit ended QEMU)"; exit 0; }
[ "$status" = 137 ] && { echo "137: timed out (the test time limit ended QEMU, killed 10 s after it)"; exit 0; }
line=$(sed -n 's|^[[:space:]]*\(IPCLAB_EXIT_[A-Z_]*\)[[:space:]]*=[[:space:]]*'"$status"'[[:space:]]*,[[:space:]]*/\*[[:space:]]*\(.*[^[:space:]]\)[[:space:]]*\*/.*$|\1: \2|p' \
	"$(dirname "$0")/../kernel/include/ipclab/abi.h")
echo "$status: ${line:-not an ipclab exit status (enum ipclab_exit, kernel/include/ipclab/abi.h)}"
