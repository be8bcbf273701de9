"""ipclab's host harness: sweeps in, results directories out (see bench/README.md)."""
