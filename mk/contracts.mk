# Checks that span the tree: one definition of each shared contract.

.PHONY: test-contracts
## test-contracts: every shared contract (QEMU command line, toolchain and flags, ...) is defined once
test-contracts:
	@$(call test_limit,60,./mk/check-contracts.sh)
TEST_TARGETS += test-contracts
