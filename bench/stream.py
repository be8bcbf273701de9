"""Parser for the ipclab result stream, version 2 (bench/FORMAT.md).

The only reader of stream lines in the tree (workloads/common/stream.c is the
only writer).  The parser is strict about the stream and blind to everything
else: a line that begins with ``IPCLAB v2 `` or ``S `` is stream, any other
line is console output and is skipped, between frames and inside them.  A
frame becomes data only when its BEGIN, its samples and its END are all
present, the number of samples equals both the BEGIN's promise (samples=)
and the END's count, and the END's CRC-32, which covers the BEGIN line and
the samples, matches.  Anything else is recorded as a reason, and frames
already accepted are kept: one bad frame never costs the others.

No input makes parse() raise: bytes that are not ASCII, NULs, over-long
lines, numbers beyond 64 bits, a version 1 stream are all reasons.

    parse(data) -> Capture        data: bytes or str, the whole capture
    Capture.ok                    the stream alone says the run succeeded
    Capture.frames                accepted frames, in stream order
    Capture.problems              why the run failed, one string each
    frame_text(header, samples)   a frame's text (tests, fake runners)
    crc32_of(begin_line, texts)   the END's crc32 of a frame
"""

import io
import re
import zlib
from dataclasses import dataclass, field

from . import schema

VERSION = schema.STREAM_VERSION
PREFIX = schema.STREAM_PREFIX
RESERVED = schema.RESERVED_KEYS
REQUIRED = schema.REQUIRED_KEYS
MAX_LINE = schema.STREAM_MAX_LINE

_KEY = schema.KEY
# At most 19 digits, checked before int(): a million-digit "sample" must not
# cost a quadratic conversion, and 19 digits bound int64 (range checked after).
_SAMPLE = re.compile(rb"S (0|-?[1-9][0-9]{0,18})\Z")
_INT = re.compile(r"(?:0|-?[1-9][0-9]{0,18})\Z")
_COUNT = re.compile(r"(?:0|[1-9][0-9]{0,18})\Z")
_CRC = re.compile(r"[0-9a-f]{8}\Z")
_OTHER_VERSION = re.compile(rb"IPCLAB v([0-9]{1,9}) ")
_PRINTABLE = re.compile(rb"[\x20-\x7e]*\Z")


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
    @property
    def promised(self): return int(self.header["samples"])


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
            raise StreamError(f"{what}: '{word[:40]}' is not key=value")
        if not _KEY.match(key):
            raise StreamError(f"{what}: bad key '{key[:40]}'")
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
            raise StreamError(f"{what}: {key}={h[key][:40]} is not a 64-bit integer")
    if "per" in h and int(h["per"]) < 1:
        raise StreamError(f"{what}: per={h['per']} must be at least 1")
    if not _COUNT.match(h["samples"]):
        raise StreamError(f"{what}: samples={h['samples'][:40]} is not a count")


def _lines(data):
    """(number, line bytes without its line end) of every line, lazily."""
    if isinstance(data, str):
        data = data.encode("utf-8", errors="surrogateescape")
    for no, line in enumerate(io.BytesIO(data), 1):
        if line.endswith(b"\n"):
            line = line[:-1]
        if line.endswith(b"\r"):
            line = line[:-1]
        yield no, line


class _Open:
    """A frame between its BEGIN and its END."""
    def __init__(self, header, line, begin):
        self.header, self.line = header, line
        self.promised = int(header["samples"])
        self.samples, self.arrived, self.bad = [], 0, None
        self.crc = zlib.crc32(begin + b"\n")

    def name(self):
        return f"frame at line {self.line} (metric={self.header.get('metric', '?')})"

    def spoil(self, reason):
        if self.bad is None:
            self.bad = reason


class _Refused:
    """The samples and END that follow a BEGIN already refused (its reason is
    recorded once): absorbed, neither stored nor reported line by line."""
    def name(self):
        return "a refused frame"


def _show(line):
    return repr(line[:60].decode("ascii", errors="backslashreplace"))


def parse(data):
    """Parse a whole capture; never raises on bad input, records problems."""
    cap = Capture()
    cur = None              # the open frame, if any
    after_done = False
    other_versions = []     # line numbers of stream lines of another version

    def reject(frame, reason):
        cap.problems.append(f"{frame.name()} rejected: {reason}")

    for no, raw in _lines(data):
        is_sample = raw.startswith(b"S ")
        if not is_sample and not raw.startswith(PREFIX.encode()):
            if _OTHER_VERSION.match(raw):
                cap.stream_lines += 1
                other_versions.append(no)
            continue                        # console output
        cap.stream_lines += 1
        why = None
        if len(raw) > MAX_LINE:
            why = f"line {no}: stream line of {len(raw)} bytes, more than {MAX_LINE}"
        elif not _PRINTABLE.match(raw):
            bad = next(b for b in raw if not 0x20 <= b <= 0x7e)
            why = f"line {no}: stream line holds byte 0x{bad:02x}, not printable ASCII"
        if why:
            if isinstance(cur, _Refused):
                continue
            if cur is not None:
                cur.spoil(why)
            else:
                cap.problems.append(why)
            continue

        if is_sample:
            if cur is None:
                cap.problems.append(f"line {no}: sample outside a frame: {_show(raw)}")
                continue
            if isinstance(cur, _Refused):
                continue
            cur.arrived += 1
            m = _SAMPLE.match(raw)
            if not m:
                cur.spoil(f"line {no}: malformed sample {_show(raw)}")
                continue
            v = int(m.group(1))
            if not schema.SAMPLE_MIN <= v <= schema.SAMPLE_MAX:
                cur.spoil(f"line {no}: sample {m.group(1).decode()} is outside int64")
                continue
            if cur.arrived > cur.promised:
                # Keep nothing beyond the promise: a runaway frame costs no memory.
                cur.spoil(f"line {no}: more samples than the samples={cur.promised} promised")
                continue
            cur.crc = zlib.crc32(m.group(1) + b"\n", cur.crc)
            cur.samples.append(v)
            continue

        line = raw.decode("ascii")
        rest = line[len(PREFIX):]
        kind, _, body = rest.partition(" ")
        if after_done:
            cap.problems.append(f"line {no}: stream continues after DONE: {_show(raw)}")
            continue
        try:
            if kind == "BEGIN":
                if isinstance(cur, _Open):
                    reject(cur, f"no END before the next BEGIN at line {no}")
                cur = _Refused()            # until this BEGIN proves good
                header = parse_words(body, f"line {no}: BEGIN")
                _check_header(header, f"line {no}: BEGIN")
                cur = _Open(header, no, raw)
                if cur.promised == 0:
                    cur.spoil("an empty frame (samples=0): a frame must hold samples")
            elif kind == "END":
                if cur is None:
                    raise StreamError(f"line {no}: END without a BEGIN")
                frame, cur = cur, None
                if isinstance(frame, _Refused):
                    continue
                footer = parse_words(body, f"line {no}: END")
                _close(cap, frame, footer, no, reject)
            elif kind == "ERROR":
                cap.errors.append(body)
                cap.problems.append(f"line {no}: ERROR {body}")
            elif kind == "DONE":
                if isinstance(cur, _Open):
                    reject(cur, f"no END before DONE at line {no}")
                cur = None
                words = parse_words(body, f"line {no}: DONE")
                status = words.get("status")
                if status not in ("ok", "fail") or len(words) != 1:
                    raise StreamError(f"line {no}: DONE wants status=ok|fail, got {body[:60]!r}")
                cap.done = status
                after_done = True
                if status == "fail":
                    cap.problems.append(f"line {no}: DONE status=fail")
            elif kind == "WORKLOAD":
                cap.workloads.append((no, body))
            elif kind == "INFO":
                cap.info.update(parse_words(body, f"line {no}: INFO"))
            else:
                raise StreamError(f"line {no}: unknown record {kind[:40]!r}")
        except StreamError as e:
            cap.problems.append(str(e))

    if other_versions:
        first = other_versions[0]
        cap.problems.insert(0, (
            f"line {first}: a stream of another version ({len(other_versions)} line(s) "
            f"beginning 'IPCLAB v<n> ' with n != {VERSION}); this harness reads version "
            f"{VERSION} only: older frames carry no promise and no CRC over their header, "
            f"so they cannot be checked (rebuild the image)"))
    if isinstance(cur, _Open):
        reject(cur, "stream ends before its END (truncated)")
    if cap.done is None:
        cap.problems.append("no DONE line: the stream is truncated or the run died")
    return cap


def _close(cap, frame, footer, no, reject):
    if set(footer) != {"count", "crc32"}:
        reject(frame, f"line {no}: END wants count= and crc32=, got {sorted(footer)}")
        return
    if not _COUNT.match(footer["count"]):
        reject(frame, f"line {no}: END count={footer['count'][:40]} is not a count")
        return
    if not _CRC.match(footer["crc32"]):
        reject(frame, f"line {no}: END crc32={footer['crc32'][:40]} is not 8 lowercase hex digits")
        return
    if frame.bad:
        reject(frame, frame.bad)
        return
    count = int(footer["count"])
    if not count == frame.promised == frame.arrived:
        reject(frame, f"END says count={count}, BEGIN promised samples={frame.promised}, "
                      f"{frame.arrived} samples arrived")
        return
    crc = f"{frame.crc & 0xffffffff:08x}"
    if crc != footer["crc32"]:
        reject(frame, f"CRC mismatch: END says crc32={footer['crc32']}, "
                      f"the BEGIN line and samples give {crc}")
        return
    cap.frames.append(Frame(frame.header, frame.samples, frame.line))


def begin_line(header, promised):
    """The BEGIN line (no line end) of a frame with this header (without samples=)."""
    head = " ".join(f"{k}={v}" for k, v in header.items())
    return f"{PREFIX}BEGIN {head} samples={promised}"


def crc32_of(begin, sample_texts):
    """The END's crc32 as FORMAT.md defines it: the BEGIN line (`begin`, no
    line end) and "\\n", then each sample in decimal followed by "\\n"."""
    crc = zlib.crc32(begin.encode("ascii") + b"\n")
    for text in sample_texts:
        crc = zlib.crc32(text.encode("ascii") + b"\n", crc)
    return f"{crc & 0xffffffff:08x}"


def frame_text(header, samples, count=None, crc=None, promised=None):
    """The stream text of one frame (used by tests and fake runners).

    `header` holds every BEGIN key but samples=, which is `promised`
    (default: the number of samples); count and crc default to the right ones.
    """
    texts = [str(s) for s in samples]
    promised = len(texts) if promised is None else promised
    begin = begin_line(header, promised)
    body = "".join(f"S {t}\n" for t in texts)
    count = len(texts) if count is None else count
    crc = crc32_of(begin, texts) if crc is None else crc
    return f"{begin}\n{body}{PREFIX}END count={count} crc32={crc}\n"
