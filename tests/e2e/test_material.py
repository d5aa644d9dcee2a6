"""The material library in a real browser: the demo film plays with its captions; sharing a
guide with a file; every material page checked with axe and the HTML validator."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.checks import check_page
from tests.material.files import make_pdf

FILM = "Kameran på natten – etik när omsorgen blir digital, film 1"


def test_the_demo_film_plays_with_captions(page: Page, sign_in) -> None:
    sign_in()
    expect(page.get_by_role("heading", name="Nytt material")).to_be_visible()
    page.get_by_role("link", name="Material", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Material")
    check_page(page, "material list")

    page.get_by_text("Filtrera").click()  # the filters wait behind one button
    page.get_by_label("Typ av material").select_option("film")
    page.get_by_role("button", name="Visa").click()
    page.get_by_role("link", name=FILM).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FILM)
    check_page(page, "material film")

    video = page.locator("video")
    state = video.evaluate(
        """async (video) => {
            video.muted = true;
            const track = video.textTracks[0];
            track.mode = "showing";
            await video.play();
            const seen = [];
            const deadline = Date.now() + 8000;
            while (Date.now() < deadline && seen.length < 2) {
                await new Promise((resolve) => setTimeout(resolve, 100));
                for (const cue of track.activeCues || []) {
                    if (!seen.includes(cue.text)) seen.push(cue.text);
                }
            }
            video.pause();
            return {time: video.currentTime, cues: track.cues.length, seen, kind: track.kind,
                    language: track.language, error: video.error && video.error.code};
        }"""
    )
    assert state["error"] is None and state["time"] > 0.5, state
    assert state["kind"] == "captions" and state["language"] == "sv" and state["cues"] == 3
    assert "Klockan är tre på natten. Larmet från rum 12 går." in state["seen"], state

    page.goto("/material?typ=link")
    page.get_by_role("link", name="Digga Hallands slutkonferens, inspelningen").click()
    expect(page.locator("iframe")).to_have_count(0)
    check_page(page, "material link")


def test_sharing_a_guide_and_a_howto_page(page: Page, sign_in, tmp_path) -> None:
    sign_in("samordnare@demo.stafetten.se")
    page.goto("/material/ny")
    check_page(page, "material share form")

    page.get_by_label("Samtalsguide").check()
    page.get_by_label("Rubrik").fill("Guide till nattfilmen")
    page.get_by_role("button", name="Dela").click()
    expect(page.get_by_role("alert")).to_contain_text("Något behöver rättas")
    expect(page.get_by_label("Rubrik")).to_have_value("Guide till nattfilmen")
    check_page(page, "material share errors")

    page.get_by_label("Kort om materialet").fill("Frågor att prata om efter filmen.")
    page.get_by_label("Jag själv eller en medlem").check()
    page.get_by_label("Äldreomsorg").check()
    pdf = tmp_path / "guide.pdf"
    pdf.write_bytes(make_pdf("Guide"))
    page.get_by_label("Fil", exact=True).set_input_files(str(pdf))
    page.get_by_role("button", name="Dela").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Guide till nattfilmen")
    expect(page).to_have_url(re.compile(r"/material/\d+$"))
    check_page(page, "material guide")
    with page.expect_response(re.compile(r"/filer/\d+/guide\.pdf$")) as opened:
        page.evaluate(
            "url => fetch(url)",
            page.get_by_role("link", name="Öppna guide.pdf").get_attribute("href"),
        )
    assert opened.value.status == 200

    page.goto("/material?typ=howto")
    page.get_by_role("link", name="Så kopplar du läsplattan till wifi").click()
    check_page(page, "material howto")
    page.get_by_role("link", name="Ändra", exact=True).click()
    page.get_by_label("Texten").fill("Nya steg: öppna **Inställningar** och välj wifi.")
    check_page(page, "material edit")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Ändringarna är sparade.")).to_be_visible()
    page.get_by_role("link", name="Tidigare versioner").click()
    expect(page.get_by_text("Så här kopplar du läsplattan")).to_be_visible()
    check_page(page, "material revisions")


def test_a_private_feed_link_for_a_feed_reader(page: Page, sign_in) -> None:
    sign_in()
    page.goto("/material")
    page.get_by_role("link", name="Egen flödeslänk för en flödesläsare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Materialflöde")
    check_page(page, "material feed settings")
    page.get_by_role("button", name="Skapa min flödeslänk").click()
    link = page.get_by_label("Din flödeslänk")
    expect(link).to_have_value(re.compile(r"/material/flode/[\w-]{43}\.atom$"))
    check_page(page, "material feed link")
    page.get_by_role("button", name="Stäng av flödet").click()
    expect(page.get_by_text("Ditt materialflöde är avstängt.")).to_be_visible()
