// The staff self-service desk: the knowledge base first, then the caller's tickets and security notices, all
// through the tickets, training and assets APIs with the caller's own token.
import { attempt, el, report, startPage } from "/static/kit/session.js";

const $ = (selector) => document.querySelector(selector);
const message = $("#message");
let api;

const when = (iso) => (iso ? new Date(iso).toLocaleString() : "—");
const words = (text) => String(text).replace(/^[a-z]+\./, "").replace(/_/g, " ");

// --- the knowledge base ------------------------------------------------------------------------------------
async function search(q) {
  const found = await api.get("training", "/articles", { q, limit: 5 });
  const list = $("#articles");
  $("#article").hidden = true;
  if (!found.items.length) {
    list.replaceChildren(el("p", {}, `No article answers “${q}”. Open a ticket below.`));
    openTicketAbout(q);
    return;
  }
  list.replaceChildren(
    el("p", { class: "muted" }, `${found.total} article(s) found`),
    el("ul", {}, found.items.map((a) =>
      el("li", {}, el("a", { href: "#", "data-article": a.id, onclick: (e) => { e.preventDefault(); showArticle(a.id); } }, a.title),
        a.headline ? el("br") : null, a.headline ? el("small", { class: "muted" }, marked(a.headline)) : null))),
  );
}

// The search's snippet marks the words found between ** pairs.
const marked = (headline) => headline.split("**").map((part, i) => (i % 2 ? el("mark", {}, part) : part));

async function showArticle(id) {
  const article = await api.get("training", `/articles/${id}`);
  $("#article").replaceChildren(...[
    el("header", {}, el("strong", {}, article.title)),
    el("p", { style: "white-space: pre-line" }, article.body),
    article.workaround ? el("p", {}, el("strong", {}, "Workaround: "), article.workaround) : null,
    el("footer", {}, el("button", { class: "secondary", onclick: () => attempt(async () => {
      await api.post("training", `/articles/${id}/helpful`);
      report(message, { message: "Thank you: glad it helped." });
    }) }, "This solved it"), " ", el("button", { class: "outline", onclick: () => openTicketAbout(article.title) }, "It did not: open a ticket")),
  ].filter(Boolean));
  $("#article").hidden = false;
}

function openTicketAbout(subject) {
  const form = $("#new-ticket");
  if (!form.subject.value) form.subject.value = subject;
  $("#open-ticket").open = true;
}

// --- opening a ticket ------------------------------------------------------------------------------------------
async function fillTicketForm() {
  const offered = await api.get("tickets", "/categories");
  $("#new-ticket").category.replaceChildren(...offered.categories.map((c) => el("option", { value: c }, words(c))));
  if (!api.has("assets")) return;
  const devices = await api.get("assets", "/devices", { limit: 50 });
  $("#new-ticket").device_id.append(...devices.items.map((d) =>
    el("option", { value: d.id }, `${d.asset_tag}: ${d.manufacturer} ${d.model}`)));
  if (devices.items.length === 1) $("#new-ticket").device_id.value = devices.items[0].id;
}

async function openTicket(form) {
  const data = Object.fromEntries(new FormData(form));
  if (!data.device_id) delete data.device_id;
  const ticket = await api.post("tickets", "/tickets", data);
  form.reset();
  $("#open-ticket").open = false;
  await showTicket(ticket.id);
}

// --- following tickets -----------------------------------------------------------------------------------------
async function listTickets() {
  const tickets = await api.get("tickets", "/tickets", { limit: 50 });
  $("#tickets tbody").replaceChildren(...(tickets.length ? tickets.map((t) => el("tr", {},
    el("td", {}, el("a", { href: "#", "data-ticket": t.id, onclick: (e) => { e.preventDefault(); attempt(() => showTicket(t.id)); } }, t.subject)),
    el("td", { "data-status": t.status }, words(t.status)),
    el("td", {}, t.priority),
    el("td", {}, when(t.resolution_due_at)),
  )) : [el("tr", {}, el("td", { colspan: 4 }, "You have no tickets."))]));
}

const SAID = ["body", "question", "answer", "note", "reason", "comment", "score", "resolution_code"];

function historyItem(entry) {
  const said = SAID.filter((k) => entry.data[k] !== undefined && entry.data[k] !== "")
    .map((k) => (k === "score" ? `satisfaction ${entry.data[k]}/5` : String(entry.data[k])));
  return el("li", { "data-type": entry.type }, el("small", { class: "muted" }, `${when(entry.at)} · ${entry.actor} · ${words(entry.type)}`),
    said.length ? el("div", { class: "said" }, said.join(" — ")) : null);
}

function clockLine(name, clock) {
  return el("li", {}, `${words(name)}: ${words(clock.state)}`, clock.due_at ? `, due ${when(clock.due_at)}` : "");
}

// The actions the requester has in the ticket's state; the API refuses anything else with its reason.
function actionsFor(ticket) {
  const act = (path, fields, label) => el("form", { class: "action", "data-action": path, onsubmit: (e) => {
    e.preventDefault();
    const body = Object.fromEntries(new FormData(e.target));
    if (body.score) body.score = Number(body.score);
    attempt(async () => {
      await api.post("tickets", `/tickets/${ticket.id}/${path}`, body, { ifMatch: ticket.version });
      await showTicket(ticket.id);
    });
  } }, ...fields, el("button", { type: "submit" }, label));
  const text = (name, label) => el("label", {}, label, el("textarea", { name, required: true, rows: 2 }));
  const forms = [];
  if (ticket.status === "pending") forms.push(act("provide-information", [text("answer", "Your answer")], "Send the answer"));
  if (!["closed", "cancelled"].includes(ticket.status)) forms.push(act("comments", [text("body", "Add a comment")], "Comment"));
  if (ticket.status === "resolved") {
    forms.push(act("confirm", [], "Confirm it is solved"));
    forms.push(act("reopen", [text("reason", "Why is it not solved?")], "Reopen"));
  }
  if (["resolved", "closed"].includes(ticket.status) && ticket.satisfaction === null) {
    forms.push(act("satisfaction", [el("label", {}, "How satisfied are you? ",
      el("select", { name: "score" }, [5, 4, 3, 2, 1].map((n) => el("option", { value: n }, `${n} / 5`)))),
      el("label", {}, "Comment", el("input", { name: "comment", maxlength: 2000 }))], "Rate"));
  }
  return forms;
}

async function showTicket(id) {
  const [ticket] = await Promise.all([api.get("tickets", `/tickets/${id}`), listTickets()]);
  const box = $("#ticket");
  box.dataset.ticket = ticket.id;
  box.replaceChildren(
    el("header", {}, el("strong", {}, ticket.subject), " ", el("mark", { id: "ticket-status" }, words(ticket.status))),
    el("p", {}, ticket.description),
    el("ul", { class: "muted" }, Object.entries(ticket.clocks).map(([name, clock]) => clockLine(name, clock))),
    el("h3", {}, "History"),
    el("ol", { id: "history" }, ticket.history.map(historyItem)),
    ...actionsFor(ticket),
  );
  box.hidden = false;
}

// --- security notices ------------------------------------------------------------------------------------------
async function listNotices() {
  if (!api.has("assets")) return;
  const page = await api.get("assets", "/me/notices", { limit: 20 });
  $("#notices-title").textContent = `My security notices (${page.unread} unread)`;
  $("#notices").replaceChildren(...(page.items.length ? page.items.map((n) => el("article", { "data-notice": n.id },
    el("header", {}, el("strong", {}, n.subject), el("br"), el("small", { class: "muted" }, when(n.issued_at))),
    el("p", { style: "white-space: pre-line" }, n.body),
    n.acknowledged_at ? el("small", { class: "muted" }, `Acknowledged ${when(n.acknowledged_at)}`)
      : el("button", { onclick: () => attempt(async () => {
        await api.post("assets", `/me/notices/${n.id}/acknowledge`, undefined, { ifMatch: n.version });
        await listNotices();
      }) }, "I have read it"),
  )) : [el("p", {}, "No notices.")]));
}

// --- start -----------------------------------------------------------------------------------------------------
startPage("desk", async (client) => {
  api = client;
  $("#desk").hidden = false;
  $("#search").addEventListener("submit", (e) => { e.preventDefault(); attempt(() => search(e.target.q.value)); });
  $("#new-ticket").addEventListener("submit", (e) => { e.preventDefault(); attempt(() => openTicket(e.target)); });
  await attempt(() => Promise.all([fillTicketForm(), listTickets(), listNotices()]));
});
