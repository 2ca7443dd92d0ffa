// The coach's dashboard: a Telegram Mini App showing a coach's teams at a glance.
//
// Plain JavaScript, no build step. The page trusts nothing it did not get from our API with a
// session token: it exchanges Telegram's signed initData for that token (kept in a variable,
// never stored), reads the coach's teams, and renders each athlete within the level they
// consented to (the server leaves out what the coach may not see). Every piece of data is
// written with textContent: athletes' names are theirs to choose.
"use strict";

// The page's own words, in English: the session's answer brings them in the coach's language
// (conversations/texts/dashboard.py PAGE, from the bot's catalogs), which replace these.
// "{name}" marks a value filled in; {one, other} pairs are chosen by the number
// (Intl.PluralRules).
const TEXT = {
  locale: "en",
  title: "Team dashboard",
  loading: "Loading…",
  teamFilter: "Team",
  allTeams: "All teams",
  sort: "Sort by",
  sortOptions: {
    attention: "Attention first",
    name: "Name",
    last_checkin: "Last check-in",
  },
  members: { one: "{count} member", other: "{count} members" },
  needsAttention: { one: "{count} needs attention", other: "{count} need attention" },
  weekAnswered: "Check-ins answered this week: {answered} of {sent}",
  noAthletes: "No one has joined this team yet.",
  lastCheckin: "Last check-in: {when}",
  lastAlert: "Last alert: {when}",
  lastAlertWhy: "Last alert: {when} ({why})",
  strip: "Last 14 days",
  marks: {
    no_plan: "No check-in due",
    missed: "Missed",
    checked_in: "Checked in",
    attention: "Needed attention",
  },
  dayTitle: "{date}: {mark}",
  dayTitlePain: "{date}: {mark}, pain {pain}",
  back: "Back",
  detail: {
    team: "Team",
    status: "Status",
    plan: "Plan",
    planDay: "Plan day",
    reasons: "Why",
    lastCheckin: "Last check-in",
    lastAlert: "Last alert",
  },
  errors: {
    expired:
      "This link has expired or is not valid. Close and open the dashboard again from the bot.",
    notInTelegram: "Open the dashboard from the bot, inside Telegram.",
    rateLimited: "Too many requests. Wait a minute, then open the dashboard again.",
    offline: "The dashboard could not be reached. Check the connection and try again.",
    failed: "Something went wrong. Close and open the dashboard again from the bot.",
  },
  noTeam: "You coach no team. Add the bot to your team's group and send /team there.",
};

const STRIP_DAYS = 14;
const MARKS = ["checked_in", "attention", "missed", "no_plan"];

// --- Small helpers -------------------------------------------------------------------------

/** A TEXT template with its {placeholders} filled. */
function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, key) =>
    Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole,
  );
}

let pluralRules = new Intl.PluralRules(TEXT.locale);

function plural(forms, count) {
  const form = forms[pluralRules.select(count)] || forms.other;
  return fill(form, { count });
}

/** A new element with classes and, optionally, its text (always as text, never as HTML). */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

let dayFormat;
let instantFormat;
let collator;

/** The formats of dates, numbers and names for TEXT.locale. */
function useLocale() {
  pluralRules = new Intl.PluralRules(TEXT.locale);
  dayFormat = new Intl.DateTimeFormat(TEXT.locale, {
    weekday: "short",
    day: "numeric",
    month: "short",
    timeZone: "UTC",
  });
  instantFormat = new Intl.DateTimeFormat(TEXT.locale, {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  });
  collator = new Intl.Collator(TEXT.locale, { sensitivity: "base", numeric: true });
}
useLocale();

/** Words from the server replace the English ones they match (strings only, same shape). */
function mergeText(into, from) {
  if (!from || typeof from !== "object") return;
  for (const [key, value] of Object.entries(from)) {
    if (!Object.prototype.hasOwnProperty.call(into, key)) continue;
    if (typeof into[key] === "string" && typeof value === "string") into[key] = value;
    else if (typeof into[key] === "object" && into[key] !== null) mergeText(into[key], value);
  }
}

let languageApplied = false;

/** The first session's answer: the coach's language, then the page redrawn in it (once: a
 * session renewed later keeps the page as the coach left it). */
function useLanguage(body) {
  if (languageApplied) return;
  languageApplied = true;
  if (typeof body.language !== "string" || !/^[a-z]{2,3}$/.test(body.language)) return;
  mergeText(TEXT, body.text);
  TEXT.locale = body.language;
  useLocale();
  fillChrome();
}

/** "Mon, 23 Nov" for an ISO date ("2026-11-23"), whatever the device's zone. */
function dayName(isoDate) {
  const parsed = new Date(`${isoDate}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) ? isoDate : dayFormat.format(parsed);
}

function instantName(isoInstant) {
  const parsed = new Date(isoInstant);
  return Number.isNaN(parsed.getTime()) ? "" : instantFormat.format(parsed);
}

function markOf(day) {
  return MARKS.includes(day.mark) ? day.mark : "no_plan";
}

function hasPain(day) {
  return typeof day.pain === "number";
}

// --- The API -------------------------------------------------------------------------------

/** A failure the page explains on its error screen (``kind`` names the TEXT.errors entry). */
class PageError extends Error {
  constructor(kind) {
    super(kind);
    this.kind = kind;
  }
}

class NoTeam extends Error {}

const api = {
  initData: "",
  token: null, // the session token: in this variable only, never in storage or cookies

  async request(path, options) {
    let response;
    try {
      response = await fetch(`api/${path}`, {
        cache: "no-store",
        credentials: "omit",
        ...options,
      });
    } catch (networkError) {
      throw new PageError("offline");
    }
    return response;
  },

  async openSession() {
    const response = await this.request("session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ init_data: this.initData }),
    });
    if (response.status === 401 || response.status === 400) throw new PageError("expired");
    if (response.status === 429) throw new PageError("rateLimited");
    if (!response.ok) throw new PageError("failed");
    const body = await response.json();
    if (!body || typeof body.token !== "string") throw new PageError("failed");
    this.token = body.token;
    useLanguage(body);
    return body;
  },

  /** GET with the session token; on a 401 the initData is exchanged once more, then retried. */
  async get(path) {
    for (let attempt = 0; ; attempt += 1) {
      const response = await this.request(path, {
        headers: { Authorization: `Bearer ${this.token}` },
      });
      if (response.status === 401 && attempt === 0) {
        this.token = null;
        await this.openSession();
        continue;
      }
      if (response.status === 401) throw new PageError("expired");
      if (response.status === 429) throw new PageError("rateLimited");
      return response;
    }
  },

  async json(response) {
    if (!response.ok) throw new PageError("failed");
    try {
      return await response.json();
    } catch (parseError) {
      throw new PageError("failed");
    }
  },
};

// --- The page's parts ----------------------------------------------------------------------

const ui = {
  title: document.getElementById("title"),
  loading: document.getElementById("loading"),
  error: document.getElementById("error"),
  noTeam: document.getElementById("no-team"),
  roster: document.getElementById("roster"),
  controls: document.getElementById("controls"),
  teamFilterControl: document.getElementById("team-filter-control"),
  teamFilterLabel: document.getElementById("team-filter-label"),
  teamFilter: document.getElementById("team-filter"),
  sortLabel: document.getElementById("sort-label"),
  sort: document.getElementById("sort"),
  legend: document.getElementById("legend"),
  detail: document.getElementById("detail"),
  detailBody: document.getElementById("detail-body"),
  detailBack: document.getElementById("detail-back"),
};

const state = {
  webApp: null,
  teams: [], // [{team, days, figures, athletes}] as the API sent them
  rows: new WeakMap(), // row element -> {athlete, team, order}
  openRow: null, // the row whose detail is open
};

function showOnly(screen) {
  for (const node of [ui.loading, ui.error, ui.noTeam, ui.roster]) {
    node.hidden = node !== screen;
  }
}

/** The error screen: the message and nothing else (no athlete data stays in the page). */
function showError(kind) {
  closeDetail();
  state.teams = [];
  ui.roster.replaceChildren();
  ui.controls.hidden = true;
  ui.legend.hidden = true;
  ui.error.replaceChildren(element("p", "screen-message", TEXT.errors[kind] || TEXT.errors.failed));
  showOnly(ui.error);
}

function showNoTeam() {
  ui.noTeam.replaceChildren(element("p", "screen-message", TEXT.noTeam));
  showOnly(ui.noTeam);
}

function fillChrome() {
  ui.sort.replaceChildren();
  ui.legend.replaceChildren();
  document.title = TEXT.title;
  document.documentElement.lang = TEXT.locale;
  ui.title.textContent = TEXT.title;
  ui.loading.textContent = TEXT.loading;
  ui.teamFilterLabel.textContent = TEXT.teamFilter;
  ui.sortLabel.textContent = TEXT.sort;
  ui.detailBack.textContent = `‹ ${TEXT.back}`;
  for (const [value, label] of Object.entries(TEXT.sortOptions)) {
    const option = element("option", "", label);
    option.value = value;
    ui.sort.append(option);
  }
  ui.sort.value = "attention";
  for (const mark of MARKS) {
    const item = element("li", "legend-item");
    item.append(element("span", `legend-mark day mark-${mark}`), element("span", "", TEXT.marks[mark]));
    ui.legend.append(item);
  }
}

// --- The strip of the last 14 days ---------------------------------------------------------

function stripOf(athlete, large) {
  const strip = element("ol", large ? "strip strip-large" : "strip");
  strip.setAttribute("aria-label", TEXT.strip);
  const days = Array.isArray(athlete.strip) ? athlete.strip.slice(-STRIP_DAYS) : [];
  days.forEach((day, index) => {
    const mark = markOf(day);
    const cell = element("li", `day mark-${mark}`);
    if (index === days.length - 1) cell.classList.add("today");
    const values = { date: dayName(day.date), mark: TEXT.marks[mark], pain: day.pain };
    cell.title = fill(hasPain(day) ? TEXT.dayTitlePain : TEXT.dayTitle, values);
    cell.setAttribute("aria-label", cell.title);
    if (hasPain(day)) cell.append(element("span", "pain", day.pain));
    if (large) cell.append(element("span", "day-date", Number(String(day.date).slice(8, 10))));
    strip.append(cell);
  });
  return strip;
}

// --- The roster ----------------------------------------------------------------------------

function alertText(alert) {
  if (!alert) return null;
  return alert.reason
    ? fill(TEXT.lastAlertWhy, { when: alert.label, why: alert.reason })
    : fill(TEXT.lastAlert, { when: alert.label });
}

function athleteRow(athlete, team, order) {
  const row = element("li", "athlete");
  row.dataset.userId = String(athlete.user_id);
  row.dataset.status = String(athlete.status);

  const open = element("button", "athlete-open");
  open.type = "button";
  open.setAttribute("aria-haspopup", "dialog");
  open.append(
    element("span", "athlete-name", athlete.name),
    element("span", `badge status-${athlete.status}`, athlete.status_label),
  );
  row.append(open);

  const facts = element("p", "athlete-facts");
  facts.append(element("span", "athlete-plan", athlete.detail_label));
  if (athlete.last_checkin_label) {
    // Only while a plan runs: a programme follower's check-ins are in the strip.
    facts.append(
      element("span", "athlete-checkin", fill(TEXT.lastCheckin, { when: athlete.last_checkin_label })),
    );
  }
  row.append(facts);
  if (Array.isArray(athlete.reasons) && athlete.reasons.length > 0) {
    row.append(element("p", "athlete-reasons", athlete.reasons.join(", ")));
  }
  row.append(stripOf(athlete, false));
  const alert = alertText(athlete.last_alert);
  if (alert) row.append(element("p", "athlete-alert", alert));

  state.rows.set(row, { athlete, team, order });
  row.addEventListener("click", () => openDetail(row));
  return row;
}

function teamSection(data) {
  const section = element("section", "team");
  section.dataset.teamId = String(data.team.id);
  const header = element("header", "team-header");
  header.append(element("h2", "team-name", data.team.name));
  const figures = element("ul", "figures");
  const numbers = data.figures || {};
  figures.append(
    element("li", "figure figure-members", plural(TEXT.members, numbers.members || 0)),
    element(
      "li",
      "figure figure-attention",
      plural(TEXT.needsAttention, numbers.needs_attention || 0),
    ),
    element(
      "li",
      "figure figure-week",
      fill(TEXT.weekAnswered, {
        answered: numbers.week_answered || 0,
        sent: numbers.week_sent || 0,
      }),
    ),
  );
  if (numbers.needs_attention > 0) figures.children[1].classList.add("figure-alarm");
  header.append(figures);
  section.append(header);

  const athletes = Array.isArray(data.athletes) ? data.athletes : [];
  if (athletes.length === 0) {
    section.append(element("p", "empty", TEXT.noAthletes));
    return section;
  }
  const list = element("ol", "athletes");
  athletes.forEach((athlete, order) => list.append(athleteRow(athlete, data.team, order)));
  section.append(list);
  return section;
}



function checkinTime(athlete) {
  const time = athlete.last_checkin ? Date.parse(athlete.last_checkin) : NaN;
  return Number.isNaN(time) ? -Infinity : time;
}

/** Compare two rows for the chosen order; the server's order (attention first) breaks ties. */
const ORDERS = {
  attention: (a, b) => a.order - b.order,
  name: (a, b) => collator.compare(a.athlete.name, b.athlete.name) || a.order - b.order,
  // Newest first, never last; two who never checked in (-Infinity - -Infinity is NaN, which
  // is falsy) keep the server's order.
  last_checkin: (a, b) => checkinTime(b.athlete) - checkinTime(a.athlete) || a.order - b.order,
};

function applySort() {
  const compare = ORDERS[ui.sort.value] || ORDERS.attention;
  for (const list of ui.roster.querySelectorAll("ol.athletes")) {
    const rows = Array.from(list.children);
    rows.sort((x, y) => compare(state.rows.get(x), state.rows.get(y)));
    list.append(...rows);
  }
}

function applyFilter() {
  const chosen = ui.teamFilter.value;
  for (const section of ui.roster.querySelectorAll("section.team")) {
    section.hidden = chosen !== "" && section.dataset.teamId !== chosen;
  }
}

function renderRoster() {
  closeDetail();
  ui.roster.replaceChildren(...state.teams.map(teamSection));

  ui.teamFilter.replaceChildren();
  const all = element("option", "", TEXT.allTeams);
  all.value = "";
  ui.teamFilter.append(all);
  for (const data of state.teams) {
    const option = element("option", "", data.team.name);
    option.value = String(data.team.id);
    ui.teamFilter.append(option);
  }
  ui.teamFilter.value = "";
  ui.teamFilterControl.hidden = state.teams.length < 2;
  ui.controls.hidden = false;
  ui.legend.hidden = false;
  applySort();
  applyFilter();
  showOnly(ui.roster);
}

// --- The detail panel ----------------------------------------------------------------------

function fact(list, term, value) {
  if (value === null || value === undefined || value === "") return;
  list.append(element("dt", "", term), element("dd", "", value));
}

function openDetail(row) {
  const entry = state.rows.get(row);
  if (!entry) return;
  const { athlete, team } = entry;
  const body = element("div", "detail-content");
  const heading = element("h2", "detail-name", athlete.name);
  heading.id = "detail-name";
  body.append(heading, element("span", `badge status-${athlete.status}`, athlete.status_label));

  const facts = element("dl", "detail-facts");
  fact(facts, TEXT.detail.team, team.name);
  fact(facts, TEXT.detail.plan, athlete.detail_label);
  fact(facts, TEXT.detail.planDay, typeof athlete.plan_day === "number" ? athlete.plan_day : null);
  if (Array.isArray(athlete.reasons) && athlete.reasons.length > 0) {
    fact(facts, TEXT.detail.reasons, athlete.reasons.join(", "));
  }
  const checkin = athlete.last_checkin
    ? `${athlete.last_checkin_label} · ${instantName(athlete.last_checkin)}`
    : athlete.last_checkin_label;
  fact(facts, TEXT.detail.lastCheckin, checkin);
  if (athlete.last_alert) {
    const alert = athlete.last_alert;
    const when = [alert.label, instantName(alert.at)].filter(Boolean).join(" · ");
    fact(facts, TEXT.detail.lastAlert, alert.reason ? `${when} (${alert.reason})` : when);
  }
  body.append(facts, element("h3", "detail-strip-title", TEXT.strip), stripOf(athlete, true));
  const legend = ui.legend.cloneNode(true); // the marks explained, under the strip too
  legend.removeAttribute("id");
  legend.hidden = false;
  body.append(legend);

  ui.detailBody.replaceChildren(body);
  ui.detail.hidden = false;
  document.body.classList.add("detail-open");
  state.openRow = row;
  const back = state.webApp && state.webApp.BackButton;
  if (back) back.show();
  ui.detail.focus();
}

function closeDetail() {
  if (ui.detail.hidden) return;
  ui.detail.hidden = true;
  ui.detailBody.replaceChildren();
  document.body.classList.remove("detail-open");
  const back = state.webApp && state.webApp.BackButton;
  if (back) back.hide();
  const row = state.openRow;
  state.openRow = null;
  if (row && row.isConnected) row.querySelector(".athlete-open").focus();
}

// --- Theme ---------------------------------------------------------------------------------

function applyScheme() {
  const scheme = state.webApp && state.webApp.colorScheme === "dark" ? "dark" : "light";
  document.documentElement.dataset.scheme = scheme;
}

// --- Start ---------------------------------------------------------------------------------

async function load() {
  await api.openSession();
  const teamsResponse = await api.get("teams");
  if (teamsResponse.status === 403) throw new NoTeam();
  const listed = await api.json(teamsResponse);
  const teams = Array.isArray(listed.teams) ? listed.teams : [];
  const loaded = [];
  for (const team of teams) {
    // One after another: a coach has few teams, and the rate limit stays well clear.
    const response = await api.get(`teams/${encodeURIComponent(team.id)}`);
    if (response.status === 403) continue; // no longer their team since the list was read
    loaded.push(await api.json(response));
  }
  if (loaded.length === 0) throw new NoTeam();
  return loaded;
}

async function start() {
  fillChrome();
  const webApp = window.Telegram && window.Telegram.WebApp;
  state.webApp = webApp || null;
  if (!webApp) {
    showError("notInTelegram");
    return;
  }
  webApp.ready();
  webApp.expand();
  applyScheme();
  webApp.onEvent("themeChanged", applyScheme);
  if (webApp.BackButton) webApp.BackButton.onClick(closeDetail);
  ui.detailBack.addEventListener("click", closeDetail);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeDetail();
  });
  ui.sort.addEventListener("change", applySort);
  ui.teamFilter.addEventListener("change", applyFilter);

  if (!webApp.initData) {
    showError("notInTelegram");
    return;
  }
  api.initData = webApp.initData;
  showOnly(ui.loading);
  try {
    state.teams = await load();
    renderRoster();
  } catch (failure) {
    if (failure instanceof NoTeam) showNoTeam();
    else if (failure instanceof PageError) showError(failure.kind);
    else showError("failed");
  }
}

start();
