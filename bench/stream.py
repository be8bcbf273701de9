"""Parser for the ipclab result stream, version 1 (bench/FORMAT.md).

The parser is strict about the stream and blind to everything else: a line
that begins with ``IPCLAB v1 `` or ``S `` is stream, any other line is console
output and is skipped, between frames and inside them.  A frame becomes data
only when its BEGIN, its samples and its END are all present and the END's
count and CRC-32 match the samples.  Anything else is recorded as a reason,
and frames already accepted are kept: one bad frame never costs the others.

    parse(data) -> Capture        data: bytes or str, the whole capture
    Capture.ok                    the stream alone says the run succeeded
    Capture.frames                accepted frames, in stream order
    Capture.problems              why the run failed, one string each
"""

import re
import zlib
from dataclasses import dataclass, field

from . import schema

PREFIX = schema.STREAM_PREFIX
RESERVED = schema.RESERVED_KEYS
REQUIRED = schema.REQUIRED_KEYS

_KEY = schema.KEY
_SAMPLE = re.compile(r"S (0|-?[1-9][0-9]*)\Z")
_INT = re.compile(r"(?:0|-?[1-9][0-9]*)\Z")
_CRC = re.compile(r"[0-9a-f]{8}\Z")


class StreamError(ValueError):
    """A stream line that cannot be understood."""


@dataclass
class Frame:
    """One accepted series of samples of one metric."""
    header: dict            # every key of the BEGIN line, in line order
    samples: list           # ints, overhead already subtracted by the target
    line: int               # line number of the BEGIN (1-based)

    @property
    def workload(self): return self.header["workload"]
    @property
    def metric(self): return self.header["metric"]
    @property
    def params(self):
        """The parameters: every key that is not reserved."""
        return {k: v for k, v in self.header.items() if k not in RESERVED}
    @property
    def overhead(self): return int(self.header.get("overhead", "0"))
    @property
    def per(self): return int(self.header.get("per", "1"))


@dataclass
class Capture:
    """Everything found in one capture."""
    frames: list = field(default_factory=list)      # accepted Frames
    problems: list = field(default_factory=list)    # reasons, human-readable
    errors: list = field(default_factory=list)      # messages of ERROR lines
    workloads: list = field(default_factory=list)   # (line, text after WORKLOAD)
    info: dict = field(default_factory=dict)        # INFO key=value pairs
    done: str = None                                # DONE status, None if absent
    stream_lines: int = 0                           # lines that were stream

    @property
    def ok(self):
        """True when the stream alone is a success (exit status not included)."""
        return not self.problems and self.done == "ok"


canonical_params = schema.canonical_params     # kept for callers of stream


def parse_words(text, what):
    """Parse `k=v k=v ...` into a dict; raise StreamError naming the problem."""
    out = {}
    for word in text.split(" "):
        if word == "":
            raise StreamError(f"{what}: empty word (two spaces in a row?)")
        key, eq, value = word.partition("=")
        if not eq:
            raise StreamError(f"{what}: '{word}' is not key=value")
        if not _KEY.match(key):
            raise StreamError(f"{what}: bad key '{key}'")
        if value == "":
            raise StreamError(f"{what}: key '{key}' has an empty value")
        if key in out:
            raise StreamError(f"{what}: key '{key}' appears twice")
        out[key] = value
    return out


def _check_header(h, what):
    for key in REQUIRED:
        if key not in h:
            raise StreamError(f"{what}: missing key '{key}'")
    for key in ("overhead", "per"):
        if key in h and not _INT.match(h[key]):
            raise StreamError(f"{what}: {key}={h[key]} is not an integer")
    if h.get("per", "1") != "1" and int(h["per"]) < 1:
        raise StreamError(f"{what}: per={h['per']} must be at least 1")


def _lines(data):
    if isinstance(data, bytes):
        # Console noise may hold any byte; the stream itself is ASCII, so a
        # byte that does not decode cannot be part of a valid stream line.
        data = data.decode("utf-8", errors="replace")
    lines = data.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


class _Open:
    """A frame between its BEGIN and its END."""
    def __init__(self, header, line):
        self.header, self.line = header, line
        self.samples, self.texts, self.bad = [], [], None

    def name(self):
        return f"frame at line {self.line} (metric={self.header.get('metric', '?')})"


def parse(data):
    """Parse a whole capture; never raises on bad input, records problems."""
    cap = Capture()
    cur = None              # the open frame, if any
    after_done = False

    def reject(frame, reason):
        cap.problems.append(f"{frame.name()} rejected: {reason}")

    for no, line in enumerate(_lines(data), 1):
        if line.startswith("S "):
            cap.stream_lines += 1
            if cur is None:
                cap.problems.append(f"line {no}: sample outside a frame: {line[:60]!r}")
                continue
            m = _SAMPLE.match(line)
            if not m:
                if cur.bad is None:
                    cur.bad = f"line {no}: malformed sample {line[:60]!r}"
                continue
            cur.texts.append(m.group(1))
            cur.samples.append(int(m.group(1)))
            continue
        if not line.startswith(PREFIX):
            continue                        # console output
        cap.stream_lines += 1
        rest = line[len(PREFIX):]
        kind, _, body = rest.partition(" ")
        if after_done:
            cap.problems.append(f"line {no}: stream continues after DONE: {line[:60]!r}")
            continue
        try:
            if kind == "BEGIN":
                if cur is not None:
                    reject(cur, f"no END before the next BEGIN at line {no}")
                header = parse_words(body, f"line {no}: BEGIN")
                _check_header(header, f"line {no}: BEGIN")
                cur = _Open(header, no)
            elif kind == "END":
                if cur is None:
                    raise StreamError(f"line {no}: END without a BEGIN")
                frame, cur = cur, None
                footer = parse_words(body, f"line {no}: END")
                _close(cap, frame, footer, no, reject)
            elif kind == "ERROR":
                cap.errors.append(body)
                cap.problems.append(f"line {no}: ERROR {body}")
            elif kind == "DONE":
                if cur is not None:
                    reject(cur, f"no END before DONE at line {no}")
                    cur = None
                words = parse_words(body, f"line {no}: DONE")
                status = words.get("status")
                if status not in ("ok", "fail") or len(words) != 1:
                    raise StreamError(f"line {no}: DONE wants status=ok|fail, got {body!r}")
                cap.done = status
                after_done = True
                if status == "fail":
                    cap.problems.append(f"line {no}: DONE status=fail")
            elif kind == "WORKLOAD":
                cap.workloads.append((no, body))
            elif kind == "INFO":
                cap.info.update(parse_words(body, f"line {no}: INFO"))
            else:
                raise StreamError(f"line {no}: unknown record {kind!r}")
        except StreamError as e:
            cap.problems.append(str(e))

    if cur is not None:
        reject(cur, "stream ends before its END (truncated)")
    if cap.done is None:
        cap.problems.append("no DONE line: the stream is truncated or the run died")
    return cap


def _close(cap, frame, footer, no, reject):
    if set(footer) != {"count", "crc32"}:
        reject(frame, f"line {no}: END wants count= and crc32=, got {sorted(footer)}")
        return
    if not _INT.match(footer["count"]) or footer["count"].startswith("-"):
        reject(frame, f"line {no}: END count={footer['count']} is not a count")
        return
    if not _CRC.match(footer["crc32"]):
        reject(frame, f"line {no}: END crc32={footer['crc32']} is not 8 lowercase hex digits")
        return
    if frame.bad:
        reject(frame, frame.bad)
        return
    count = int(footer["count"])
    if count != len(frame.samples):
        reject(frame, f"END says count={count} but {len(frame.samples)} samples arrived")
        return
    crc = crc32_of(frame.texts)
    if crc != footer["crc32"]:
        reject(frame, f"CRC mismatch: END says crc32={footer['crc32']}, samples give {crc}")
        return
    cap.frames.append(Frame(frame.header, frame.samples, frame.line))


def crc32_of(sample_texts):
    """CRC-32 of the samples as FORMAT.md defines it: each in decimal + '\\n'."""
    crc = 0
    for text in sample_texts:
        crc = zlib.crc32(text.encode("ascii") + b"\n", crc)
    return f"{crc & 0xffffffff:08x}"


def frame_text(header, samples, count=None, crc=None):
    """The stream text of one frame (used by tests and fake runners)."""
    texts = [str(s) for s in samples]
    head = " ".join(f"{k}={v}" for k, v in header.items())
    body = "".join(f"S {t}\n" for t in texts)
    count = len(texts) if count is None else count
    crc = crc32_of(texts) if crc is None else crc
    return f"{PREFIX}BEGIN {head}\n{body}{PREFIX}END count={count} crc32={crc}\n"
