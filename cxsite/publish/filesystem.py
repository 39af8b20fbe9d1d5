"""The file-system calls the writer makes, behind one object a test can replace.

Every change the writer makes to the disk goes through `LocalFiles`, so a test
can hand it one that fails (or "dies") at any chosen call and see what is left.
"""

from __future__ import annotations

import os
import shutil


class LocalFiles:
    """The real file system."""

    def write_new(self, path: str, data: bytes) -> None:
        """Write a file as a new inode (a temporary file renamed over the path)."""
        temporary = f"{path}.cxsite-tmp"
        with open(temporary, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)

    def link(self, source: str, target: str) -> None:
        """Make target the same file as source (a hard link; a copy where links cannot be made)."""
        try:
            os.link(source, target)
        except FileExistsError:
            raise
        except OSError:
            # FAT and exFAT drives, some network shares: no hard links, so a copy (twice the space).
            shutil.copy2(source, target)

    def copy(self, source: str, target: str) -> None:
        """Copy a file with its modification time (a new inode)."""
        temporary = f"{target}.cxsite-tmp"
        shutil.copy2(source, temporary)
        os.replace(temporary, target)

    def rename(self, source: str, target: str) -> None:
        """Rename a file or folder (atomic on one file system)."""
        os.rename(source, target)

    def replace(self, source: str, target: str) -> None:
        """Rename a file over another."""
        os.replace(source, target)

    def remove(self, path: str) -> None:
        """Delete a file (or a symbolic link, never what it points to)."""
        os.unlink(path)

    def makedirs(self, path: str) -> None:
        """Create a folder and its parents."""
        os.makedirs(path, exist_ok=True)

    def rmdir(self, path: str) -> None:
        """Remove an empty folder."""
        os.rmdir(path)

    def write_text(self, path: str, text: str) -> None:
        """Write a small text file at once (temporary file, then rename)."""
        self.write_new(path, text.encode("utf-8"))
