"""Files by path, on local disk or an object store: local paths through `os`, the others (`gs://...`, `s3://...`,
any path with a scheme) through Beam's FileSystems, imported only for them.

Failures raise OSError (Beam's BeamIOError is one).

Why not Beam's FileSystems for every path: importing it imports all of Beam (about 1 CPU s and 120 MB), and
the launcher of a local run needs none of Beam otherwise (issue 18). Inside a pipeline every path may be
remote, so the same functions serve the stages that write through them (`atomic_write`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from typing import Any

# A path with a scheme, as Beam's FileSystems.get_scheme tells it.
_SCHEME = re.compile(r"[a-zA-Z][-a-zA-Z0-9+.]*://")


def is_local(path: str) -> bool:
    """A path without a scheme: Beam's local filesystem, the one whose folders can be renamed."""
    return _SCHEME.match(path) is None


def join(base: str, *parts: str) -> str:
    return os.path.join(base, *parts) if is_local(base) else _beam().join(base, *parts)


def exists(path: str) -> bool:
    return os.path.exists(path) if is_local(path) else _beam().exists(path)


def read_bytes(path: str) -> bytes:
    if is_local(path):
        with open(path, "rb") as f:
            return f.read()
    with _beam().open(path, compression_type=_uncompressed()) as f:
        return f.read()


def read_json(path: str) -> Any:
    return json.loads(read_bytes(path).decode("utf-8"))


def write_bytes(path: str, data: bytes | memoryview) -> None:
    """Write `data` to `path`, creating its folder on local disk."""
    if is_local(path):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        return
    with _beam().create(path, compression_type=_uncompressed()) as f:
        f.write(data)


def atomic_write(path: str, data: bytes | memoryview) -> None:
    """Write `data` to `path` through a `.tmp` name, so a file under its final name is always complete."""
    tmp = path + ".tmp"
    write_bytes(tmp, data)
    if is_local(path):
        os.replace(tmp, path)
        return
    filesystems = _beam()
    if filesystems.exists(path):  # a retried bundle already wrote it
        filesystems.delete([path])
    filesystems.rename([tmp], [path])


def delete(path: str) -> None:
    """Delete one file; a missing one is not an error."""
    if is_local(path):
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
    elif exists(path):
        _beam().delete([path])


def delete_tree(path: str) -> None:
    """Delete a folder (local disk) or every object under a prefix (object stores)."""
    if is_local(path):
        shutil.rmtree(path, ignore_errors=True)
        return
    filesystems = _beam()
    matched = filesystems.match([filesystems.join(path, "**")])[0].metadata_list
    if matched:  # folder placeholder objects (`.../`) too
        filesystems.delete([m.path for m in matched])


def list_tree(root: str) -> list[str]:
    """Every file (object) under `root`, as paths relative to it with `/` separators, sorted."""
    if is_local(root):
        found = []
        for here, _, filenames in os.walk(root):
            relative = os.path.relpath(here, root).replace(os.sep, "/")
            found += [f if relative == "." else f"{relative}/{f}" for f in filenames]
        return sorted(found)
    filesystems = _beam()
    matched = filesystems.match([filesystems.join(root, "**")])[0].metadata_list
    base = root.rstrip("/") + "/"
    return sorted(m.path[len(base) :] for m in matched if m.path.startswith(base) and not m.path.endswith("/"))


def _beam() -> Any:
    from apache_beam.io.filesystems import FileSystems

    return FileSystems


def _uncompressed() -> Any:
    from apache_beam.io.filesystem import CompressionTypes

    return CompressionTypes.UNCOMPRESSED
