"""The desk's rules over HTTP: each refusal says what is true and answers the status its kind of refusal has."""

from support.builders import ticket_request


async def open_ticket(desk, tokens) -> dict:
    response = await desk.tickets.post("/tickets", json=ticket_request(), headers=tokens.headers("staff", sub="alice"))
    assert response.status_code == 201, response.text
    return response.json()


async def act(desk, headers, ticket_id, action, body=None):
    return await desk.tickets.post(f"/tickets/{ticket_id}/{action}", json=body or {}, headers=headers)


async def test_a_requester_writing_an_internal_comment_is_forbidden_and_nothing_is_recorded(desk, tokens):
    ticket = await open_ticket(desk, tokens)
    alice = tokens.headers("staff", sub="alice")
    refused = await act(desk, alice, ticket["id"], "comments", {"body": "psst", "visibility": "internal"})
    assert (refused.status_code, refused.json()["rule"]) == (403, "InternalCommentForbidden")
    assert (await desk.tickets.get(f"/tickets/{ticket['id']}", headers=alice)).json()["version"] == 1


async def test_a_cancelled_ticket_refuses_comments_saying_it_cannot_be_reopened_and_reopen_agrees(desk, tokens):
    ticket = await open_ticket(desk, tokens)
    alice = tokens.headers("staff", sub="alice")
    assert (await act(desk, alice, ticket["id"], "cancel", {"reason": "Fixed itself"})).status_code == 200
    comment = await act(desk, alice, ticket["id"], "comments", {"body": "It is back"})
    assert comment.status_code == 409
    assert "cannot be reopened; open a new ticket" in comment.json()["detail"]
    reopen = await act(desk, alice, ticket["id"], "reopen", {"reason": "It is back"})
    assert (reopen.status_code, reopen.json()["detail"]) == (409, "a cancelled ticket cannot be reopened; open a"
                                                                  " new ticket")


async def test_escalating_a_ticket_in_progress_to_another_group_puts_it_unassigned_in_that_groups_queue(desk,
                                                                                                         tokens):
    ticket = await open_ticket(desk, tokens)
    tina = tokens.headers("technician", sub="tina")
    assert (await act(desk, tina, ticket["id"], "acknowledge")).json()["status"] == "in_progress"
    escalated = await act(desk, tina, ticket["id"], "escalate", {"group": "network-team", "reason": "Router"})
    assert escalated.status_code == 200, escalated.text
    shown = escalated.json()
    assert (shown["status"], shown["assignee_id"], shown["group"]) == ("assigned", None, "network-team")
    waiting = await desk.tickets.get("/queue", params={"group": "network-team", "assignee": "unassigned",
                                                       "status": "assigned"}, headers=tina)
    assert [t["id"] for t in waiting.json()] == [ticket["id"]]
