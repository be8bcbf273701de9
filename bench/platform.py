"""How one run is started on each platform, and what is known about the build.

    virt   the QEMU command of the build's qemu.json, the image, the words
    linux  build/linux/ipclab-linux <words>
    --runner EXE (tests, experiments): EXE <words>, on either platform's name
    --image FILE: another kernel image or Linux runner (e.g. a kept old build)

The harness holds no copy of the QEMU command line or of the toolchain: the
kernel build writes both beside the image (mk/qemu.mk, kernel/kernel.mk):

    qemu.json    {"qemu": ..., "machine": [...], "modes": {"exact": [...],
                  "timed": [...]}, "image_option": "-kernel",
                  "append_option": "-append"}; one run's argv is
                  [qemu] + machine + modes[mode] + [image_option, IMAGE,
                  append_option, " ".join(words)]
    cflags.txt   "<compiler> <flags>", the compiler and flags of the image

A Platform knows its command line, its image (the file whose SHA-256 keys the
registry cache and is recorded in meta.json) and how to describe the
toolchain that built it.  QEMU's exit statuses are explained from the
kernel's ABI header (enum ipclab_exit), read at run time, not copied here.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL_IMAGE = os.path.join("build", "kernel", "ipclab.elf")
LINUX_RUNNER = os.path.join("build", "linux", "ipclab-linux")
QEMU_JSON = "qemu.json"             # beside the kernel image
CFLAGS_TXT = "cflags.txt"           # beside the image: "<compiler> <flags>"
ABI_HEADER = os.path.join("kernel", "include", "ipclab", "abi.h")
MAKE_TARGET = {"virt": "kernel", "linux": "linux-runner"}


class PlatformError(RuntimeError):
    pass


# --- qemu.json ---------------------------------------------------------------

def load_qemu_json(path):
    """The QEMU description the build wrote (mk/qemu.mk); PlatformError names what is wrong."""
    try:
        with open(path, "rb") as f:
            text = f.read()
    except FileNotFoundError:
        raise PlatformError(f"{path}: missing: the kernel build writes it beside the image "
                            f"(`make kernel`)") from None
    except OSError as e:
        raise PlatformError(f"{path}: cannot read: {e.strerror}") from None
    try:
        d = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise PlatformError(f"{path}: not valid JSON ({e}); rebuild with `make kernel`") from None

    def bad(field, want):
        raise PlatformError(f"{path}: {field}: expected {want}; rebuild with `make kernel`")

    def words(v, field):
        if not isinstance(v, list) or not all(isinstance(w, str) and w for w in v):
            bad(field, "a list of non-empty strings")
        return list(v)

    if not isinstance(d, dict):
        bad("(top)", "a JSON object")
    for key in ("qemu", "image_option", "append_option"):
        if not isinstance(d.get(key), str) or not d[key]:
            bad(key, "a non-empty string")
    modes = d.get("modes")
    if not isinstance(modes, dict):
        bad("modes", "an object of mode -> options")
    out = {"qemu": d["qemu"], "machine": words(d.get("machine"), "machine"),
           "modes": {}, "image_option": d["image_option"], "append_option": d["append_option"]}
    for mode in ("exact", "timed"):
        if mode not in modes:
            bad(f"modes.{mode}", "a list of options")
        out["modes"][mode] = words(modes[mode], f"modes.{mode}")
    return out


def qemu_argv(desc, mode, image, words):
    """The argv of one boot, composed as qemu.json says."""
    return ([desc["qemu"]] + desc["machine"] + desc["modes"][mode]
            + [desc["image_option"], image, desc["append_option"], " ".join(words)])


# --- exit statuses, from the kernel's ABI header --------------------------------

_ENUM = re.compile(r"enum\s+ipclab_exit\s*\{(.*?)\}\s*;", re.S)
_ENTRY = re.compile(r"^\s*(IPCLAB_EXIT_[A-Z0-9_]+)\s*=\s*([0-9]+)\s*,?\s*(?:/\*(.*?)\*/|//(.*))?\s*$")


def parse_exit_enum(text):
    """{status: (name, comment)} of `enum ipclab_exit` in a header's text.

    One entry per line, `IPCLAB_EXIT_X = <n>, /* what it means */`.  Raises
    ValueError when the enum is absent, an entry line is not of that shape,
    or two entries share a name or a value.
    """
    m = _ENUM.search(text)
    if not m:
        raise ValueError("no `enum ipclab_exit { ... };`")
    out, names = {}, set()
    body = re.sub(r"/\*.*?\*/", lambda c: c.group(0).replace("\n", " "), m.group(1), flags=re.S)
    for line in body.splitlines():
        if not line.strip() or re.fullmatch(r"\s*(/\*.*\*/|//.*)\s*", line):
            continue
        e = _ENTRY.match(line)
        if not e:
            raise ValueError(f"enum ipclab_exit: cannot read {line.strip()!r} "
                             f"(want IPCLAB_EXIT_<NAME> = <n>, /* meaning */)")
        name, value = e.group(1), int(e.group(2))
        comment = " ".join((e.group(3) or e.group(4) or "").split())
        if name in names or value in out:
            raise ValueError(f"enum ipclab_exit: {name} = {value} repeats a name or a value")
        names.add(name)
        out[value] = (name, comment)
    if not out:
        raise ValueError("enum ipclab_exit has no entries")
    return out


def exit_statuses(root=ROOT):
    """The kernel's exit statuses ({} when the header has no enum yet)."""
    try:
        with open(os.path.join(root, ABI_HEADER), errors="replace") as f:
            return parse_exit_enum(f.read())
    except (OSError, ValueError):
        return {}


def explain_exit(status, table):
    """`exit status 3 (IPCLAB_EXIT_KERNEL_FAULT: a kernel fault)` or `exit status 7`."""
    if status in table:
        name, comment = table[status]
        return f"exit status {status} ({name}" + (f": {comment})" if comment else ")")
    return f"exit status {status}"


# --- the platform ---------------------------------------------------------------

class Platform:
    def __init__(self, name, mode, runner=None, image=None, root=ROOT):
        self.name, self.mode, self.root = name, mode, root
        self.runner = os.path.abspath(runner) if runner else None
        self.fixed_image = bool(image)     # a given image is used as is, never built
        if self.runner:
            self.image = self.runner
        elif image:
            self.image = os.path.abspath(image)
        elif name == "virt":
            self.image = os.path.join(root, KERNEL_IMAGE)
        else:
            self.image = os.path.join(root, LINUX_RUNNER)
        self._qemu = None
        self.qemu_json = None       # where the QEMU description was read from
        self.notes = []             # facts worth recording in meta.json
        self.exits = exit_statuses(root) if name == "virt" and not self.runner else {}

    def qemu(self):
        """The QEMU description (qemu.json beside the image, else the tree's)."""
        if self._qemu is None:
            path = os.path.join(os.path.dirname(self.image), QEMU_JSON)
            if not os.path.isfile(path) and self.fixed_image:
                tree = os.path.join(self.root, os.path.dirname(KERNEL_IMAGE), QEMU_JSON)
                self.notes.append(f"no {QEMU_JSON} beside {self.image}: used the tree's "
                                  f"{os.path.relpath(tree, self.root)}")
                path = tree
            self._qemu = load_qemu_json(path)
            self.qemu_json = path
        return self._qemu

    def command(self, words):
        """The argv of one run."""
        if self.runner:
            return [self.runner] + list(words)
        if self.name == "linux":
            return [self.image] + list(words)
        return qemu_argv(self.qemu(), self.mode, self.image, words)

    def check_image(self):
        if not os.path.isfile(self.image):
            hint = (f"run `make {MAKE_TARGET[self.name]}`" if not self.runner
                    else "check --runner")
            raise PlatformError(f"{self.name}: no image at {self.image} ({hint})")
        if not self.runner and self.name == "virt":
            q = self.qemu()["qemu"]
            if shutil.which(q) is None:
                raise PlatformError(f"{q} (from {self.qemu_json}) not found "
                                    f"(make deps installs it)")

    def explain_exit(self, status):
        return explain_exit(status, self.exits)

    def build(self):
        """Build the image once with make (skipped for a --runner)."""
        if self.runner or self.fixed_image:
            return
        target = MAKE_TARGET[self.name]
        # make's output goes to stderr: stdout is for results (tables, export lines)
        r = subprocess.run(["make", "-s", "-C", self.root, "--no-print-directory", target],
                           stdout=sys.stderr)
        if r.returncode != 0:
            raise PlatformError(f"`make {target}` failed (status {r.returncode})")

    def image_sha256(self):
        h = hashlib.sha256()
        with open(self.image, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()

    def _rel(self, path):
        return os.path.relpath(path, self.root) if path.startswith(self.root + os.sep) else path

    def describe(self):
        """Toolchain and emulator facts for meta.json; missing facts are None."""
        d = {"image": self._rel(self.image), "runner_override": self.runner is not None}
        d["compiler"] = compiler_info(self)
        if self.name == "virt" and not self.runner:
            q = self.qemu()
            cmd = self.command(["<words>"])
            d["qemu"] = {"version": _first_line([q["qemu"], "--version"]), "command": cmd,
                         "command_line": " ".join(cmd), "qemu_json": q,
                         "qemu_json_path": self._rel(self.qemu_json)}
        else:
            d["qemu"] = None
        d["command"] = self.command(["<words>"])
        d["notes"] = list(self.notes)
        return d


def _first_line(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.splitlines()[0].strip() if out.strip() else None


def _elf_section(readelf, image, section):
    """Strings in an ELF section (readelf -p), or [] when absent."""
    try:
        r = subprocess.run([readelf, "-p", section, image], capture_output=True,
                           text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return []
    return [m.group(1).strip() for m in re.finditer(r"^\s*\[\s*[0-9a-f]+\]\s+(.*)$",
                                                    r.stdout, re.M)]


def read_cflags(path):
    """(compiler, flags) of a cflags.txt ("<compiler> <flags>"), or (None, None)."""
    try:
        with open(path, errors="replace") as f:
            words = f.read().split()
    except OSError:
        return None, None
    if not words:
        return None, None
    return words[0], " ".join(words[1:])


def readelf_for(compiler):
    """The binutils readelf that goes with a compiler: <prefix>gcc -> <prefix>readelf."""
    if compiler:
        m = re.fullmatch(r"(.*?)(?:gcc|cc|clang)(-[0-9.]+)?", os.path.basename(compiler))
        if m and m.group(1) and shutil.which(m.group(1) + "readelf"):
            return m.group(1) + "readelf"
    return "readelf"


def compiler_info(plat):
    """Compiler name, version and flags of the image, from the build's own records.

    The compiler and flags come from cflags.txt beside the image (written by
    the build); the flags from the ELF's .GCC.command.line when present; the
    GCC version from its .comment.  Without a cflags.txt the compiler is
    unknown (None): the harness does not guess it.
    """
    here = os.path.dirname(plat.image)
    path = os.path.join(here, CFLAGS_TXT)
    compiler, flags = read_cflags(path)
    info = {"compiler": compiler, "version": _first_line([compiler, "--version"]) if compiler
            else None, "image_comment": None, "flags": flags,
            "flags_source": plat._rel(path) if compiler else None}
    if plat.runner or not os.path.isfile(plat.image):
        return info
    readelf = readelf_for(compiler)
    comment = _elf_section(readelf, plat.image, ".comment")
    if comment:
        info["image_comment"] = "; ".join(sorted(set(comment)))
    switches = _elf_section(readelf, plat.image, ".GCC.command.line")
    if switches:
        info["flags"] = " ".join(dict.fromkeys(switches))
        info["flags_source"] = ".GCC.command.line"
    return info
