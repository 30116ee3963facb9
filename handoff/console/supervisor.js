/*
 * The supervisor page (/supervisor): who is online or away with their load, queue
 * lengths and longest waits per team, overdue alerts, the callback tickets
 * customers left, each closed with "done" and an outcome, and the app callbacks
 * (delivery/) given up on, each replayed with a click.
 *
 * Live from the websocket (/ws) and GET /api/supervisor/overview, refreshed every few
 * seconds anyway so the page is right even after missed events; today's figures
 * (GET /api/supervisor/today) are refreshed with the overview. All texts from the
 * service are inserted as text nodes (see staff.js).
 */
"use strict";

(() => {
  const { h, fill, bi, $, label, labelText, priorityBadge, clock, dateTime, duration, maskPhone,
    Session, Api, errorText, LiveSocket, debounce, toast, showConnection, choiceSelect, signIn } = Staff;

  const OVERVIEW_SECONDS = 3;
  const CALLBACKS_SECONDS = 15;
  const FEED_LENGTH = 60;

  const session = new Session("handoff.supervisor");
  const api = new Api(session, () => signOut("登录已失效，请重新登录。 Your login has expired."));
  const state = {
    overview: null,
    fetchedAt: 0, // browser seconds when the overview was fetched
    alerts: new Map(),
    options: { categories: [], departments: [] },
    callbacks: [],
    openDone: null, // callback id whose "done" form is open
    socket: null,
    timers: [],
  };
  const browserNow = () => Date.now() / 1000;
  let login = null; // the sign-in form (Staff.signIn)

  function boot() {
    login = signIn({
      session,
      api,
      role: "supervisor",
      wrongRole: "此页面仅限主管，坐席请打开 /console。 Supervisors only.",
      title: ["主管登录", "Supervisor sign-in"],
      hint: ["坐席请使用 ", h("a", { href: "/console" }, "坐席工作台 agent console"), "。"],
      parts: ["#app", "#session-bar"],
      banners: ["#conn-banner"],
      onEnter: start,
    });
    $("#logout").addEventListener("click", () => signOut(""));
    login.resume();
  }

  function signOut(message) {
    if (state.socket) state.socket.stop();
    state.socket = null;
    state.timers.forEach(clearInterval);
    state.timers = [];
    session.clear();
    login.show(message);
  }

  /** The overview for session.user, once signed in (the form showed #app and #session-bar). */
  async function start() {
    fill($("#who"), h("strong", {}, session.user.name || session.user.id));
    state.socket = new LiveSocket({
      token: session.token,
      onMessage: onLive,
      onState: (s, seconds) => showConnection($("#conn-banner"), $("#conn-dot"), s, seconds),
      onRefused: (reason) => signOut(`实时连接被拒绝，请重新登录。 ${reason}`),
      onOpen: () => { refreshOverview(); refreshCallbacks(); refreshDeadLetters(); },
    });
    state.socket.start();
    state.timers.push(setInterval(refreshOverview, OVERVIEW_SECONDS * 1000));
    state.timers.push(setInterval(refreshCallbacks, CALLBACKS_SECONDS * 1000));
    state.timers.push(setInterval(refreshDeadLetters, CALLBACKS_SECONDS * 1000));
    $("#replay-all").onclick = () => replay("/api/deliveries/dead/replay");
    state.timers.push(setInterval(tick, 1000));
    try {
      state.options = await api.get("/api/options");
    } catch (e) {
      toast(errorText(e), "error");
    }
    refreshOverview();
    refreshCallbacks();
    refreshDeadLetters();
  }

  // ---- Live events -----------------------------------------------------------

  const overviewSoon = debounce(() => refreshOverview(), 300);

  function onLive(message) {
    switch (message.type) {
      case "heartbeat":
        return;
      case "overdue":
        state.alerts.set(message.conversation_id, message);
        renderAlerts();
        feed(h("span", {}, h("strong", { class: "bad" }, "⚠ 超时 "), label("breach", message.breach), " · ",
          label("skill", message.skill), ` · ${short(message.conversation_id)}`,
          message.agent_id ? ` · 坐席 ${message.agent_id}` : ""));
        break;
      case "queue":
        feed(h("span", {}, queueEventText(message), message.skill ? [" · ", label("skill", message.skill)] : null,
          message.conversation_id ? ` · ${short(message.conversation_id)}` : ""));
        if (message.event === "callback") refreshCallbacks();
        break;
      case "message":
        feed(h("span", {}, h("strong", {}, message.sender === "agent" ? `坐席 ${message.agent_name || message.agent_id}` : "客户"),
          ` → ${short(message.conversation_id)}：`, h("span", { class: "text" }, message.text || "")));
        return; // no overview change
      case "assigned":
        feed(h("span", {}, "分配 assigned", ` · ${short(message.conversation_id)} → ${message.agent_id}`));
        break;
      case "requeued":
        feed(h("span", {}, h("strong", {}, "退回队列 requeued"),
          ` · ${short(message.conversation_id)}（${message.agent_id} 失联）· 第 ${message.position} 位`));
        break;
      default:
        return;
    }
    overviewSoon();
  }

  function queueEventText(message) {
    const names = {
      enqueued: ["进入队列", "enqueued"], callback: ["留言待回电", "callback"], claimed: ["被接入", "claimed"],
      assigned: ["已分配", "assigned"], transferred: ["被转接", "transferred"], closed: ["已结束", "closed"],
      abandoned: ["客户已离开队列", "customer left the queue"],
    };
    const [zh, en] = names[message.event] || [message.event, ""];
    return bi(zh, en);
  }

  function feed(line) {
    const list = $("#feed");
    list.prepend(h("li", {}, h("span", { class: "muted" }, `${clock(browserNow())} `), line));
    while (list.children.length > FEED_LENGTH) list.lastChild.remove();
  }

  const short = (id) => (id && id.length > 10 ? `${id.slice(0, 8)}…` : id || "");

  // ---- Overview --------------------------------------------------------------

  async function refreshOverview() {
    if (!session.token) return;
    refreshToday();
    try {
      state.overview = await api.get("/api/supervisor/overview");
      state.fetchedAt = browserNow();
      // The service's list is the truth; live alerts in between are merged until then.
      state.alerts = new Map((state.overview.alerts || []).map((a) => [a.conversation_id, a]));
      renderOverview();
      fill($("#updated"), `更新于 ${clock(state.fetchedAt)}`);
    } catch (e) {
      if (e.status === 403) signOut("此页面仅限主管。 Supervisors only.");
      else if (e.status !== 401) fill($("#updated"), h("span", { class: "bad" }, errorText(e)));
    }
  }

  // ---- Today's figures -------------------------------------------------------

  async function refreshToday() {
    try {
      renderToday(await api.get("/api/supervisor/today"));
    } catch (e) {
      if (e.status !== 401 && e.status !== 403) fill($("#today-day"), h("span", { class: "bad" }, errorText(e)));
    }
  }

  const percent = (share) => (share == null ? "—" : `${Math.round(share * 100)}%`);
  const seconds = (value) => (value == null ? "—" : duration(value));

  function renderToday(t) {
    fill($("#today-day"), `${t.day}（北京时间 Asia/Shanghai）`);
    kpi("#today-handoffs", String(t.handoffs), false, `${t.with_agents} 位正在处理 with agents now`);
    kpi("#today-answered", String(t.answered), false);
    kpi("#today-abandoned", String(t.abandoned), t.abandoned > 0);
    kpi("#today-waiting", String(t.waiting), t.waiting > 0);
    kpi("#today-service-level", percent(t.service_level), t.service_level != null && t.service_level < 0.8,
      `${t.answered_within_target} / ${t.answered + t.abandoned}`);
    kpi("#today-wait", `${seconds(t.wait_p50_seconds)} / ${seconds(t.wait_p95_seconds)}`, false);
    kpi("#today-csat", t.average_rating == null ? "—" : t.average_rating.toFixed(2), t.average_rating != null && t.average_rating < 3.5,
      `${t.ratings} 条评价 ratings`);
    kpi("#today-callbacks", String(t.callbacks_left), t.callbacks_left > 0);
  }

  /** Seconds since the overview's figure, so the longest wait keeps counting up. */
  const age = () => browserNow() - state.fetchedAt;

  function renderOverview() {
    const o = state.overview;
    if (!o) return;
    const online = o.agents.filter((a) => a.presence === "online").length;
    const away = o.agents.filter((a) => a.presence === "away").length;
    kpi("#kpi-waiting", String(o.waiting), o.waiting > 0);
    kpi("#kpi-online", `${online}`, online === 0, away ? `另有 ${away} 人离开 away` : "");
    renderLongest();

    const skills = Object.entries(o.skills || {});
    fill($("#skills tbody"), skills.map(([skill, s]) => h("tr", { dataset: { skill }, class: s.waiting && !s.online_agents ? "overdue" : "" },
      h("td", {}, label("skill", skill)),
      h("td", { class: "waiting-count" }, h("strong", {}, String(s.waiting))),
      h("td", { class: "live-longest", dataset: { longest: s.longest_wait_seconds ?? "" } },
        s.longest_wait_seconds == null ? "—" : duration(s.longest_wait_seconds + age())),
      h("td", {}, String(s.online_agents), s.waiting && !s.online_agents ? h("span", { class: "badge overdue-badge" }, "无人在线") : null))));

    const order = { online: 0, away: 1, offline: 2 };
    const agents = [...o.agents].sort((a, b) => order[a.presence] - order[b.presence] || a.name.localeCompare(b.name));
    fill($("#agents tbody"), agents.map((a) => {
      const pct = a.capacity ? Math.min(100, Math.round((a.load / a.capacity) * 100)) : 0;
      return h("tr", { dataset: { agent: a.id, presence: a.presence } },
        h("td", {}, h("strong", {}, a.name), " ", h("small", { class: "muted" }, a.id)),
        h("td", {}, h("span", { class: `badge presence-${a.presence}` }, labelText("presence", a.presence))),
        h("td", { class: "load" }, h("span", { class: `loadbar${a.load >= a.capacity ? " full" : ""}` }, h("span", { style: { width: `${pct}%` } })),
          `${a.load}/${a.capacity}`),
        h("td", { class: "small" }, (a.skills || []).map((s) => labelText("skill", s).split(" ")[0]).join("、")),
        h("td", { class: "small" }, (a.conversations || []).map(short).join(", ") || "—"));
    }));
    renderAlerts();
  }

  function kpi(selector, value, bad, note) {
    const box = $(selector);
    box.classList.toggle("bad", Boolean(bad));
    fill(box.querySelector(".value"), value, note ? h("div", { class: "small muted" }, note) : null);
  }

  function renderLongest() {
    const o = state.overview;
    if (!o) return;
    const longest = o.longest_wait_seconds;
    kpi("#kpi-longest", longest == null ? "—" : duration(longest + age()), longest != null && longest + age() > 120);
  }

  function renderAlerts() {
    const alerts = [...state.alerts.values()].sort((a, b) => a.since - b.since);
    kpi("#kpi-alerts", String(alerts.length), alerts.length > 0);
    $("#no-alerts").hidden = alerts.length > 0;
    fill($("#alerts tbody"), alerts.map((a) => h("tr", { class: "overdue", dataset: { conversation: a.conversation_id } },
      h("td", {}, label("breach", a.breach)),
      h("td", { title: a.conversation_id }, short(a.conversation_id)),
      h("td", {}, label("skill", a.skill)),
      h("td", {}, a.agent_id || "—"),
      h("td", { class: "live-since", dataset: { since: a.since } }, duration(browserNow() - a.since)))));
  }

  function tick() {
    renderLongest();
    for (const cell of document.querySelectorAll(".live-longest")) {
      const longest = parseFloat(cell.dataset.longest);
      if (Number.isFinite(longest)) cell.textContent = duration(longest + age());
    }
    for (const cell of document.querySelectorAll(".live-since")) {
      cell.textContent = duration(browserNow() - Number(cell.dataset.since));
    }
  }

  // ---- Callbacks -------------------------------------------------------------

  async function refreshCallbacks() {
    if (!session.token) return;
    try {
      const reply = await api.get("/api/callbacks");
      state.callbacks = reply.callbacks || [];
      renderCallbacks();
    } catch (e) {
      if (e.status !== 401) toast(errorText(e), "error");
    }
  }

  function renderCallbacks() {
    // A form being filled in is kept as it is; the rest is redrawn.
    const list = $("#callbacks");
    const ids = new Set(state.callbacks.map((c) => c.callback_id));
    if (state.openDone && !ids.has(state.openDone)) state.openDone = null;
    const keep = state.openDone && list.querySelector(`li[data-callback="${CSS.escape(state.openDone)}"]`);
    fill(list, state.callbacks.map((c) => (keep && c.callback_id === state.openDone ? keep : callbackItem(c))));
    $("#no-callbacks").hidden = state.callbacks.length > 0;
    $("#callback-count").textContent = String(state.callbacks.length);
  }

  function callbackItem(c) {
    const customer = c.customer || {};
    const phone = customer.phone ? (customer.verified ? customer.phone : maskPhone(customer.phone)) : null;
    const item = h("li", { dataset: { callback: c.callback_id, conversation: c.conversation_id } },
      h("div", { class: "row" },
        priorityBadge(c.priority), label("reason", c.reason), " · ", label("skill", c.skill),
        h("span", { class: "spacer" }),
        h("span", { class: "small muted", title: dateTime(c.left_at) }, `留言于 ${clock(c.left_at)}`)),
      h("div", { class: "small" }, "电话 ", phone || "—", customer.verified ? " ✓" : "", " · ",
        labelText("channel", c.channel), " · ", labelText("language", c.language)),
      h("div", { class: "message" }, c.message || "（无留言 no message）"),
      c.summary ? h("div", { class: "small muted" }, c.summary) : null);
    const actions = h("div", { class: "row" });
    const openForm = () => {
      state.openDone = c.callback_id;
      fill(actions, doneForm(c, () => { state.openDone = null; fill(actions, doneButton); }));
    };
    const doneButton = h("button", { type: "button", class: "primary", onclick: openForm }, "已回电 ", h("small", { lang: "en" }, "Done"));
    fill(actions, doneButton);
    item.appendChild(actions);
    return item;
  }

  function doneForm(c, cancel) {
    const category = choiceSelect("category", state.options.categories, { "aria-label": "结果 category" });
    const department = choiceSelect("department", state.options.departments, { "aria-label": "责任部门 department" });
    const disposition = h("textarea", { rows: 2, maxlength: 4000, placeholder: "回电结果 (what was done)", "aria-label": "处理说明 disposition" });
    const error = h("p", { class: "form-error", role: "alert" });
    const submit = async (e) => {
      e.preventDefault();
      const missing = [];
      if (!category.value) missing.push("处理结果 category");
      if (!department.value) missing.push("责任部门 department");
      category.setAttribute("aria-invalid", String(!category.value));
      department.setAttribute("aria-invalid", String(!department.value));
      if (missing.length) {
        error.textContent = `请选择：${missing.join("、")}`;
        return;
      }
      try {
        await api.post(`/api/callbacks/${encodeURIComponent(c.callback_id)}/done`, {
          category: category.value, department: department.value, disposition: disposition.value.trim(),
        });
        state.openDone = null;
        toast("回电工单已完成并归档。 Callback done.", "info");
        refreshCallbacks();
      } catch (err) {
        error.textContent = errorText(err);
      }
    };
    return h("form", { class: "panel-form", onsubmit: submit, novalidate: true },
      h("div", { class: "row" }, category, department), disposition, error,
      h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "完成 Done"),
        h("button", { type: "button", class: "ghost", onclick: cancel }, "取消 Cancel")));
  }

  // ---- Undelivered app callbacks ---------------------------------------------

  async function refreshDeadLetters() {
    if (!session.token) return;
    try {
      const reply = await api.get("/api/deliveries/dead");
      const dead = reply.dead_letters || [];
      fill($("#dead-letters"), dead.map(deadLetterItem));
      $("#no-dead-letters").hidden = dead.length > 0;
      $("#replay-all").hidden = dead.length === 0;
      $("#dead-letter-count").textContent = String(reply.count || 0);
    } catch (e) {
      if (e.status !== 401) toast(errorText(e), "error");
    }
  }

  function deadLetterItem(d) {
    const body = d.message || {};
    const who = body.from === "agent" ? `坐席 ${body.agent_name || ""}` : "机器人 bot";
    return h("li", { dataset: { deadLetter: d.id, conversation: d.conversation_id } },
      h("div", { class: "row" }, h("strong", {}, d.conversation_id), " · ", who,
        h("span", { class: "spacer" }),
        h("span", { class: "small muted", title: dateTime(d.died) }, `放弃于 ${clock(d.died)}`)),
      h("div", { class: "message" }, (body.message && body.message.text) || "（无文字 no text）"),
      h("div", { class: "small bad" }, `${d.attempts} 次尝试 attempts · ${d.last_error}`),
      h("div", { class: "row" }, h("button", { type: "button", class: "primary",
        onclick: () => replay(`/api/deliveries/dead/${encodeURIComponent(d.id)}/replay`) },
      "重发 ", h("small", { lang: "en" }, "Replay"))));
  }

  async function replay(path) {
    try {
      const reply = await api.post(path, {});
      toast(`已重新排队 ${reply.replayed.length} 条。 Queued again.`, "info");
    } catch (e) {
      toast(errorText(e), "error");
    }
    refreshDeadLetters();
  }

  window.handoffSupervisor = { state };
  boot();
})();
