"""The stream parser against bench/FORMAT.md (version 2): good, cut, flipped, noisy,
broken, hostile."""

import zlib

import pytest

from bench import stream
from bench.stream import frame_text, parse

HEAD = {"workload": "ep_call", "metric": "call", "unit": "instructions", "counter": "pmccntr",
        "mode": "exact", "platform": "virt", "overhead": "4", "per": "1",
        "iterations": "6", "words": "8", "space": "same"}
A = [312, 311, 340, 0, -5, 312]
B = [97, 98, 99, 100, 1000000, 7]


def head(metric):
    return dict(HEAD, metric=metric)


def good():
    return (
        "ipclab booting\n"
        + frame_text(head("call"), A)
        + "console: between frames\n"
        + frame_text(head("replyrecv"), B)
        + "IPCLAB v2 DONE status=ok\n"
    )


def test_crc_covers_the_begin_line_then_the_decimal_lines():
    # FORMAT.md's own example: the BEGIN line's bytes and "\n", then samples
    # 312 and 311 as "312\n311\n".
    begin = "IPCLAB v2 BEGIN workload=x metric=m samples=2"
    want = "%08x" % zlib.crc32(begin.encode() + b"\n312\n311\n")
    assert stream.crc32_of(begin, ["312", "311"]) == want
    # the C writer's test (workloads/common/test/test_common.c) pins this value
    assert stream.crc32_of("IPCLAB v2 BEGIN workload=x metric=m unit=ns samples=2",
                           ["312", "311"]) == "cb3f8730"


def test_good_capture():
    cap = parse(good().encode())
    assert cap.ok, cap.problems
    assert [f.metric for f in cap.frames] == ["call", "replyrecv"]
    assert cap.frames[0].samples == A and cap.frames[1].samples == B
    assert cap.frames[0].params == {"iterations": "6", "words": "8", "space": "same"}
    assert cap.frames[0].overhead == 4 and cap.frames[0].per == 1
    assert cap.done == "ok"


def test_crlf_line_endings_are_accepted():
    cap = parse(good().replace("\n", "\r\n"))
    assert cap.ok, cap.problems
    assert cap.frames[1].samples == B


def test_noise_inside_and_between_frames_is_ignored():
    lines = good().splitlines(keepends=True)
    noisy = []
    for i, ln in enumerate(lines):
        noisy.append(ln)
        # lines that resemble the stream but are not: none begins with
        # "IPCLAB v<digits> " or "S "
        noisy.append(["IPCLAB vx BEGIN x=y\n", "SS 1\n", "s 5\n", " S 5\n", "IPCLAB v1\n",
                      "\n", "[ 0.1] timer tick\n", "S\n"][i % 8])
    cap = parse("".join(noisy))
    assert cap.ok, cap.problems
    assert [f.samples for f in cap.frames] == [A, B]


def test_truncated_anywhere_is_rejected_and_complete_frames_kept():
    text = good()
    end_of_first = text.index("IPCLAB v2 END")
    end_of_first = text.index("\n", end_of_first) + 1
    for cut in range(len(text) - 1):       # every proper prefix, also mid-line
        cap = parse(text[:cut])
        assert not cap.ok, f"cut at {cut} accepted"
        assert cap.problems
        if cut >= end_of_first:
            assert cap.frames and cap.frames[0].samples == A, f"cut at {cut} lost frame 1"
        assert all(f.samples in (A, B) for f in cap.frames)
        if len(cap.frames) < 2:
            assert any("truncated" in p or "no DONE" in p for p in cap.problems)


def test_flipped_bytes_in_samples_or_footer_are_rejected():
    text = good().encode()
    start = text.index(b"S 97")                   # second frame's samples ...
    stop = text.index(b"\n", text.index(b"END", start)) + 1   # ... through its END
    for pos in range(start, stop):
        for mask in (0x01, 0x02, 0x10, 0x20, 0x80):
            bad = bytearray(text)
            bad[pos] ^= mask
            cap = parse(bytes(bad))
            assert not cap.ok, f"flip {mask:#x} at {pos} ({text[pos:pos + 1]!r}) accepted"
            assert cap.problems
            # the first frame, already complete, is never lost
            assert cap.frames and cap.frames[0].samples == A
            assert cap.frames[0].metric == "call"
            assert all(f.metric != "replyrecv" or f.samples == B for f in cap.frames)


def test_missing_footer_then_next_frame():
    text = ("IPCLAB v2 BEGIN " + " ".join(f"{k}={v}" for k, v in head("call").items())
            + f" samples={len(A)}\n"
            + "".join(f"S {v}\n" for v in A)
            + frame_text(head("replyrecv"), B) + "IPCLAB v2 DONE status=ok\n")
    cap = parse(text)
    assert not cap.ok
    assert [f.metric for f in cap.frames] == ["replyrecv"]
    assert any("metric=call" in p and "no END before the next BEGIN" in p for p in cap.problems)


def test_missing_footer_before_done():
    text = frame_text(head("call"), A) + frame_text(head("replyrecv"), B)
    text = text[:text.rindex("IPCLAB v2 END")] + "IPCLAB v2 DONE status=ok\n"
    cap = parse(text)
    assert not cap.ok
    assert [f.samples for f in cap.frames] == [A]
    assert any("no END before DONE" in p for p in cap.problems)


def test_wrong_crc():
    text = good().replace(frame_text(head("replyrecv"), B),
                          frame_text(head("replyrecv"), B, crc="deadbeef"))
    cap = parse(text)
    assert not cap.ok
    assert [f.samples for f in cap.frames] == [A]
    assert any("CRC mismatch" in p and "deadbeef" in p for p in cap.problems)


def test_count_mismatch():
    text = good().replace(frame_text(head("call"), A), frame_text(head("call"), A, count=7))
    cap = parse(text)
    assert not cap.ok
    assert [f.samples for f in cap.frames] == [B]
    assert any("count=7, BEGIN promised samples=6, 6 samples arrived" in p for p in cap.problems)


def test_error_line_fails_the_run_but_keeps_frames():
    text = (frame_text(head("call"), A) + "IPCLAB v2 ERROR words=600 is out of range 0..512\n"
            + "IPCLAB v2 DONE status=fail\n")
    cap = parse(text)
    assert not cap.ok
    assert cap.errors == ["words=600 is out of range 0..512"]
    assert any("ERROR words=600 is out of range 0..512" in p for p in cap.problems)
    assert [f.samples for f in cap.frames] == [A]


def test_error_line_alone_fails_even_with_done_ok():
    cap = parse(good().replace("IPCLAB v2 DONE", "IPCLAB v2 ERROR check failed\nIPCLAB v2 DONE"))
    assert not cap.ok and len(cap.frames) == 2


def test_structural_errors_are_named():
    cases = {
        "S 5\n": "sample outside a frame",
        "IPCLAB v2 END count=0 crc32=00000000\n": "END without a BEGIN",
        "IPCLAB v2 FROB x=1\n": "unknown record",
        "IPCLAB v2 BEGIN workload=x metric=y\n": "missing key 'unit'",
        "IPCLAB v2 BEGIN workload=x metric=y unit=ns counter=tsc mode=timed platform=linux\n":
            "missing key 'samples'",
        "IPCLAB v2 BEGIN workload=x workload=y\n": "appears twice",
        "IPCLAB v2 BEGIN Workload=x\n": "bad key",
    }
    for line, why in cases.items():
        cap = parse(line + "IPCLAB v2 DONE status=ok\n")
        assert not cap.ok, line
        assert any(why in p for p in cap.problems), (line, cap.problems)


def test_malformed_sample_rejects_its_frame():
    for bad in ("S 0312", "S -0", "S 3x", "S 1.5", "S 12 ", "S "):
        text = frame_text(head("call"), A).replace("S 340\n", bad + "\n")
        cap = parse(text + frame_text(head("replyrecv"), B) + "IPCLAB v2 DONE status=ok\n")
        assert not cap.ok, bad
        assert [f.metric for f in cap.frames] == ["replyrecv"], bad
        assert any("malformed sample" in p for p in cap.problems), bad


def test_stream_after_done_and_done_fail():
    cap = parse(good() + frame_text(head("call"), A))
    assert not cap.ok and any("after DONE" in p for p in cap.problems)
    cap = parse(good().replace("status=ok", "status=fail"))
    assert not cap.ok and len(cap.frames) == 2


def test_info_and_workload_lines():
    cap = parse("IPCLAB v2 INFO cpu=cortex-a53 hz=62500000\n"
                "IPCLAB v2 WORKLOAD name=yield params=iterations:1:10:5\n"
                "IPCLAB v2 DONE status=ok\n")
    assert cap.info == {"cpu": "cortex-a53", "hz": "62500000"}
    assert cap.workloads == [(2, "name=yield params=iterations:1:10:5")]


# --- version 2's promise, and hostile input ------------------------------------

def one(samples, **kw):
    return frame_text(head("call"), samples, **kw) + "IPCLAB v2 DONE status=ok\n"


def rejected(text, why):
    cap = parse(text)
    assert not cap.ok and not cap.frames, cap
    assert any(why in p for p in cap.problems), cap.problems
    return cap


def test_promise_count_and_arrivals_must_agree():
    assert parse(one(A)).ok
    # promised 7, 6 arrived, count says 6 (CRC computed over what was sent)
    rejected(one(A, promised=7), "promised samples=7, 6 samples arrived")
    rejected(one(A, promised=5), "more samples than the samples=5 promised")
    rejected(one(A, count=5), "count=5")


def test_crc_covers_the_header():
    # m2's BEGIN over m1's samples, with m1's END: the CRC tells
    t1, t2 = frame_text(head("call"), A), frame_text(head("replyrecv"), A)
    swapped = t2.splitlines(keepends=True)[0] + "".join(t1.splitlines(keepends=True)[1:])
    rejected(swapped + "IPCLAB v2 DONE status=ok\n", "CRC mismatch")
    # a parameter edited in the header
    rejected(one(A).replace("words=8", "words=9", 1), "CRC mismatch")


def test_empty_frames_are_refused():
    rejected(one([]), "empty frame")


def test_samples_are_int64():
    lo, hi = -(1 << 63), (1 << 63) - 1
    cap = parse(one([lo, hi]))
    assert cap.ok and cap.frames[0].samples == [lo, hi]
    rejected(one([hi + 1]), "outside int64")
    rejected(one([lo - 1]), "outside int64")
    rejected(one([10 ** 19]), "malformed sample")           # 20 digits: not even read
    big = one([7]).replace("S 7\n", "S " + "9" * 200000 + "\n")
    rejected(big, "more than 4096")


@pytest.mark.parametrize("bad, why", [
    (b"S 3\x00\n", "byte 0x00"),
    (b"S \xff\xfe\n", "byte 0xff"),
    (b"S 1\xc3\n", "byte 0xc3"),                             # truncated UTF-8
    (b"S " + b"1" * 5000 + b"\n", "more than 4096"),
])
def test_hostile_bytes_inside_a_frame_reject_it(bad, why):
    text = one(A).encode()
    i = text.index(b"S ")
    cap = parse(text[:i] + bad + text[i:])
    assert not cap.ok and not cap.frames
    assert any(why in p for p in cap.problems), cap.problems


def test_garbage_never_raises():
    import random
    rnd = random.Random(11)
    good_bytes = good().encode()
    for k in range(300):
        data = bytearray(good_bytes)
        for _ in range(rnd.randrange(1, 20)):
            op = rnd.randrange(3)
            pos = rnd.randrange(len(data))
            if op == 0:
                data[pos] = rnd.randrange(256)
            elif op == 1:
                data[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 50)))
            else:
                del data[pos:pos + rnd.randrange(1, 50)]
        cap = parse(bytes(data))                # must not raise
        for f in cap.frames:                    # whatever survives is a real frame
            assert (f.metric, f.samples) in (("call", A), ("replyrecv", B))
    assert parse(b"\x00" * 100000).problems
    assert parse(b"IPCLAB v2 BEGIN " + b"a=1 " * 3000 + b"\n").problems


def test_version_1_is_refused_with_a_reason():
    v1 = good().replace("IPCLAB v2 ", "IPCLAB v1 ")
    cap = parse(v1)
    assert not cap.ok and not cap.frames
    assert "reads version 2 only" in cap.problems[0] and "line 2" in cap.problems[0]


def test_a_begin_with_a_bad_promise():
    for bad in ("samples=-1", "samples=x", "samples=01", "samples=" + "9" * 30):
        text = one(A).replace(f"samples={len(A)}", bad, 1)
        cap = parse(text)
        assert not cap.ok and not cap.frames, bad
        assert any("is not a count" in p for p in cap.problems), (bad, cap.problems)


def test_a_begin_naming_a_reserved_key_twice_is_refused():
    # a workload parameter named like a reserved key can only reach the
    # stream as a second copy of that key: refused, like the C side refuses it
    for key, value in (("samples", "6"), ("unit", "ns"), ("metric", "x")):
        text = one(A).replace(f" samples={len(A)}", f" {key}={value} samples={len(A)}", 1)
        cap = parse(text)
        assert not cap.ok and not cap.frames
        assert any(f"key '{key}' appears twice" in p for p in cap.problems), cap.problems


def test_a_refused_begin_costs_one_reason_not_one_per_sample():
    text = one(list(range(1, 5001))).replace("unit=instructions ", "", 1)
    cap = parse(text)
    assert not cap.ok and not cap.frames
    assert cap.problems == ["line 1: BEGIN: missing key 'unit'"], cap.problems[:5]
    # and the next frame is read as usual
    cap = parse(text.replace("IPCLAB v2 DONE status=ok\n", "") + good())
    assert [f.metric for f in cap.frames] == ["call", "replyrecv"]
