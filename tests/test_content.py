"""Shaping the rendered body: numbered steps and left-to-right islands in RTL text."""

from doorstep.content import isolate_ltr, structure_steps
from doorstep.locale import Strings


def test_steps_become_an_ordered_list_numbered_in_the_readers_digits():
    html = '<p>Intro</p>\n<h2 id="a">Open</h2>\n<p>One</p>\n<h2 id="b">Tap</h2>\n<p>Two</p>'
    out = structure_steps(html, Strings("fa").number)
    assert out.startswith("<p>Intro</p>\n<ol class=\"ds-steps\">")
    assert out.count('<li class="ds-step">') == 2
    assert '<h2 id="b"><span class="ds-step__n" aria-hidden="true">۲</span> Tap</h2>' in out


def test_urls_domains_and_phone_numbers_stay_left_to_right():
    assert isolate_ltr("با 0912 345 678 تماس") == 'با <bdi dir="ltr">0912 345 678</bdi> تماس'
    assert isolate_ltr("به dichvucong.gov.vn بروید") == 'به <bdi dir="ltr">dichvucong.gov.vn</bdi> بروید'
    assert isolate_ltr("باید به .gov.vn ختم شود.") == 'باید به <bdi dir="ltr">.gov.vn</bdi> ختم شود.'
    assert isolate_ltr("https://dichvucong.gov.vn/p/home. بعد") == (
        '<bdi dir="ltr">https://dichvucong.gov.vn/p/home</bdi>. بعد')


def test_markup_and_existing_isolates_are_left_alone():
    html = '<a href="https://x.gov.vn/a">x.gov.vn</a> <bdi dir="ltr">0912 345 678</bdi>'
    assert isolate_ltr(html) == '<a href="https://x.gov.vn/a"><bdi dir="ltr">x.gov.vn</bdi></a> <bdi dir="ltr">0912 345 678</bdi>'
