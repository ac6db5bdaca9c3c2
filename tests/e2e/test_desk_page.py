"""The staff self-service desk in a real browser: a staff member searches the knowledge base, opens a ticket about
their own device from the page, follows it through a technician's reply and question, confirms and rates it, and
acknowledges their security notice; every step lands in the APIs the desk uses."""

import pytest

from support.apps import ok
from support.browser import chromium, screenshot_path, served_suite
from support.builders import device_request


@pytest.fixture
async def desk(settings_for, db):
    async with served_suite(settings_for, "tickets", "training", "assets") as suite:
        yield suite


async def given_a_laptop_article_and_notice_for(suite, tokens, person: str) -> dict:
    tom, mia = tokens.headers("technician", sub="tom"), tokens.headers("manager", sub="mia")
    laptop = await ok(await suite.clients["assets"].post(
        "/devices", json=device_request(asset_tag="CITY-4410", model="Latitude 7440", manufacturer="Dell"),
        headers=tom), 201)
    await ok(await suite.clients["assets"].post(
        f"/devices/{laptop['id']}/assign", json={"person_id": person}, headers=tom))
    article = await ok(await suite.clients["training"].post("/articles", json={
        "kind": "how_to", "title": "Clear a paper jam on the third-floor printer", "language": "en",
        "body": "Open tray 2, pull the jammed sheet towards you, close the tray.", "tags": ["printing"],
        "technology": "Printers"}, headers=tom), 201)
    await ok(await suite.clients["training"].post(f"/articles/{article['id']}/publish", headers=tom))
    await ok(await suite.clients["assets"].post("/notices", json={
        "person_ids": [person], "subject": "Phishing wave: do not open 'invoice' attachments",
        "body": "Report any such mail to the desk."}, headers=mia), 201)
    return laptop


@pytest.mark.timeout(120)
async def test_staff_open_a_ticket_from_the_page_and_follow_it_to_a_rating(desk, tokens):
    laptop = await given_a_laptop_article_and_notice_for(desk, tokens, "alice")
    tom = tokens.headers("technician", sub="tom")
    async with chromium() as browser:
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(f"{desk.urls['tickets']}/desk#access_token={tokens('staff', sub='alice')}")
        await page.wait_for_selector("body[data-ready=true]")

        await page.fill("#search input[name=q]", "paper jam")
        await page.press("#search input[name=q]", "Enter")
        await page.get_by_role("link", name="Clear a paper jam on the third-floor printer").click()
        await page.get_by_role("button", name="It did not: open a ticket").click()

        form = page.locator("#new-ticket")
        assert await form.locator("[name=subject]").input_value() == "Clear a paper jam on the third-floor printer"
        assert await form.locator("[name=device_id]").input_value() == laptop["id"]  # their only device, offered
        await form.locator("[name=subject]").fill("Printer still jams after clearing tray 2")
        await form.locator("[name=category]").select_option("hardware")
        await form.locator("[name=urgency]").select_option("high")
        await form.locator("[name=description]").fill("Third floor, it jams every second page.")
        await form.get_by_role("button", name="Open the ticket").click()
        await page.wait_for_selector("#ticket:not([hidden]) #ticket-status")

        [mine] = await ok(await desk.clients["tickets"].get("/tickets", headers=tokens.headers("staff", sub="alice")))
        ticket = await ok(await desk.clients["tickets"].get(f"/tickets/{mine['id']}", headers=tom))
        assert (ticket["subject"], ticket["device_id"], ticket["urgency"], ticket["channel"]) == (
            "Printer still jams after clearing tray 2", laptop["id"], "high", "web")

        await ok(await desk.clients["tickets"].post(f"/tickets/{ticket['id']}/comments", json={
            "body": "I am on my way with a new pickup roller.", "visibility": "public"}, headers=tom))
        await ok(await desk.clients["tickets"].post(f"/tickets/{ticket['id']}/comments", json={
            "body": "Roller stock is low, reorder.", "visibility": "internal"}, headers=tom))
        await ok(await desk.clients["tickets"].post(f"/tickets/{ticket['id']}/request-information", json={
            "question": "Which tray were you printing from?"}, headers=tom))
        await page.get_by_role("link", name="Printer still jams after clearing tray 2").click()
        history = page.locator("#history")
        await history.get_by_text("I am on my way with a new pickup roller.").wait_for()
        await history.get_by_text("Which tray were you printing from?").wait_for()
        assert await history.get_by_text("Roller stock is low").count() == 0  # internal notes stay with the desk
        await page.screenshot(path=screenshot_path("desk"), full_page=True)

        answer = page.locator("form[data-action=provide-information]")
        await answer.locator("textarea").fill("Tray 2, A4 paper.")
        await answer.get_by_role("button", name="Send the answer").click()
        await history.get_by_text("Tray 2, A4 paper.").wait_for()

        answered = await ok(await desk.clients["tickets"].get(f"/tickets/{ticket['id']}", headers=tom))
        await ok(await desk.clients["tickets"].post(f"/tickets/{ticket['id']}/resolve", json={
            "resolution_code": "hardware_replaced", "note": "Pickup roller replaced."}, headers=tom))
        assert answered["status"] != "pending"
        await page.get_by_role("link", name="Printer still jams after clearing tray 2").click()
        await page.get_by_role("button", name="Confirm it is solved").click()
        await page.locator("#ticket-status", has_text="closed").wait_for()
        rating = page.locator("form[data-action=satisfaction]")
        await rating.locator("select").select_option("5")
        await rating.get_by_role("button", name="Rate").click()
        await history.get_by_text("satisfaction 5/5").wait_for()

        await page.get_by_role("button", name="I have read it").click()
        await page.get_by_text("Acknowledged").wait_for()

        stranger = await browser.new_page()  # a tab of its own, holding no token
        await stranger.goto(f"{desk.urls['tickets']}/desk")
        await stranger.wait_for_selector("body[data-ready=true]")
        assert await stranger.get_by_text("Sign in with your city account to reach the service desk.").is_visible()
        assert await stranger.locator("#desk").is_hidden()

    closed = await ok(await desk.clients["tickets"].get(f"/tickets/{ticket['id']}", headers=tom))
    assert (closed["status"], closed["satisfaction"]) == ("closed", 5)
    notices = await ok(await desk.clients["assets"].get("/me/notices", headers=tokens.headers("staff", sub="alice")))
    assert notices["unread"] == 0 and notices["items"][0]["acknowledged_at"] is not None
