"""The kinds of pamphlet doorstep prints, in one table.

The site's pamphlet and a campaign's (doorstep print) are the same template
and the same assembly; what differs between them is data, and it is all
here: the extra stylesheets, the pages it should fit on, whether the PDF is
tagged, which boxes stay empty for stamping, how the print shop folds it,
where the cache keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass

SLOTS = ("ds-commune", "ds-qr")  # a campaign's empty boxes: the commune's block, the tagged QR code


@dataclass(frozen=True)
class Variant:
    name: str
    paper: str  # as a campaign file names it (`paper:`)
    css_files: tuple[str, ...]  # layout files added after pamphlet.css, each if the layout folder has it
    tags: bool  # tagged PDF (PDF/UA structure): the site's; a campaign's is for paper, its QR code leads to the page
    max_pages: int  # longer: rendered again with pamphlet-fit.css, then a warning if still longer
    slots: tuple[str, ...]  # ids of the empty boxes stamped later; none: the QR code is printed in the pamphlet
    booklet: bool  # A5 pages imposed two-up on A4 and folded (four pages a sheet), else A4 duplex (two)
    cache: str  # the cache folder of its PDFs
    label: str  # what it is in messages, with {lang}

    @property
    def pages_per_sheet(self) -> int:
        """Pages one A4 sheet carries, printed on both sides."""
        return 4 if self.booklet else 2


VARIANTS: dict[str, Variant] = {variant.name: variant for variant in (
    Variant("site-a4", "a4", (), tags=True, max_pages=2, slots=(), booklet=False, cache="pamphlets",
            label="pamphlet ({lang})"),
    Variant("campaign-a4", "a4", ("campaign.css", "campaign-a4.css"), tags=False, max_pages=2, slots=SLOTS,
            booklet=False, cache="campaign-bodies", label="campaign pamphlet ({lang}, a4)"),
    Variant("campaign-a5-booklet", "a5-booklet", ("campaign.css", "campaign-a5-booklet.css"), tags=False,
            max_pages=4, slots=SLOTS, booklet=True, cache="campaign-bodies",
            label="campaign pamphlet ({lang}, a5-booklet)"),
)}

SITE = VARIANTS["site-a4"]


def campaign_variant(paper: str) -> Variant:
    """The campaign pamphlet printed on `paper` (a campaign file's `paper:`)."""
    return VARIANTS[f"campaign-{paper}"]
