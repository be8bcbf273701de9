"""Progress on stderr: runs finished, failures, elapsed time and time left.

On a terminal one line is rewritten in place; otherwise (make, CI, a log
file) a line is printed at most every 10 seconds, and at the end.  Failed
runs are always reported on their own line with the reason.
"""

import sys
import time


def hms(secs):
    secs = int(round(secs))
    return f"{secs // 3600}:{secs // 60 % 60:02d}:{secs % 60:02d}"


class Progress:
    def __init__(self, total, already=0, out=sys.stderr, every=10.0):
        self.total, self.done, self.failed = total, already, 0
        self.start_done = already
        self.t0 = time.monotonic()
        self.out, self.tty = out, out.isatty()
        self.every, self.last = every, 0.0

    def line(self):
        now = time.monotonic() - self.t0
        new = self.done - self.start_done
        left = self.total - self.done
        eta = hms(now / new * left) if new else "?"
        pct = 100 * self.done // self.total if self.total else 100
        return (f"[{self.done}/{self.total} {pct}%] failed {self.failed}, "
                f"elapsed {hms(now)}, left ~{eta}")

    def update(self, run_id, outcome):
        self.done += 1
        if outcome["status"] != "ok":
            self.failed += 1
            self._print(f"FAILED {run_id}: {outcome['reason']}", keep=True)
        elif outcome["attempts"] > 1:
            self._print(f"retried {run_id}: {outcome['reason']}", keep=True)
        now = time.monotonic()
        if self.tty or now - self.last >= self.every or self.done == self.total:
            self.last = now
            self._print(self.line(), keep=not self.tty)

    def _print(self, text, keep):
        if self.tty:
            self.out.write("\r\x1b[K" + text + ("\n" if keep else ""))
        else:
            self.out.write(text + "\n")
        self.out.flush()

    def finish(self):
        if self.tty:
            self.out.write("\n")
            self.out.flush()
