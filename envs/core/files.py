"""Reading an instance file's text, with the one set of clear errors every parser gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def parse_json(text: str, source: str) -> Any:
    """The JSON document in `text` (an editor's byte-order mark allowed); bad JSON is an
    InstanceFormatError naming its line and column, as are integers too long for Python to
    read and nesting too deep for its decoder."""
    try:
        return json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as error:
        raise InstanceFormatError(
            f"not valid JSON: {error.msg} (column {error.colno})", source=source, line=error.lineno
        ) from None
    except (ValueError, RecursionError) as error:  # an integer of over 4300 digits; nesting too deep
        raise InstanceFormatError(f"not valid JSON: {error}", source=source) from None
