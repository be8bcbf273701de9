"""How one run is started on each platform, and what is known about the build.

    virt   qemu-system-aarch64 ... -kernel build/kernel/ipclab.elf -append "<words>"
    linux  build/linux/ipclab-linux <words>
    --runner EXE (tests, experiments): EXE <words>, on either platform's name
    --image FILE: another kernel image or Linux runner (e.g. a kept old build)

A Platform knows its command line, its image (the file whose SHA-256 keys the
registry cache and is recorded in meta.json) and how to describe the
toolchain that built it.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys

QEMU = "qemu-system-aarch64"
QEMU_ARGS = ["-M", "virt", "-cpu", "cortex-a53", "-m", "128M", "-nographic",
             "-no-reboot", "-semihosting", "-monitor", "none", "-serial", "stdio"]
ICOUNT = ["-icount", "shift=0,align=off,sleep=off"]

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL_IMAGE = os.path.join("build", "kernel", "ipclab.elf")
LINUX_RUNNER = os.path.join("build", "linux", "ipclab-linux")
MAKE_TARGET = {"virt": "kernel", "linux": "linux-runner"}


class PlatformError(RuntimeError):
    pass


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

    def command(self, words):
        """The argv of one run."""
        if self.runner:
            return [self.runner] + list(words)
        if self.name == "linux":
            return [self.image] + list(words)
        argv = [QEMU] + QEMU_ARGS + (ICOUNT if self.mode == "exact" else [])
        return argv + ["-kernel", self.image, "-append", " ".join(words)]

    def check_image(self):
        if not os.path.isfile(self.image):
            hint = (f"run `make {MAKE_TARGET[self.name]}`" if not self.runner
                    else "check --runner")
            raise PlatformError(f"{self.name}: no image at {self.image} ({hint})")
        if not self.runner and self.name == "virt" and shutil.which(QEMU) is None:
            raise PlatformError(f"{QEMU} not found (make deps installs qemu-system-arm)")

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

    def describe(self):
        """Toolchain and emulator facts for meta.json; missing facts are None."""
        d = {"image": os.path.relpath(self.image, self.root) if self.image.startswith(self.root)
             else self.image, "runner_override": self.runner is not None}
        d["compiler"] = compiler_info(self)
        if self.name == "virt" and not self.runner:
            cmd = self.command(["<words>"])
            d["qemu"] = {"version": _first_line([QEMU, "--version"]), "command": cmd,
                         "command_line": " ".join(cmd)}
        else:
            d["qemu"] = None
        d["command"] = self.command(["<words>"])
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


def compiler_info(plat):
    """Compiler version and flags, from the image itself when it records them.

    Looked at, in order: the ELF's .comment (GCC version) and
    .GCC.command.line (flags, when built with -frecord-gcc-switches); a
    `cflags` file beside the image (e.g. build/kernel/cflags); the
    compiler's --version.
    """
    cross = plat.name == "virt"
    gcc = "aarch64-linux-gnu-gcc" if cross else "gcc"
    readelf = "aarch64-linux-gnu-readelf" if cross else "readelf"
    if shutil.which(readelf) is None:
        readelf = "readelf"
    info = {"compiler": gcc, "version": _first_line([gcc, "--version"]),
            "image_comment": None, "flags": None, "flags_source": None}
    if plat.runner or not os.path.isfile(plat.image):
        return info
    comment = _elf_section(readelf, plat.image, ".comment")
    if comment:
        info["image_comment"] = "; ".join(sorted(set(comment)))
    switches = _elf_section(readelf, plat.image, ".GCC.command.line")
    if switches:
        info["flags"] = " ".join(dict.fromkeys(switches))
        info["flags_source"] = ".GCC.command.line"
        return info
    here = os.path.dirname(plat.image)
    for name in ("cflags", "cflags.txt", "CFLAGS", "flags"):
        path = os.path.join(here, name)
        if os.path.isfile(path):
            with open(path, errors="replace") as f:
                info["flags"] = " ".join(f.read().split())
            info["flags_source"] = os.path.relpath(path, plat.root)
            break
    return info
