"""Where a command writes: a new file or folder, never an existing one overwritten silently."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from microdose.domain.errors import InvalidInput


def check_file_target(path: Path, *, force: bool, option: str = "--output") -> None:
    """Refuse a folder, a file that exists (unless ``force``) and a folder that does not.

    Raises
    ------
    InvalidInput
        Naming ``option``, with what to do instead.
    """
    if path.is_dir():
        raise InvalidInput(option, f"{path} is a folder; this format writes one file: name a "
                           "file.")
    if path.exists() and not force:
        raise InvalidInput(option, f"{path} exists; pass --force to overwrite it.")
    _check_parent(path, option)


def check_folder_target(path: Path, *, force: bool, option: str = "--output") -> None:
    """Refuse a file, a folder with files in it (unless ``force``) and a missing parent.

    Raises
    ------
    InvalidInput
        Naming ``option``, with what to do instead.
    """
    if path.exists() and not path.is_dir():
        raise InvalidInput(option, f"{path} is a file; this format writes a folder of files: "
                           "name a folder.")
    if path.is_dir() and any(path.iterdir()) and not force:
        raise InvalidInput(option, f"the folder {path} exists and is not empty; pass --force "
                           "to overwrite the files in it, or name a new folder.")
    _check_parent(path, option)


def _check_parent(path: Path, option: str) -> None:
    parent = path.absolute().parent
    if not parent.is_dir():
        raise InvalidInput(option, f"the folder {parent} does not exist; create it first, or "
                           "name a place in a folder that exists.")


@contextmanager
def writing(path: Path, option: str = "--output") -> Iterator[None]:
    """Turn a failure to write ``path`` (permissions, a full disk, …) into a clear message."""
    try:
        yield
    except FileExistsError as exc:
        raise InvalidInput(option, f"{path} exists; pass --force to overwrite it.") from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InvalidInput(option, f"cannot write {path}: {reason}.") from exc
