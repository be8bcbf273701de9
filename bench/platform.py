"""How one run is started on each platform, and what is known about the build.

    virt        the QEMU command of the build's qemu.json, the image, the words
    linux       <build>/linux/ipclab-linux <words>
    linux-virt  Debian's arm64 Linux under the same QEMU board, the Linux runner
                as its /init (linux-virt/README.md); one boot runs a group of
                runs, each given as one quoted argument after `--`
    --runner EXE (tests, experiments): EXE <words>, on either platform's name
    --image FILE: another kernel image or Linux runner (e.g. a kept old build)

The harness holds no copy of the QEMU command line or of the toolchain: the
kernel build writes both beside the image (mk/qemu.mk, kernel/kernel.mk):

    qemu.json    {"qemu": ..., "machine": [...], "modes": {"exact": [...],
                  "timed": [...]}, "entries": {"el1": [], "el2": [...]},
                  "smp_option": ..., "max_cpus": 4,
                  "image_option": ..., "append_option": ...};
                  one run's argv is [qemu] + machine + modes[mode]
                  + entries[el1] (a boot may ask for el2)
                  + [smp_option, N] (only when the run's cpus=N is over 1)
                  + [image_option, IMAGE, append_option, " ".join(words)]
    cflags.txt   "<compiler> <flags>", the compiler and flags of the image

linux-virt's qemu.json (build/linux-virt/qemu.json, mk/qemu.mk's
qemu_linux_json) has the same qemu, machine and modes, and instead of the
image: "boot" (-kernel K -initrd I -dtb D) and "append" (the kernel's own
arguments); a boot's argv is [qemu] + machine + modes[mode] + boot +
[append_option, append + ' -- "<words of run 1>" "<words of run 2>" ...'].

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
# The build directory: make's $(BUILD), which the Makefile exports as
# IPCLAB_BUILD to everything it starts; relative to the tree.  The one place
# Python learns where the build is: every build path below derives from it.
BUILD_ENV = "IPCLAB_BUILD"
BUILD = os.environ.get(BUILD_ENV) or "build"
KERNEL_IMAGE = os.path.join(BUILD, "kernel", "ipclab.elf")
LINUX_RUNNER = os.path.join(BUILD, "linux", "ipclab-linux")
QEMU_JSON = "qemu.json"             # beside the kernel image
CFLAGS_TXT = "cflags.txt"           # beside the image: "<compiler> <flags>"
ABI_HEADER = os.path.join("kernel", "include", "ipclab", "abi.h")
LINUX_VIRT_JSON = os.path.join(BUILD, "linux-virt", "qemu.json")
LINUX_VIRT_KERNEL_JSON = "kernel.json"   # beside it: the kernel package and version
MAKE_TARGET = {"virt": "kernel", "linux": "linux-runner", "linux-virt": "linux-virt"}

# What one linux-virt boot can carry.  The kernel hands init at most 32
# arguments (MAX_INIT_ARGS, init/main.c; more panics the boot), and some
# of them are its own unknown words (nokaslr); its command line holds 2048
# bytes on arm64 (COMMAND_LINE_SIZE).
GROUP_MAX_RUNS = 24
GROUP_MAX_APPEND = 2000
# The Linux runner's exit statuses (enum rt_exit), read like the kernel's.
RUNNER_HEADER = os.path.join("workloads", "linux", "rt.h")


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
    # Entry levels (optional: a build without them enters at EL1 only).
    if "entries" in d:
        entries = d["entries"]
        if not isinstance(entries, dict) or "el1" not in entries:
            bad("entries", "an object of entry level -> options, with el1")
        out["entries"] = {k: words(v, f"entries.{k}") if v else [] for k, v in entries.items()}
    # Several CPUs (optional: a build without them boots one).
    if "smp_option" in d or "max_cpus" in d:
        if not isinstance(d.get("smp_option"), str) or not d["smp_option"]:
            bad("smp_option", "a non-empty string (with max_cpus)")
        m = d.get("max_cpus")
        if not isinstance(m, int) or isinstance(m, bool) or m < 1:
            bad("max_cpus", "an integer of at least 1 (with smp_option)")
        out["smp_option"], out["max_cpus"] = d["smp_option"], m
    return out


def load_linux_virt_json(path):
    """linux-virt's boot description (mk/qemu.mk qemu_linux_json); PlatformError names what is wrong."""
    try:
        with open(path, "rb") as f:
            text = f.read()
    except FileNotFoundError:
        raise PlatformError(f"{path}: missing: `make linux-virt` writes it") from None
    except OSError as e:
        raise PlatformError(f"{path}: cannot read: {e.strerror}") from None
    try:
        d = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise PlatformError(f"{path}: not valid JSON ({e}); rebuild with `make linux-virt`") from None

    def bad(field, want):
        raise PlatformError(f"{path}: {field}: expected {want}; rebuild with `make linux-virt`")

    if not isinstance(d, dict):
        bad("(top)", "a JSON object")
    for key in ("qemu", "append_option", "append"):
        if not isinstance(d.get(key), str) or not d[key]:
            bad(key, "a non-empty string")
    out = {"qemu": d["qemu"], "append_option": d["append_option"], "append": d["append"],
           "modes": {}}
    for key in ("machine", "boot"):
        v = d.get(key)
        if not isinstance(v, list) or not all(isinstance(w, str) and w for w in v):
            bad(key, "a list of non-empty strings")
        out[key] = list(v)
    if " -- " in f" {d['append']} ":
        bad("append", "the kernel's own arguments, without `--`")
    modes = d.get("modes")
    if not isinstance(modes, dict):
        bad("modes", "an object of mode -> options")
    for mode in ("exact", "timed"):
        v = modes.get(mode)
        if not isinstance(v, list) or not all(isinstance(w, str) and w for w in v):
            bad(f"modes.{mode}", "a list of options")
        out["modes"][mode] = list(v)
    opts = out["boot"]
    files = {opts[i]: opts[i + 1] for i in range(0, len(opts) - 1) if opts[i].startswith("-")}
    for opt in ("-kernel", "-initrd"):
        if opt not in files:
            bad("boot", f"a {opt} FILE pair")
    out["files"] = files
    return out


def linux_virt_append(desc, groups_words):
    """The -append value of one boot: the kernel's arguments, `--`, one quoted argument per run."""
    parts = [desc["append"], "--"]
    for words in groups_words:
        text = " ".join(words)
        if not text or any(c in text for c in '"\n\r\t'):
            raise PlatformError(f"linux-virt: cannot pass the words {text!r} to init "
                                f"(no quote, tab or newline, and not empty)")
        parts.append(f'"{text}"')
    return " ".join(parts)


def run_cpus(words):
    """The CPUs a run asks for: its `cpus=N` word (virt workloads that take
    placement have it, defaults filled by the sweep), else 1."""
    for w in words:
        if w.startswith("cpus="):
            v = w[len("cpus="):]
            if not re.fullmatch(r"[1-9][0-9]{0,2}", v):
                raise PlatformError(f"cpus={v}: not a number of CPUs")
            return int(v)
    return 1


def qemu_argv(desc, mode, image, words, cpus=None, entry="el1"):
    """The argv of one boot, composed as qemu.json says.

    The entry level's options (el1: none; el2 enters the kernel at EL2)
    follow the mode's.  With more than one CPU (cpus, else the run's
    `cpus=` word), qemu.json's smp_option and the count come next
    (mk/qemu.mk: the board has one CPU without them); more than its
    max_cpus is refused.
    """
    entries = desc.get("entries", {"el1": []})
    if entry not in entries:
        raise PlatformError(f"entered at {entry}: this build's qemu.json offers "
                            f"{', '.join(sorted(entries))} (rebuild with `make kernel`)")
    n = run_cpus(words) if cpus is None else cpus
    smp = []
    if n > 1:
        if "smp_option" not in desc:
            raise PlatformError(f"a run on {n} CPUs: this build's qemu.json has no smp_option "
                                f"(rebuild with `make kernel`)")
        if n > desc["max_cpus"]:
            raise PlatformError(f"a run on {n} CPUs: the machine of qemu.json has at most "
                                f"{desc['max_cpus']}")
        smp = [desc["smp_option"], str(n)]
    return ([desc["qemu"]] + desc["machine"] + desc["modes"][mode] + entries[entry] + smp
            + [desc["image_option"], image, desc["append_option"], " ".join(words)])


# --- exit statuses, from the kernel's ABI header --------------------------------

# One enum of exit statuses per executable: (header, enum name, entry prefix).
EXIT_ENUMS = {"kernel": (ABI_HEADER, "ipclab_exit", "IPCLAB_EXIT_"),
              "runner": (RUNNER_HEADER, "rt_exit", "RT_EXIT_")}


def parse_exit_enum(text, enum="ipclab_exit", prefix="IPCLAB_EXIT_"):
    """{status: (name, comment)} of `enum <enum>` in a header's text.

    One entry per line, `<PREFIX>X = <n>, /* what it means */`.  Raises
    ValueError when the enum is absent, an entry line is not of that shape,
    or two entries share a name or a value.
    """
    m = re.search(r"enum\s+" + re.escape(enum) + r"\s*\{(.*?)\}\s*;", text, re.S)
    if not m:
        raise ValueError(f"no `enum {enum} {{ ... }};`")
    entry = re.compile(r"^\s*(" + re.escape(prefix) + r"[A-Z0-9_]+)\s*=\s*([0-9]+)\s*,?\s*"
                       r"(?:/\*(.*?)\*/|//(.*))?\s*$")
    out, names = {}, set()
    body = re.sub(r"/\*.*?\*/", lambda c: c.group(0).replace("\n", " "), m.group(1), flags=re.S)
    for line in body.splitlines():
        if not line.strip() or re.fullmatch(r"\s*(/\*.*\*/|//.*)\s*", line):
            continue
        e = entry.match(line)
        if not e:
            raise ValueError(f"enum {enum}: cannot read {line.strip()!r} "
                             f"(want {prefix}<NAME> = <n>, /* meaning */)")
        name, value = e.group(1), int(e.group(2))
        comment = " ".join((e.group(3) or e.group(4) or "").split())
        if name in names or value in out:
            raise ValueError(f"enum {enum}: {name} = {value} repeats a name or a value")
        names.add(name)
        out[value] = (name, comment)
    if not out:
        raise ValueError(f"enum {enum} has no entries")
    return out


def exit_statuses(root=ROOT, of="kernel"):
    """The exit statuses of the kernel or the Linux runner ({} when the header has none)."""
    header, enum, prefix = EXIT_ENUMS[of]
    try:
        with open(os.path.join(root, header), errors="replace") as f:
            return parse_exit_enum(f.read(), enum, prefix)
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
        elif name == "linux-virt":
            self.image = os.path.join(root, LINUX_VIRT_JSON)
        else:
            self.image = os.path.join(root, LINUX_RUNNER)
        self._qemu = None
        self.qemu_json = None       # where the QEMU description was read from
        self.notes = []             # facts worth recording in meta.json
        if name == "virt" and not self.runner:
            self.exits = exit_statuses(root)
        elif not self.runner:
            self.exits = exit_statuses(root, "runner")
        else:
            self.exits = {}
        self._lv = None
        # Attempts of a run: the first and one retry.
        self.attempts = 2

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

    # --- linux-virt: one boot, a group of runs ---------------------------

    @property
    def grouped(self):
        """True when one process (a boot) runs several runs: linux-virt, not with --runner."""
        return self.name == "linux-virt" and not self.runner

    def linux_virt(self):
        """linux-virt's boot description; the image is its qemu.json."""
        if self._lv is None:
            self._lv = load_linux_virt_json(self.image)
        return self._lv

    def boot_files(self):
        """[(option, absolute path)] of the files a linux-virt boot reads."""
        out = []
        for opt, path in self.linux_virt()["files"].items():
            out.append((opt, path if os.path.isabs(path) else os.path.join(self.root, path)))
        return out

    def group_fits(self, words_list):
        """Whether these runs fit one boot's command line (GROUP_MAX_*)."""
        if len(words_list) > GROUP_MAX_RUNS:
            return False
        return len(linux_virt_append(self.linux_virt(), words_list)) <= GROUP_MAX_APPEND

    def command_group(self, words_list):
        """The argv of one boot running each words list of words_list, in order."""
        if not self.grouped:
            if len(words_list) != 1:
                raise PlatformError(f"{self.name}: one run per process")
            return self.command(words_list[0])
        d = self.linux_virt()
        # Relative boot files are relative to the tree: runs start in it.
        return ([d["qemu"]] + d["machine"] + d["modes"][self.mode] + d["boot"]
                + [d["append_option"], linux_virt_append(d, words_list)])

    def run_argv(self, run, outdir):
        """The argv the harness starts `run` with, its results going to
        `outdir`: command() of its words (a PluginPlatform adds the plugin's
        option, whose output file lives in outdir)."""
        return self.command(run.words)

    def command(self, words):
        """The argv of one run."""
        if self.runner:
            return [self.runner] + list(words)
        if self.name == "linux":
            return [self.image] + list(words)
        if self.name == "linux-virt":
            return self.command_group([words])
        return qemu_argv(self.qemu(), self.mode, self.image, words)

    def check_image(self):
        if not os.path.isfile(self.image):
            hint = (f"run `make {MAKE_TARGET[self.name]}`" if not self.runner
                    else "check --runner")
            raise PlatformError(f"{self.name}: no image at {self.image} ({hint})")
        if self.grouped:
            for opt, path in self.boot_files():
                if not os.path.isfile(path):
                    raise PlatformError(f"linux-virt: {opt} {path} (from {self.image}) is "
                                        f"missing (run `make linux-virt`)")
            q = self.linux_virt()["qemu"]
            if shutil.which(q) is None:
                raise PlatformError(f"{q} (from {self.image}) not found (make deps installs it)")
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
        r = subprocess.run(["make", "-s", "-C", self.root, "--no-print-directory",
                            f"BUILD={BUILD}", target],
                           stdout=sys.stderr)
        if r.returncode != 0:
            raise PlatformError(f"`make {target}` failed (status {r.returncode})")

    def image_sha256(self):
        """SHA-256 of the image; on linux-virt, of every boot file's SHA-256 in order."""
        if not self.grouped:
            return file_sha256(self.image)
        h = hashlib.sha256()
        for opt, path in self.boot_files():
            h.update(f"{opt} {file_sha256(path)}\n".encode())
        return h.hexdigest()

    def _rel(self, path):
        return os.path.relpath(path, self.root) if path.startswith(self.root + os.sep) else path

    def _recorded(self, argv):
        """An argv as meta.json records it: paths inside the tree relative to
        it (runs start in the tree), so two checkouts record the same line."""
        return [self._rel(a) for a in argv]

    def describe(self):
        """Toolchain and emulator facts for meta.json; missing facts are None."""
        d = {"image": self._rel(self.image), "runner_override": self.runner is not None}
        d["compiler"] = compiler_info(self)
        if self.grouped:
            cmd = self._recorded(self.command(["<words>"]))
            d["qemu"] = {"version": _first_line([self.linux_virt()["qemu"], "--version"]),
                         "command": cmd, "command_line": " ".join(cmd),
                         "qemu_json": {k: v for k, v in self.linux_virt().items() if k != "files"},
                         "qemu_json_path": self._rel(self.image)}
            d["boot_files"] = {opt: {"path": self._rel(path), "sha256": file_sha256(path)}
                               for opt, path in self.boot_files()}
            d["kernel"] = _read_json(os.path.join(os.path.dirname(self.image),
                                                  LINUX_VIRT_KERNEL_JSON))
            d["group_limits"] = {"runs": GROUP_MAX_RUNS, "append_bytes": GROUP_MAX_APPEND}
        elif self.name == "virt" and not self.runner:
            q = self.qemu()
            cmd = self._recorded(self.command(["<words>"]))
            d["qemu"] = {"version": _first_line([q["qemu"], "--version"]), "command": cmd,
                         "command_line": " ".join(cmd), "qemu_json": q,
                         "qemu_json_path": self._rel(self.qemu_json)}
        else:
            d["qemu"] = None
        d["command"] = self._recorded(self.command(["<words>"]))
        d["notes"] = list(self.notes)
        return d


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


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
    # linux-virt's image is its qemu.json; the program built is /init beside it.
    elf = os.path.join(here, "init") if plat.grouped else plat.image
    if plat.runner or not os.path.isfile(elf):
        return info
    readelf = readelf_for(compiler)
    comment = _elf_section(readelf, elf, ".comment")
    if comment:
        info["image_comment"] = "; ".join(sorted(set(comment)))
    switches = _elf_section(readelf, elf, ".GCC.command.line")
    if switches:
        info["flags"] = " ".join(dict.fromkeys(switches))
        info["flags_source"] = ".GCC.command.line"
    return info
