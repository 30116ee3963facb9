/*
 * The agent console (/console): queues on the left, the agent's conversations side by
 * side in the middle, the selected conversation's context package on the right.
 *
 * API: handoff/openapi.yaml. The REST calls carry the login token as a Bearer header;
 * the live websocket (/ws) pushes queue, message, assigned, requeued and overdue
 * events. All texts from the service are inserted as text nodes (see staff.js).
 */
"use strict";

(() => {
  const { h, fill, bi, $, label, labelText, priorityBadge, now, syncClock, clock, dateTime,
    duration, maskPhone, Session, Api, errorText, LiveSocket, debounce, toast, showConnection,
    choiceSelect, signIn } = Staff;

  const QUEUE_REFRESH_SECONDS = 15;
  const TYPING_EVERY_MS = 3000;
  const session = new Session("handoff.console");
  const api = new Api(session, () => signOut("登录已失效，请重新登录。 Your login has expired."));

  const state = {
    presence: "online",
    options: { categories: [], departments: [], skills: [], agents: [] },
    queues: [],
    chats: new Map(), // conversation id -> Chat
    selected: null,
    alerts: new Map(), // conversation id -> overdue event
    socket: null,
    timers: [],
  };
  let login = null; // the sign-in form (Staff.signIn)

  // ---- Log in / out ----------------------------------------------------------

  function boot() {
    login = signIn({
      session,
      api,
      role: "agent",
      wrongRole: "此页面供坐席使用，主管请打开 /supervisor。 This page is for agents.",
      title: ["坐席登录", "Agent sign-in"],
      hint: ["主管请使用 ", h("a", { href: "/supervisor" }, "主管页面 supervisor page"), "。"],
      parts: ["#app", "#session-bar"],
      banners: ["#conn-banner", "#lease-banner"],
      onEnter: start,
    });
    $("#logout").addEventListener("click", onLogout);
    $("#presence").addEventListener("change", (e) => setPresence(e.target.value));
    $("#take-next").addEventListener("click", takeNext);
    login.resume();
  }

  async function onLogout() {
    const held = state.chats.size;
    if (held && !window.confirm(`您还有 ${held} 个会话，退出后它们将退回队列最前面。确定退出？\nYou hold ${held} conversation(s); they go back to the queue.`)) {
      return;
    }
    try {
      await api.post("/api/presence", { presence: "offline" });
    } catch (e) {
      // Logged out anyway: without heartbeats the lease runs out and the queue takes
      // the conversations back by itself.
    }
    signOut("");
  }

  function signOut(message) {
    if (state.socket) state.socket.stop();
    state.socket = null;
    state.timers.forEach(clearInterval);
    state.timers = [];
    state.chats.clear();
    state.alerts.clear();
    state.selected = null;
    fill($("#chats"));
    fill($("#alerts"));
    session.clear();
    document.title = "快递客服工作台 · Agent console";
    login.show(message);
  }

  // ---- Start -----------------------------------------------------------------

  /** The console for session.user, once signed in (the form showed #app and #session-bar). */
  async function start() {
    const user = session.user;
    fill($("#who"), h("strong", {}, user.name || user.id), " ",
      h("small", { class: "muted" }, (user.skills || []).map((s) => labelText("skill", s)).join(" · ")));
    renderContext();
    renderChatsEmpty();
    state.socket = new LiveSocket({
      token: session.token,
      onMessage: onLive,
      onState: (s, seconds) => showConnection($("#conn-banner"), $("#conn-dot"), s, seconds),
      onRefused: (reason) => signOut(`实时连接被拒绝，请重新登录。 ${reason}`),
      // Anything may have happened while the link was down: catch up from REST.
      onOpen: () => resync(),
    });
    state.socket.start();
    state.timers.push(setInterval(tick, 1000));
    state.timers.push(setInterval(refreshQueues, QUEUE_REFRESH_SECONDS * 1000));
    try {
      state.options = await api.get("/api/options");
      const me = state.options.agents.find((a) => a.id === user.id);
      // Back at the console (a reload) after the lease ran out: take work again.
      if (me && me.presence === "offline") await setPresence("online");
      else if (me) showPresence(me.presence);
    } catch (e) {
      toast(errorText(e), "error");
    }
  }

  async function resync() {
    await Promise.all([refreshQueues(), loadMyConversations()]);
  }

  // ---- Presence --------------------------------------------------------------

  function showPresence(presence) {
    state.presence = presence;
    $("#presence").value = presence === "away" ? "away" : "online";
    document.body.classList.toggle("is-away", presence === "away");
  }

  async function setPresence(presence) {
    try {
      const reply = await api.post("/api/presence", { presence });
      showPresence(reply.presence);
      if (reply.requeued && reply.requeued.length) loadMyConversations();
    } catch (e) {
      $("#presence").value = state.presence;
      toast(errorText(e), "error");
    }
  }

  /** The heartbeat came back with lease: false: the service took us offline and put
   *  our conversations back in the queue. We are clearly at the console, so go on. */
  async function leaseLost() {
    const banner = $("#lease-banner");
    banner.hidden = false;
    fill(banner, h("strong", {}, "连接中断期间您被设为离线，手上的会话已退回队列。"), " ",
      h("small", { lang: "en" }, "You were offline for too long; your conversations went back to the queue."),
      " ", h("button", { type: "button", class: "ghost", onclick: () => { banner.hidden = true; } }, "知道了 OK"));
    await setPresence(state.presence === "away" ? "away" : "online");
    await resync();
  }

  // ---- Live events -----------------------------------------------------------

  const queueChanged = debounce(() => refreshQueues(), 250);

  function onLive(message) {
    const me = session.user.id;
    switch (message.type) {
      case "heartbeat":
        if (message.lease === false) leaseLost();
        break;
      case "queue":
        if (["claimed", "assigned", "closed", "abandoned"].includes(message.event)) clearAlert(message.conversation_id, "waiting");
        // (Our own close or transfer is reported by its request, not by this echo.)
        if (message.event === "closed" && state.chats.has(message.conversation_id)
            && !state.chats.get(message.conversation_id).leaving) {
          removeChat(message.conversation_id, "会话已被结束。 The conversation was closed.");
        }
        queueChanged();
        break;
      case "message": {
        const chat = state.chats.get(message.conversation_id);
        if (chat) chat.addMessage(message, true);
        break;
      }
      case "assigned":
        clearAlert(message.conversation_id, "waiting");
        if (message.agent_id === me) {
          openChat(message.conversation_id, true);
          toast(`新会话已分配给您：${labelText("reason", message.reason)}`, "info");
        } else if (state.chats.has(message.conversation_id) && !state.chats.get(message.conversation_id).leaving) {
          removeChat(message.conversation_id, "会话已转给其他坐席。");
        }
        queueChanged();
        break;
      case "requeued":
        if (message.agent_id === me && state.chats.has(message.conversation_id)) {
          removeChat(message.conversation_id, "会话已退回队列。 The conversation went back to the queue.");
        }
        queueChanged();
        break;
      case "overdue":
        addAlert(message);
        break;
      case "error":
        console.warn("console socket:", message.message);
        break;
      default:
        break;
    }
  }

  // ---- Overdue alerts --------------------------------------------------------

  function addAlert(alert) {
    state.alerts.set(alert.conversation_id, alert);
    renderAlerts();
    renderQueues();
    const chat = state.chats.get(alert.conversation_id);
    if (chat) chat.renderHeader();
  }

  function clearAlert(conversationId, breach) {
    const alert = state.alerts.get(conversationId);
    if (!alert || (breach && alert.breach !== breach)) return;
    state.alerts.delete(conversationId);
    renderAlerts();
    renderQueues();
    const chat = state.chats.get(conversationId);
    if (chat) chat.renderHeader();
  }

  function renderAlerts() {
    const area = $("#alerts");
    fill(area, [...state.alerts.values()].map((alert) => {
      const mine = state.chats.has(alert.conversation_id);
      return h("div", { class: "alert", dataset: { conversation: alert.conversation_id, breach: alert.breach } },
        h("span", { class: "alert-icon", "aria-hidden": "true" }, "⚠"),
        h("strong", {}, "超时提醒 "), h("small", { lang: "en" }, "Overdue"), " ",
        label("breach", alert.breach), " · ", label("skill", alert.skill),
        ` · 会话 ${shortId(alert.conversation_id)} · `,
        alert.breach === "waiting" ? "已等待 " : "接入后未回复 ",
        h("span", { class: "live-age", dataset: { since: alert.since } }, duration(now() - alert.since)),
        mine ? h("button", { type: "button", class: "ghost", onclick: () => select(alert.conversation_id) }, "查看 Open") : null,
        h("button", { type: "button", class: "ghost", title: "关闭提醒 dismiss",
          onclick: () => clearAlert(alert.conversation_id) }, "×"));
    }));
  }

  // ---- Queues ----------------------------------------------------------------

  async function refreshQueues() {
    if (!session.token) return;
    try {
      const reply = await api.get("/api/queues");
      state.queues = reply.queues || [];
      for (const q of state.queues) {
        for (const item of q.waiting) {
          if (item.waiting_since && Number.isFinite(item.waited_seconds)) {
            syncClock(item.waiting_since + item.waited_seconds);
          }
        }
      }
      renderQueues();
    } catch (e) {
      if (e.status !== 401) fill($("#queues"), h("p", { class: "form-error" }, errorText(e)));
    }
  }

  function renderQueues() {
    const mySkills = new Set(session.user ? session.user.skills || [] : []);
    const mine = state.queues.filter((q) => mySkills.has(q.skill));
    const others = state.queues.filter((q) => !mySkills.has(q.skill));
    const waitingMine = mine.reduce((n, q) => n + q.waiting.length, 0);
    $("#take-next").classList.toggle("pulse", waitingMine > 0 && state.presence === "online");
    const group = (q) => h("section", { class: "queue", dataset: { skill: q.skill } },
      h("h3", {}, label("skill", q.skill), " ",
        h("span", { class: `count${q.waiting.length ? " busy" : ""}` }, String(q.waiting.length))),
      q.waiting.length
        ? h("ol", { class: "waiting" }, q.waiting.map(queueItem))
        : h("p", { class: "empty small" }, "无人排队 none waiting"));
    fill($("#queues"),
      mine.map(group),
      others.length ? h("details", { class: "other-queues" },
        h("summary", {}, "其他技能组 ", h("small", { lang: "en" }, "other teams"),
          ` (${others.reduce((n, q) => n + q.waiting.length, 0)})`),
        others.map(group)) : null);
    renderLoad();
  }

  function queueItem(item) {
    const since = item.waiting_since || item.enqueued_at;
    const overdue = item.overdue || state.alerts.has(item.conversation_id);
    return h("li", {
      class: `waiting-item${overdue ? " overdue" : ""}`,
      dataset: { conversation: item.conversation_id },
      title: item.summary || "",
    },
      h("div", { class: "row" },
        priorityBadge(item.priority),
        h("span", { class: "reason" }, label("reason", item.reason)),
        overdue ? h("span", { class: "badge overdue-badge" }, "超时") : null,
        h("span", { class: "wait live-age", dataset: { since }, title: "已等待 waiting" },
          duration(now() - since))),
      h("div", { class: "summary" }, item.summary || "（无摘要 no summary）"),
      h("div", { class: "meta small muted" }, `#${item.position} · ${labelText("channel", item.channel)} · ${labelText("language", item.language)}`));
  }

  function renderLoad() {
    const capacity = session.user && session.user.capacity;
    fill($("#load"), "接待中 ", h("strong", {}, String(state.chats.size)),
      capacity ? ` / ${capacity}` : "", " ", h("small", { lang: "en" }, "in progress"),
      state.presence === "away" ? h("span", { class: "badge away" }, "离开中，不接新会话") : null);
  }

  async function takeNext() {
    const button = $("#take-next");
    button.disabled = true;
    try {
      const reply = await api.post("/api/claim");
      if (!reply) {
        const why = state.presence !== "online"
          ? "您当前为“离开”，请先切换到“在线”。 Set yourself online first."
          : "没有可接入的会话，或您的会话数已满。 Nothing to take, or you are at capacity.";
        toast(why, "info");
        return;
      }
      const taken = reply.conversation.conversation_id;
      for (const q of state.queues) q.waiting = q.waiting.filter((item) => item.conversation_id !== taken);
      clearAlert(taken, "waiting");
      renderQueues();
      await openChat(reply.conversation.conversation_id, true, reply.conversation);
      refreshQueues();
    } catch (e) {
      toast(errorText(e), "error");
    } finally {
      button.disabled = false;
    }
  }

  // ---- Conversations ---------------------------------------------------------

  async function loadMyConversations() {
    if (!session.token) return;
    try {
      const reply = await api.get("/api/conversations");
      const ids = new Set(reply.conversations.map((c) => c.conversation_id));
      for (const id of [...state.chats.keys()]) {
        if (!ids.has(id)) removeChat(id, "会话已不在您名下。 The conversation is no longer yours.");
      }
      for (const view of reply.conversations) await openChat(view.conversation_id, false, view);
    } catch (e) {
      if (e.status !== 401) toast(errorText(e), "error");
    }
  }

  async function openChat(conversationId, focus, view) {
    let chat = state.chats.get(conversationId);
    if (!chat) {
      chat = new Chat(conversationId, view);
      state.chats.set(conversationId, chat);
      $("#chats").appendChild(chat.el);
      renderChatsEmpty();
    } else if (view) {
      chat.view = view;
    }
    if (focus || !state.selected) select(conversationId);
    await chat.load();
    renderLoad();
    renderAlerts();
  }

  function removeChat(conversationId, why) {
    const chat = state.chats.get(conversationId);
    if (!chat) return;
    chat.el.remove();
    state.chats.delete(conversationId);
    clearAlert(conversationId);
    if (why) toast(`${shortId(conversationId)}：${why}`, "info");
    if (state.selected === conversationId) {
      state.selected = null;
      const next = state.chats.keys().next();
      if (!next.done) select(next.value);
      else renderContext();
    }
    renderChatsEmpty();
    renderLoad();
    updateTitle();
  }

  function renderChatsEmpty() {
    $("#no-chats").hidden = state.chats.size > 0;
    $("#chats").dataset.count = String(state.chats.size);
    renderTabs();
  }

  /** One tab per conversation above the columns: with more columns than fit, a click
   *  brings one into view; unread counts and overdue marks show on all of them. */
  function renderTabs() {
    const tabs = $("#chat-tabs");
    tabs.hidden = state.chats.size < 2;
    fill(tabs, [...state.chats.values()].map((chat) => h("button", {
      type: "button",
      class: `chat-tab${chat.id === state.selected ? " selected" : ""}${state.alerts.has(chat.id) ? " overdue" : ""}`,
      dataset: { conversation: chat.id },
      onclick: () => select(chat.id),
    }, chat.title(), chat.unread ? h("span", { class: "badge unread" }, String(chat.unread)) : null,
    state.alerts.has(chat.id) ? h("span", { class: "badge overdue-badge" }, "超时") : null)));
  }

  function select(conversationId) {
    state.selected = conversationId;
    for (const [id, chat] of state.chats) {
      chat.el.classList.toggle("selected", id === conversationId);
      if (id === conversationId) chat.markRead();
    }
    const chat = state.chats.get(conversationId);
    if (chat) chat.el.scrollIntoView({ block: "nearest", inline: "nearest" });
    renderContext();
    renderTabs();
    updateTitle();
  }

  function updateTitle() {
    const unread = [...state.chats.values()].reduce((n, c) => n + c.unread, 0);
    document.title = `${unread ? `(${unread}) ` : ""}快递客服工作台 · Agent console`;
  }

  const shortId = (id) => (id.length > 10 ? `${id.slice(0, 8)}…` : id);

  /** A code with its human names from the context package ({zh, en}), the code as a
   *  tooltip; without names (an older package) the console's own label of `kind`. */
  const named = (names, kind, code) => (names
    ? h("span", { title: code }, bi(names.zh, names.en))
    : (kind ? label(kind, code) : h("code", {}, code)));

  /** One claimed conversation: a column with its messages, reply box and forms. */
  class Chat {
    constructor(id, view) {
      this.id = id;
      this.view = view || null;
      this.context = null;
      this.notes = [];
      this.seen = new Set();
      this.unread = 0;
      this.suggestions = [];
      this.sending = false;
      this.build();
    }

    build() {
      this.header = h("header", { class: "chat-head" });
      this.messages = h("ol", { class: "messages", "aria-live": "polite", "aria-label": "消息 messages" });
      // Follow the newest message while the agent is at the bottom, also when the list
      // is laid out or shrinks (a form opening below it); not while they read back.
      this.atBottom = true;
      this.messages.addEventListener("scroll", () => {
        this.atBottom = this.messages.scrollHeight - this.messages.scrollTop - this.messages.clientHeight < 40;
      });
      new ResizeObserver(() => { if (this.atBottom) this.scrollToEnd(); }).observe(this.messages);
      this.suggestBox = h("div", { class: "suggestions", hidden: true });
      this.reply = h("textarea", {
        class: "reply", rows: 3, maxlength: 4000,
        placeholder: "输入回复，Enter 发送，Shift+Enter 换行 (Enter sends, Shift+Enter new line)",
        "aria-label": "回复 reply",
      });
      this.reply.addEventListener("keydown", (e) => {
        // While an input method composes Chinese, Enter picks a candidate: never send then.
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
          e.preventDefault();
          this.send();
        }
      });
      // The customer's web chat shows that the agent is typing; told again every few
      // seconds while they type, as the chat hides it after a while.
      this.typingToldAt = 0;
      this.reply.addEventListener("input", () => {
        if (!this.reply.value.trim() || Date.now() - this.typingToldAt < TYPING_EVERY_MS) return;
        this.typingToldAt = Date.now();
        api.post(`/api/conversations/${encodeURIComponent(this.id)}/typing`).catch(() => {});
      });
      this.sendButton = h("button", { type: "button", class: "primary send", onclick: () => this.send() }, "发送 ", h("small", { lang: "en" }, "Send"));
      this.sendError = h("p", { class: "form-error", role: "alert" });
      this.panel = h("div", { class: "chat-panel", hidden: true });
      this.panelButtons = {};
      const tool = (key, zh, en) => {
        const button = h("button", { type: "button", class: "ghost tool", dataset: { tool: key },
          onclick: () => this.togglePanel(key) }, zh, " ", h("small", { lang: "en" }, en));
        this.panelButtons[key] = button;
        return button;
      };
      this.el = h("article", { class: "chat", dataset: { conversation: this.id },
        onclick: () => { if (state.selected !== this.id) select(this.id); } },
        this.header,
        this.messages,
        this.suggestBox,
        h("div", { class: "composer" }, this.reply, this.sendButton),
        this.sendError,
        h("div", { class: "tools" }, tool("notes", "备注", "Notes"), tool("transfer", "转接", "Transfer"), tool("close", "结束", "Close")),
        this.panel);
      this.renderHeader();
    }

    title() {
      const customer = (this.context && this.context.customer) || {};
      const phone = customer.phone ? (customer.verified ? customer.phone : maskPhone(customer.phone)) : null;
      return phone ? `客户 ${phone}` : `会话 ${shortId(this.id)}`;
    }

    renderHeader() {
      const v = this.view || {};
      const alert = state.alerts.get(this.id);
      this.el.classList.toggle("overdue", Boolean(alert));
      fill(this.header,
        h("div", { class: "row" },
          h("strong", { class: "chat-title", title: this.id }, this.title()),
          this.unread ? h("span", { class: "badge unread", title: "未读 unread" }, String(this.unread)) : null,
          alert ? h("span", { class: "badge overdue-badge", title: alert.breach }, labelText("breach", alert.breach).split(" ")[0]) : null,
          h("span", { class: "spacer" }),
          v.assigned_at ? h("span", { class: "small muted" }, "接入 ",
            h("span", { class: "live-age", dataset: { since: v.assigned_at } }, duration(now() - v.assigned_at))) : null),
        h("div", { class: "row small" },
          priorityBadge(v.priority), named(this.context && this.context.reason_name, "reason", v.reason),
          " · ", label("skill", v.skill), " · ",
          label("channel", v.channel)));
      renderTabs();
    }

    async load() {
      try {
        const reply = await api.get(`/api/conversations/${encodeURIComponent(this.id)}`);
        this.view = reply.conversation;
        this.context = reply.context || {};
        this.notes = reply.notes || [];
        this.messages.replaceChildren();
        this.seen.clear();
        for (const line of reply.transcript || []) this.addMessage(line, false);
        this.renderHeader();
        if (this.panelKey === "notes") this.renderPanel();
        if (state.selected === this.id) renderContext();
        this.loadSuggestions();
      } catch (e) {
        if (e.code === "unknown_conversation" || e.code === "not_your_conversation") {
          removeChat(this.id, errorText(e));
        } else if (e.status !== 401) {
          this.sendError.textContent = errorText(e);
        }
      }
    }

    /** Adds a transcript line or a live message once (the sender's own message comes
     *  back on the websocket too). */
    addMessage(message, live) {
      const key = `${message.sender}|${Math.round((message.time || 0) * 1000)}|${message.text}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
      let who = message.sender === "agent" && message.agent_name
        ? `坐席 ${message.agent_name}` : labelText("sender", message.sender).split(" ")[0];
      // "/greet", '/intent{...}': what the chat widget sent for the customer (opening
      // the chat, pressing a button), not typed words.
      const payload = message.sender === "customer" && /^\/[A-Za-z_]+(\{.*\})?$/.test(message.text || "");
      if (payload) who += " · 按钮/快捷指令";
      const stick = this.atBottom;
      this.messages.appendChild(h("li", { class: `msg ${message.sender || "bot"}${payload ? " payload" : ""}` },
        h("div", { class: "msg-meta" }, h("span", { class: "who" }, who), " ",
          h("time", {}, clock(message.time))),
        h("div", { class: "msg-text" }, message.text || "")));
      if (stick || !live || message.sender === "agent") this.scrollToEnd();
      if (live && message.sender === "customer") {
        if (state.selected !== this.id || document.hidden) {
          this.unread += 1;
          this.renderHeader();
          updateTitle();
        }
        this.loadSuggestions();
      }
      if (message.sender === "agent") clearAlert(this.id, "no_reply");
    }

    scrollToEnd() {
      this.messages.scrollTop = this.messages.scrollHeight;
      this.atBottom = true;
    }

    markRead() {
      if (!this.unread) return;
      this.unread = 0;
      this.renderHeader();
    }

    async loadSuggestions() {
      try {
        const reply = await api.get(`/api/suggestions?conversation_id=${encodeURIComponent(this.id)}`);
        this.suggestions = Array.isArray(reply) ? reply : [];
      } catch (_) {
        this.suggestions = [];
      }
      const texts = this.suggestions
        .map((s) => (typeof s === "string" ? { text: s } : s || {}))
        .map((s) => ({ text: s.text || s.answer || "", title: s.title || s.question || "" }))
        .filter((s) => s.text);
      this.suggestBox.hidden = texts.length === 0;
      fill(this.suggestBox, texts.length ? h("span", { class: "small muted" }, "建议回复 ") : null,
        texts.slice(0, 5).map((s) => h("button", {
          type: "button", class: "suggestion", title: s.text,
          onclick: () => { this.reply.value = s.text; this.reply.focus(); },
        }, s.title || s.text)));
    }

    async send() {
      const text = this.reply.value.trim();
      if (!text || this.sending) return;
      this.sending = true;
      this.sendButton.disabled = true;
      this.sendError.textContent = "";
      try {
        const reply = await api.post(`/api/conversations/${encodeURIComponent(this.id)}/messages`, { text });
        this.reply.value = "";
        this.addMessage(reply.message, false);
        if (this.view) this.view.last_agent_reply_at = reply.message.time;
      } catch (e) {
        // Nothing reached the customer; the text stays in the box to send again.
        this.sendError.textContent = `未发送：${errorText(e)}`;
        if (e.code === "unknown_conversation" || e.code === "not_your_conversation") removeChat(this.id, errorText(e));
      } finally {
        this.sending = false;
        this.sendButton.disabled = false;
        this.reply.focus();
      }
    }

    togglePanel(key) {
      this.panelKey = this.panelKey === key ? null : key;
      for (const [k, button] of Object.entries(this.panelButtons)) button.classList.toggle("active", k === this.panelKey);
      this.renderPanel();
    }

    renderPanel() {
      this.panel.hidden = !this.panelKey;
      if (!this.panelKey) return fill(this.panel);
      const build = { notes: () => this.notesPanel(), transfer: () => this.transferPanel(), close: () => this.closePanel() };
      fill(this.panel, build[this.panelKey]());
    }

    notesPanel() {
      const input = h("textarea", { rows: 2, maxlength: 4000, placeholder: "内部备注，客户看不到 (internal, never shown to the customer)", "aria-label": "备注 note" });
      const error = h("p", { class: "form-error", role: "alert" });
      const submit = async (e) => {
        e.preventDefault();
        const text = input.value.trim();
        if (!text) { error.textContent = "请输入备注内容。 Write a note first."; return; }
        try {
          const reply = await api.post(`/api/conversations/${encodeURIComponent(this.id)}/notes`, { text });
          this.notes.push(reply.note);
          this.renderPanel();
        } catch (err) {
          error.textContent = errorText(err);
        }
      };
      return h("form", { class: "panel-form notes-form", onsubmit: submit },
        h("h4", {}, bi("内部备注", "Internal notes")),
        this.notes.length ? h("ul", { class: "notes" }, this.notes.map((n) => h("li", {},
          h("span", { class: "small muted" }, `${clock(n.created_at)} ${n.agent_id} `), h("span", { class: "note-text" }, n.text))))
          : h("p", { class: "small muted" }, "暂无备注 no notes yet"),
        input, error,
        h("button", { type: "submit", class: "primary" }, "添加备注 ", h("small", { lang: "en" }, "Add note")));
    }

    transferPanel() {
      const me = session.user.id;
      const kind = h("select", { "aria-label": "转给 to" },
        h("option", { value: "skill" }, "技能组 team"), h("option", { value: "agent" }, "坐席 agent"));
      const target = h("select", { "aria-label": "目标 target" });
      const fillTargets = () => {
        if (kind.value === "skill") {
          fill(target, h("option", { value: "" }, "请选择… choose"),
            state.options.skills.map((s) => h("option", { value: s }, labelText("skill", s))));
        } else {
          fill(target, h("option", { value: "" }, "请选择… choose"),
            state.options.agents.filter((a) => a.id !== me).map((a) => h("option", { value: a.id },
              `${a.name}（${labelText("presence", a.presence).split(" ")[0]}）`)));
        }
      };
      kind.addEventListener("change", fillTargets);
      fillTargets();
      const error = h("p", { class: "form-error", role: "alert" });
      const submit = async (e) => {
        e.preventDefault();
        if (!target.value) { error.textContent = "请选择转接目标。 Choose where to transfer."; return; }
        const body = kind.value === "skill" ? { skill: target.value } : { agent_id: target.value };
        this.leaving = true;
        try {
          const reply = await api.post(`/api/conversations/${encodeURIComponent(this.id)}/transfer`, body);
          removeChat(this.id);
          toast(reply.position ? `${this.title()}：已转到${labelText("skill", target.value).split(" ")[0]}队列第 ${reply.position} 位。 Transferred.`
            : `${this.title()}：已转给坐席 ${target.value}。 Transferred.`, "info");
          refreshQueues();
        } catch (err) {
          this.leaving = false;
          error.textContent = errorText(err);
        }
      };
      // Fresh presence of the colleagues before choosing one.
      api.get("/api/options").then((o) => { state.options = o; if (kind.value === "agent") fillTargets(); }).catch(() => {});
      return h("form", { class: "panel-form transfer-form", onsubmit: submit },
        h("h4", {}, bi("转接", "Transfer")), h("div", { class: "row" }, kind, target), error,
        h("button", { type: "submit", class: "primary" }, "转接 ", h("small", { lang: "en" }, "Transfer")));
    }

    closePanel() {
      if (!state.options.categories.length) {
        // The choices did not load at start (service briefly down): fetch them now.
        api.get("/api/options").then((o) => { state.options = o; if (this.panelKey === "close") this.renderPanel(); })
          .catch((e) => toast(errorText(e), "error"));
      }
      const category = choiceSelect("category", state.options.categories, { name: "category", "aria-label": "结果 category" });
      const department = choiceSelect("department", state.options.departments, { name: "department", "aria-label": "责任部门 department" });
      const disposition = h("textarea", { name: "disposition", rows: 3, maxlength: 4000,
        placeholder: "处理结果：做了什么、和客户约定了什么 (what was done or agreed)", "aria-label": "处理说明 disposition" });
      const errors = {};
      const field = (name, zh, en, input) => {
        errors[name] = h("span", { class: "field-error", dataset: { field: name }, role: "alert" });
        return h("label", { class: "field" }, h("span", {}, zh, " ", h("small", { lang: "en" }, en), h("b", { class: "req" }, " *")), input, errors[name]);
      };
      const formError = h("p", { class: "form-error", role: "alert" });
      const submit = async (e) => {
        e.preventDefault();
        let ok = true;
        const inputs = { category, department, disposition };
        const required = {
          category: "请选择处理结果。 Choose a category.",
          department: "请选择责任部门。 Choose a department.",
          disposition: "请填写处理说明。 Describe what was done.",
        };
        for (const [name, input] of Object.entries(inputs)) {
          const missing = !input.value.trim();
          errors[name].textContent = missing ? required[name] : "";
          input.setAttribute("aria-invalid", missing ? "true" : "false");
          if (missing && ok) input.focus();
          ok = ok && !missing;
        }
        if (!ok) return;
        const button = e.submitter || closeButton;
        button.disabled = true;
        this.leaving = true;
        try {
          const reply = await api.post(`/api/conversations/${encodeURIComponent(this.id)}/close`, {
            category: category.value, department: department.value, disposition: disposition.value.trim(),
          });
          removeChat(this.id);
          toast(`${this.title()}：已结束，工单 ${reply.case_id.slice(0, 8)}${reply.rating_requested ? "，已请客户评分" : ""}。 Closed.`, "info");
          refreshQueues();
        } catch (err) {
          this.leaving = false;
          if (err.field && errors[err.field]) errors[err.field].textContent = errorText(err);
          else formError.textContent = errorText(err);
        } finally {
          button.disabled = false;
        }
      };
      const closeButton = h("button", { type: "submit", class: "danger" }, "结束会话 ", h("small", { lang: "en" }, "Close conversation"));
      return h("form", { class: "panel-form close-form", onsubmit: submit, novalidate: true },
        h("h4", {}, bi("结束并登记", "Close with disposition")),
        field("category", "处理结果", "Category", category),
        field("department", "责任部门", "Department", department),
        field("disposition", "处理说明", "Disposition", disposition),
        formError,
        h("p", { class: "small muted" }, "结束后机器人接回会话，并请客户打 1–5 分。"),
        closeButton);
    }
  }

  // ---- Context package -------------------------------------------------------

  function renderContext() {
    const pane = $("#context");
    const chat = state.selected && state.chats.get(state.selected);
    if (!chat) {
      fill(pane, h("p", { class: "empty" }, "选择一个会话查看客户资料。 ", h("small", { lang: "en" }, "Select a conversation to see its context.")));
      return;
    }
    const c = chat.context;
    if (!c) {
      fill(pane, h("p", { class: "empty" }, "加载中… loading"));
      return;
    }
    const customer = c.customer || {};
    const phone = customer.phone ? (customer.verified ? customer.phone : maskPhone(customer.phone)) : "—";
    const section = (zh, en, ...body) => h("section", { class: "ctx-section" }, h("h3", {}, bi(zh, en)), ...body);
    const dl = (rows) => h("dl", { class: "facts" }, rows.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
    const list = (items, empty) => (items && items.length
      ? h("ul", { class: "chips" }, items.map((x) => h("li", {}, String(x))))
      : h("span", { class: "muted" }, empty || "—"));
    const slots = Object.entries(c.slots || {});
    const intents = c.intents || [];
    const earlier = c.earlier || {};
    const cases = earlier.cases || [];
    const sessions = earlier.sessions || [];
    fill(pane,
      h("h2", {}, bi("客户资料", "Context"), " ", h("small", { class: "muted", title: chat.id }, shortId(chat.id))),
      section("客户", "Customer", dl([
        ["电话 phone", h("span", {}, phone, " ", customer.verified
          ? h("span", { class: "badge ok" }, "已验证 verified") : h("span", { class: "badge warn" }, "未验证 unverified"))],
        ["客户标识 key", h("code", {}, customer.key ? maskPhone(customer.key) : "—")],
        ["渠道 channel", label("channel", c.channel)],
        ["语言 language", label("language", c.language)],
      ])),
      section("转人工原因", "Handoff", dl([
        ["原因 reason", named(c.reason_name, "reason", c.reason)],
        ["优先级 priority", priorityBadge(c.priority)],
        ["技能组 skill", label("skill", chat.view ? chat.view.skill : c.skill)],
        ["转接时间 at", c.built_at ? clock(c.built_at) : "—"],
      ])),
      section("机器人摘要", "Summary", h("p", { class: "ctx-summary" }, c.summary || "—"),
        c.summary_en ? h("p", { class: "ctx-summary-en small muted", lang: "en" }, c.summary_en) : null),
      section("包裹与退货", "Parcels & returns", dl([
        ["运单 parcels", list(c.parcels)],
        ["退货 returns", list(c.returns)],
      ])),
      section("已知信息", "Slots", slots.length
        ? dl(slots.map(([name, value]) => [named((c.slot_names || {})[name], null, name),
          typeof value === "object" ? JSON.stringify(value) : String(value)]))
        : h("p", { class: "muted" }, "—")),
      section("意图记录", "Intent history", intents.length
        ? h("table", { class: "intents" },
          h("thead", {}, h("tr", {}, h("th", {}, "时间"), h("th", {}, "客户原话"), h("th", {}, "意图"), h("th", {}, "置信度"))),
          h("tbody", {}, intents.map((i) => {
            const pct = Math.round((Number(i.confidence) || 0) * 100);
            return h("tr", { class: pct < 50 ? "low" : "" },
              h("td", { class: "small" }, clock(i.time)),
              h("td", {}, i.text || ""),
              h("td", {}, h("code", {}, i.intent || "—")),
              h("td", { class: "conf" }, h("span", { class: "bar" }, h("span", { style: { width: `${pct}%` } })), `${pct}%`));
          })))
        : h("p", { class: "muted" }, "—")),
      section("历史工单（360°）", "Earlier cases", cases.length
        ? h("ul", { class: "cases" }, cases.map((k) => h("li", {},
          h("div", { class: "row" }, h("strong", {}, dateTime(k.closed_at)), " ", label("category", k.category),
            k.rating ? h("span", { class: "stars", title: `rating ${k.rating}/5` }, "★".repeat(k.rating)) : null),
          h("div", { class: "small" }, label("reason", k.reason)),
          k.disposition ? h("div", {}, k.disposition) : null,
          k.summary ? h("div", { class: "small muted" }, k.summary) : null)))
        : h("p", { class: "muted" }, "无历史工单 none")),
      sessions.length ? section("此前的对话", "Earlier sessions", h("ul", { class: "sessions" },
        sessions.map((s) => h("li", {}, h("span", { class: "small" }, dateTime(s.started)), " ",
          (s.intents || []).map((i) => h("code", {}, i || "?")))))) : null);
  }

  // ---- Clock -----------------------------------------------------------------

  /** Every second: the waiting and handling times count up. */
  function tick() {
    const t = now();
    for (const node of document.querySelectorAll(".live-age")) {
      const since = Number(node.dataset.since);
      if (Number.isFinite(since)) node.textContent = duration(t - since);
    }
  }

  // Exposed for the browser tests (e.g. to drop the socket) and for debugging.
  window.handoffConsole = { state, resync };
  boot();
})();
