"""Reading an instance file's text, with the one set of clear errors every parser gives."""

from __future__ import annotations

from pathlib import Path

from schedrl.errors import InstanceFormatError


def read_text(path: str | Path) -> str:
    """The file's UTF-8 text; a missing file, a folder or binary content is an
    InstanceFormatError naming the path, never an OSError from deep inside a parser."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InstanceFormatError("no such file", source=str(path)) from None
    except IsADirectoryError:
        raise InstanceFormatError("is a folder, not a file", source=str(path)) from None
    except UnicodeDecodeError:
        raise InstanceFormatError("not a text file (UTF-8 decoding failed)", source=str(path)) from None
    except OSError as error:
        raise InstanceFormatError(f"cannot read: {error.strerror}", source=str(path)) from None
