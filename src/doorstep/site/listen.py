"""Read aloud: publish the page script under a name that carries its content hash.

The script's source is `overrides/assets/javascripts/doorstep-listen.js` (with
its comments); the site gets it minified as
`assets/javascripts/doorstep-listen.<hash>.min.js`, a name the server may cache
for a year (deploy/nginx serves Material's own hashed assets the same way), and
a build with a changed script gets a new name. The minified copy is kept in the
cache folder: MkDocs copies it from there like any theme file. See
docs/read-aloud.md.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from mkdocs.structure.files import File, Files

from ..files import write_atomic

SOURCE = "assets/javascripts/doorstep-listen.js"


def publish(files: Files, config, cache_dir: Path) -> str | None:
    """Swap the theme's script in `files` for its minified, content-named copy;
    its site path (None: the theme has no such script)."""
    import rjsmin

    source = files.get_file_from_path(SOURCE)
    if source is None:
        return None
    files.remove(source)
    small = rjsmin.jsmin(source.content_string).encode("utf-8")
    name = f"assets/javascripts/doorstep-listen.{hashlib.sha256(small).hexdigest()[:10]}.min.js"
    copy = cache_dir / "listen" / Path(name).name
    if not copy.is_file() or copy.read_bytes() != small:
        write_atomic(copy, small)
    if files.get_file_from_path(name) is None:
        files.append(File.generated(config, name, abs_src_path=str(copy)))
    return name
