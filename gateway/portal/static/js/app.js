// The portal's shell: sign-in, the navigation each role sees, and a hash router.
import { api, cityClock, session, signOut, unitNames, whenUnauthorised } from "./api.js";
import { ROLE_LABEL, errorText, h } from "./ui.js";
import { loginPage } from "./pages/login.js";
import { screenPage } from "./pages/screen.js";
import { rankingPage } from "./pages/ranking.js";
import { tasksPage, taskPage } from "./pages/tasks.js";
import { unitPage } from "./pages/unit.js";
import { officePage } from "./pages/office.js";
import { bulletinsPage } from "./pages/bulletins.js";
import { calendarBanner } from "./pages/calendar.js";
import { passwordPage } from "./pages/password.js";
import { instructionsPage } from "./pages/instructions.js";
import { accountabilityPage } from "./pages/accountability.js";
import { helpPage } from "./pages/help.js";

// Who sees which page: leaders read, units report, the office runs the platform.
const PAGES = [
  { path: "screen", label: "一屏统揽", roles: ["admin", "leader", "operator", "evaluator"], render: screenPage },
  { path: "ranking", label: "评价排队", roles: ["admin", "leader", "operator", "evaluator"], render: rankingPage },
  { path: "tasks", label: "重点任务", roles: ["admin", "leader", "operator", "evaluator"], render: tasksPage },
  { path: "unit", label: "本单位工作台", roles: ["operator", "evaluator"], render: unitPage },
  { path: "office", label: "督查办", roles: ["admin"], render: officePage },
  { path: "bulletins", label: "每周专报", roles: ["admin", "leader"], render: bulletinsPage },
  { path: "instructions", label: "我的批示", roles: ["leader"], render: instructionsPage },
  { path: "instructions-office", label: "领导批示", roles: ["admin"], render: instructionsPage },
  { path: "accountability", label: "问责", roles: ["admin", "leader"], render: accountabilityPage },
];
const HIDDEN = [
  { path: "task", roles: PAGES[2].roles, render: taskPage, parent: "tasks" },
  { path: "password", roles: ["admin", "leader", "operator", "evaluator"], render: passwordPage },
  { path: "help", roles: ["admin", "leader", "operator", "evaluator"], render: helpPage },
];

let cleanup = null;

function parseHash() {
  const [path, search] = (location.hash.replace(/^#\/?/, "") || "").split("?");
  const [page, ...rest] = path.split("/");
  return { page, args: rest.map(decodeURIComponent), params: new URLSearchParams(search || "") };
}

function homeFor(role) {
  return role === "operator" || role === "evaluator" ? "unit" : "screen";
}

function renderNav(current) {
  const nav = document.getElementById("nav");
  nav.replaceChildren(...PAGES.filter((page) => page.roles.includes(session.me.role)).map((page) =>
    h("a", { href: `#/${page.path}`, class: page.path === current ? "active" : null, "data-page": page.path }, page.label)));
  renderWho(session.me);
}

// Who is signed in, and the units they act for by name: the names come a moment
// later (api.js keeps them a minute); until then, or without them, no units
// rather than their codes.
function renderWho(me) {
  const who = document.getElementById("who");
  const line = (units) => `${me.name || me.user} · ${ROLE_LABEL[me.role] || me.role}${units}`;
  who.textContent = line("");
  if (!me.units || !me.units.length) return;
  unitNames().then((name) => {
    if (session.me === me) who.textContent = line(`（${me.units.map(name).join("、")}）`);
  }).catch(() => { /* shown without its units */ });
}

// Each drawing of a page has its turn: a hash changed while one was still waiting
// on the API is drawn by the newer, and the older stops where it is.
let turns = 0;

async function route() {
  const turn = ++turns;
  if (cleanup) { cleanup(); cleanup = null; }
  const main = document.getElementById("main");
  const { page, args, params } = parseHash();
  const top = document.getElementById("top");
  document.body.classList.toggle("big", page === "screen" && params.get("big") === "1");
  if (!session.token) {
    top.hidden = true;
    main.replaceChildren(loginPage(async () => { location.hash = `#/${homeFor(session.me.role)}`; await route(); }));
    return;
  }
  if (!session.me) {
    try { session.me = await api("/auth/me"); } catch (error) {
      // A 401 has gone to the sign-in already; anything else is said here.
      if (error.status !== 401) main.replaceChildren(h("p.error", {}, `页面加载失败：${errorText(error)}`));
      return;
    }
  }
  await cityClock();
  if (turn !== turns) return;
  // After the office reset the password, nothing but the change is reachable.
  if (session.me.must_change_password && page !== "password") {
    location.replace("#/password");
    return;
  }
  const entry = [...PAGES, ...HIDDEN].find((item) => item.path === page);
  if (!entry || !entry.roles.includes(session.me.role)) {
    location.replace(`#/${homeFor(session.me.role)}`);
    return;
  }
  top.hidden = false;
  renderNav(entry.parent || entry.path);
  const container = h("div.page", { "data-page": entry.path });
  main.replaceChildren(container);
  // Beside the page, not in it: a page redraws its own container as it refreshes.
  calendarBanner(session.me.role).then((banner) => { if (banner && container.isConnected) main.insertBefore(banner, container); });
  try {
    const stop = (await entry.render(container, { args, params, me: session.me })) || null;
    if (turn === turns) cleanup = stop;
    else if (stop) stop();  // drawn for a hash already left: its timers go too
  } catch (error) {
    container.replaceChildren(h("p.error", {}, `页面加载失败：${errorText(error)}`));
  }
  main.focus({ preventScroll: true });
}

whenUnauthorised(() => { session.me = null; if (location.hash !== "#/login") location.hash = "#/login"; else route(); });
document.getElementById("logout").addEventListener("click", async () => {
  await signOut();
  location.hash = "#/login";
});
window.addEventListener("hashchange", route);
route();
