# mutate/: the mutation suite.  Not part of `make test` (it runs a test
# target once per mutation); run it before calling a safety check done.

MUTATE_J ?= 2
MUTATE_ONLY ?=

.PHONY: mutate
## mutate: apply each bug of mutate/catalogue.toml in a copy of the tree and check its test target fails; prints the kill rate (MUTATE_ONLY="id ...", MUTATE_J=n)
mutate: | deps
	$(PYTHON) mutate/run.py -j $(MUTATE_J) $(if $(MUTATE_ONLY),--only $(MUTATE_ONLY))
