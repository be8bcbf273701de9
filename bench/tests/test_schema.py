"""bench/schema.py: the one definition of the results directory's names."""

import pytest

from bench import schema


def test_params_round_trip_and_canonical_order():
    p = {"words": "8", "iterations": "100", "space": "diff"}
    text = schema.canonical_params(p)
    assert text == "iterations=100;space=diff;words=8"
    assert schema.parse_params(text) == p
    assert schema.canonical_params({}) == "" and schema.parse_params("") == {}


@pytest.mark.parametrize("text, why", [
    ("a", "want key=value"), ("A=1", "want key=value"), ("a=1;a=2", "given twice"),
    ("a=", "non-empty"), ("a=1 2", "without spaces"), ("a=1;", "want key=value"),
])
def test_parse_params_refuses(text, why):
    with pytest.raises(ValueError, match=why):
        schema.parse_params(text)


@pytest.mark.parametrize("params", [{"a": "x;y"}, {"a": ""}, {"a b": "1"}, {"a": "1 2"}])
def test_canonical_params_refuses_what_would_not_read_back(params):
    with pytest.raises(ValueError):
        schema.canonical_params(params)


def test_run_id():
    assert schema.run_id(3, "ep_call", 1) == "3-ep_call-r1"
    assert schema.parse_run_id("12-ring-pingpong-r0") == (12, "ring-pingpong", 0)
    for bad in ("3-ep_call", "x-ep_call-r1", "03-ep_call-r1", "3-ep_call-r"):
        with pytest.raises(ValueError):
            schema.parse_run_id(bad)


def test_columns_and_names_are_todays():
    # what analysis/ and results/reference/ read: changing one is a schema bump
    assert schema.SCHEMA_VERSION == 1
    assert schema.RUN_COLUMNS[0] == schema.SAMPLE_COLUMNS[0] == "run_id"
    assert schema.SUMMARY_COLUMNS[:len(schema.CONFIG_KEY)] == schema.CONFIG_KEY
    assert set(schema.REQUIRED_KEYS) <= set(schema.RESERVED_KEYS)
    assert schema.dir_name("20260101-000000", "x") == "20260101-000000-x"
    assert schema.dir_name("20260101-000000", "x", 2) == "20260101-000000-x-2"
    assert schema.STAMPED_NAME.match(schema.dir_name("20260101-000000", "x"))
    assert schema.capture_path("0-a-r0") == "captures/0-a-r0.log.gz"


def test_stdlib_only():
    import ast
    import sys
    tree = ast.parse(open(schema.__file__).read())
    mods = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    mods |= {n.module.split(".")[0] for n in ast.walk(tree)
             if isinstance(n, ast.ImportFrom) and n.module}
    assert mods <= set(sys.stdlib_module_names), mods


def c_reserved_keys():
    """stream_reserved_keys[] as workloads/common/stream.c defines it."""
    import os
    import re
    from bench.tests.helpers import ROOT
    with open(os.path.join(ROOT, "workloads", "common", "stream.c")) as f:
        text = f.read()
    m = re.search(r"const char \*const stream_reserved_keys\[\] = \{(.*?)\};", text, re.S)
    assert m, "stream.c no longer defines stream_reserved_keys[]"
    words = [w.strip() for w in m.group(1).split(",") if w.strip()]
    assert words[-1] == "NULL", "the C list must end with NULL"
    assert all(re.fullmatch(r'"[a-z_]+"', w) for w in words[:-1]), words
    return tuple(w.strip('"') for w in words[:-1])


def test_c_and_python_reserve_the_same_keys():
    assert c_reserved_keys() == schema.RESERVED_KEYS


def test_c_and_python_name_the_same_common_parameters():
    import os
    import re
    from bench.tests.helpers import ROOT
    with open(os.path.join(ROOT, "workloads", "common", "params.c")) as f:
        text = f.read()
    m = re.search(r"const struct wl_param wl_common_params\[WL_NCOMMON\] = \{(.*?)\n\};", text, re.S)
    assert m, "params.c no longer defines wl_common_params[]"
    names = tuple(re.findall(r'\.name = "([a-z_]+)"', m.group(1)))
    assert names == schema.COMMON_PARAMS


def test_stream_version_is_the_c_writers():
    import os
    import re
    from bench.tests.helpers import ROOT
    with open(os.path.join(ROOT, "workloads", "common", "stream.h")) as f:
        m = re.search(r"#define STREAM_VERSION ([0-9]+)", f.read())
    assert m and int(m.group(1)) == schema.STREAM_VERSION
