"""A small checker of the result stream (bench/FORMAT.md v1), independent of
the harness's parser: the Linux runner's tests and benchmark script use it.
"""

import re
import zlib

PREFIX = "IPCLAB v1 "


class Failure(Exception):
    """The stream (or a run) is not what it should be."""


def check_stream(text):
    """Check a whole capture; return (frames, info, errors, done status).

    Raises Failure on anything FORMAT.md does not allow: a sample outside a
    frame, a bad count or CRC, a frame without END, no DONE.
    """
    frames, info, errors, cur, done = [], {}, [], None, None
    for no, line in enumerate(text.split("\n"), 1):
        if line.startswith("S "):
            if cur is None:
                raise Failure(f"line {no}: sample outside a frame")
            if not re.fullmatch(r"-?(0|[1-9][0-9]*)", line[2:]):
                raise Failure(f"line {no}: malformed sample {line!r}")
            cur["texts"].append(line[2:])
            continue
        if not line.startswith(PREFIX):
            continue
        kind, _, body = line[len(PREFIX):].partition(" ")
        if done is not None:
            raise Failure(f"line {no}: stream after DONE")
        words = dict(w.split("=", 1) for w in body.split(" ")) if kind in (
            "BEGIN", "END", "INFO", "DONE") else {}
        if kind == "BEGIN":
            if cur is not None:
                raise Failure(f"line {no}: BEGIN inside a frame")
            cur = {"header": words, "texts": []}
        elif kind == "END":
            if cur is None:
                raise Failure(f"line {no}: END without BEGIN")
            crc = 0
            for t in cur["texts"]:
                crc = zlib.crc32(t.encode() + b"\n", crc)
            if int(words["count"]) != len(cur["texts"]):
                raise Failure(f"line {no}: count {words['count']} != {len(cur['texts'])}")
            if words["crc32"] != f"{crc:08x}":
                raise Failure(f"line {no}: crc32 {words['crc32']} != {crc:08x}")
            frames.append({"header": cur["header"], "samples": [int(t) for t in cur["texts"]]})
            cur = None
        elif kind == "INFO":
            info.update(words)
        elif kind == "ERROR":
            errors.append(body)
        elif kind == "DONE":
            done = words["status"]
        elif kind != "WORKLOAD":
            raise Failure(f"line {no}: unknown record {kind}")
    if cur is not None:
        raise Failure("a frame has no END")
    if done is None:
        raise Failure("no DONE line")
    return frames, info, errors, done
