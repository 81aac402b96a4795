"""Options of the `doorstep` MkDocs plugin (mkdocs.yml → plugins → doorstep)."""

from mkdocs.config import base
from mkdocs.config import config_options as c


class _Days(c.Type):
    """A whole number of days, at least 1."""

    def __init__(self, default: int):
        super().__init__(int, default=default)

    def run_validation(self, value):
        value = super().run_validation(value)
        if isinstance(value, bool) or value < 1:
            raise c.ValidationError(f"must be a whole number of days, at least 1 (not {value!r})")
        return value


class DoorstepConfig(base.Config):
    pamphlets = c.Type(bool, default=True)
    """Render a PDF pamphlet for every guide page."""
    pamphlet_dir = c.Type(str, default="pamphlets")
    """Folder (relative to mkdocs.yml) with pamphlet.html and pamphlet.css."""
    cache_dir = c.Type(str, default=".cache/doorstep")
    """Folder (relative to mkdocs.yml) for rendered pamphlets and the private fontconfig."""
    workers = c.Type(int, default=0)
    """Rendering processes; 0 means one per CPU core."""
    qr_error_correction = c.Choice(("M", "Q", "H"), default="M")
    """QR error-correction level: M is enough for a flat A4 sheet, Q for folded paper."""
    allowed_domains = c.ListOfItems(c.Type(str), default=[])
    """Domains every external link and official source must be on (or below),
    e.g. gov.vn: a look-alike such as vneid-gov.com stops the build. Empty: any."""
    precompress = c.Type(bool, default=True)
    """Write every text file of the site also as .gz and .br beside it, for a
    server that serves them as they are (deploy/nginx/). Off: a static host
    that compresses by itself gets no extra files."""
    review_every = _Days(default=180)
    """Days after a guide's `reviewed:` date when its facts are due to be
    checked again: `doorstep status` shows which are due, `doorstep check`
    warns on overdue ones. The build never looks at it."""
