"""Write the linux-virt initramfs as a cpio archive (newc) on stdout.

    mkinitramfs.py INIT > initramfs.cpio      (the build gzips it with gzip -n)

The archive holds /init (the given static program), the directories /dev,
/proc and /tmp, and the device node /dev/console (character 5:1), which the
kernel opens as init's stdin, stdout and stderr; without it init would run
with no console at all.  Written here rather than by cpio(1) so it is
reproducible byte for byte without root: entries sorted by name, every
mtime 0, owner root, inode numbers in order, no host device numbers.
"""

import os
import stat
import sys


def entry(name, mode, ino, data=b"", rdev=(0, 0)):
    """One newc header (070701, thirteen 8-digit hex fields), name, data, padding."""
    nlink = 2 if stat.S_ISDIR(mode) else 1
    fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name) + 1, 0]
    head = b"070701" + b"".join(b"%08X" % f for f in fields)
    out = head + name.encode() + b"\0"
    out += b"\0" * (-len(out) % 4)
    out += data
    out += b"\0" * (-len(out) % 4)
    return out


def archive(init_bytes):
    files = {
        "dev": (stat.S_IFDIR | 0o755, b"", (0, 0)),
        "dev/console": (stat.S_IFCHR | 0o600, b"", (5, 1)),
        "init": (stat.S_IFREG | 0o755, init_bytes, (0, 0)),
        "proc": (stat.S_IFDIR | 0o555, b"", (0, 0)),
        "tmp": (stat.S_IFDIR | 0o1777, b"", (0, 0)),
    }
    out = []
    for ino, name in enumerate(sorted(files), start=1):
        mode, data, rdev = files[name]
        out.append(entry(name, mode, ino, data, rdev))
    out.append(entry("TRAILER!!!", 0, 0))
    blob = b"".join(out)
    return blob + b"\0" * (-len(blob) % 512)


def main(argv):
    if len(argv) != 2:
        print("usage: mkinitramfs.py INIT > initramfs.cpio", file=sys.stderr)
        return 2
    try:
        with open(argv[1], "rb") as f:
            init = f.read()
    except OSError as e:
        print(f"mkinitramfs: {argv[1]}: {e.strerror}", file=sys.stderr)
        return 1
    if not init.startswith(b"\x7fELF"):
        print(f"mkinitramfs: {argv[1]}: not an ELF program", file=sys.stderr)
        return 1
    os.write(sys.stdout.fileno(), archive(init))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
