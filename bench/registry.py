"""The workload registry: which workloads an image has and their parameters.

The image is the only source of truth: the harness asks it (`workload=list`)
and parses the WORKLOAD lines (bench/FORMAT.md).  The answer is cached per
image, keyed by the image's SHA-256, so a rebuild is asked again.

    IPCLAB v2 WORKLOAD name=ep_call params=words:0:512:0,space:same|diff:same,...
"""

import json
import os
import re
from dataclasses import dataclass

from . import schema, stream

_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,18})\Z")   # int64 at most: 19 digits
_WORD = re.compile(r"[A-Za-z0-9_.+-]+\Z")


class RegistryError(ValueError):
    pass


@dataclass
class Param:
    name: str
    kind: str                  # "int" or "word"
    default: object
    lo: int = None             # int: inclusive bounds
    hi: int = None
    words: tuple = ()          # word: the allowed values

    def describe(self):
        if self.kind == "int":
            return f"{self.lo}..{self.hi}"
        return "|".join(self.words)

    def to_json(self):
        return {"name": self.name, "kind": self.kind, "default": self.default,
                "lo": self.lo, "hi": self.hi, "words": list(self.words)}

    @classmethod
    def from_json(cls, d):
        return cls(d["name"], d["kind"], d["default"], d["lo"], d["hi"], tuple(d["words"]))


def parse_param(text, where):
    """One `<p>:<min>:<max>:<default>` or `<p>:<w>|<w>...:<default>`."""
    fields = text.split(":")
    name = fields[0]
    if not re.match(r"[a-z][a-z0-9_]*\Z", name):
        raise RegistryError(f"{where}: bad parameter name {name!r}")
    if len(fields) == 4:
        lo, hi, default = fields[1:]
        for label, v in (("min", lo), ("max", hi), ("default", default)):
            if not _INT.match(v):
                raise RegistryError(f"{where}: parameter {name}: {label} {v!r} is not an integer")
        lo, hi, default = int(lo), int(hi), int(default)
        if not lo <= default <= hi:
            raise RegistryError(f"{where}: parameter {name}: default {default} outside {lo}..{hi}")
        return Param(name, "int", default, lo, hi)
    if len(fields) == 3:
        words, default = fields[1].split("|"), fields[2]
        for w in words:
            if not _WORD.match(w):
                raise RegistryError(f"{where}: parameter {name}: bad value {w!r}")
        if default not in words:
            raise RegistryError(f"{where}: parameter {name}: default {default!r} not in {fields[1]}")
        return Param(name, "word", default, words=tuple(words))
    raise RegistryError(f"{where}: parameter {text!r} is neither name:min:max:default "
                        f"nor name:w1|w2:default")


def parse_registry(capture):
    """Registry {workload: {param: Param}} from a parsed `workload=list` capture."""
    if capture.problems:
        raise RegistryError("workload=list failed: " + "; ".join(capture.problems))
    if not capture.workloads:
        raise RegistryError("workload=list printed no WORKLOAD lines")
    reg = {}
    for line, body in capture.workloads:
        where = f"WORKLOAD at line {line}"
        try:
            words = stream.parse_words(body, where)
        except stream.StreamError as e:
            raise RegistryError(str(e)) from None
        name = words.get("name")
        if not name:
            raise RegistryError(f"{where}: no name=")
        if set(words) - {"name", "params"}:
            raise RegistryError(f"{where}: unexpected keys {sorted(set(words) - {'name', 'params'})}")
        if name in reg:
            raise RegistryError(f"{where}: workload {name} listed twice")
        params = {}
        for text in filter(None, words.get("params", "").split(",")):
            p = parse_param(text, f"{where} ({name})")
            if p.name in params:
                raise RegistryError(f"{where} ({name}): parameter {p.name} listed twice")
            if p.name in schema.RESERVED_KEYS:
                raise RegistryError(f"{where} ({name}): '{p.name}' is a reserved stream key, "
                                    f"it cannot be a parameter")
            params[p.name] = p
        reg[name] = params
    return reg


def registry_to_json(reg):
    return {w: [p.to_json() for p in ps.values()] for w, ps in reg.items()}


def registry_from_json(d):
    return {w: {p["name"]: Param.from_json(p) for p in ps} for w, ps in d.items()}


def load_cached(cache_dir, key):
    path = os.path.join(cache_dir, f"registry-{key}.json")
    try:
        with open(path) as f:
            return registry_from_json(json.load(f))
    except (OSError, ValueError, KeyError):
        return None


def save_cached(cache_dir, key, reg):
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, f"registry-{key}.json")
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(registry_to_json(reg), f, indent=1)
    os.replace(tmp, path)
