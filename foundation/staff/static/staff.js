/*
 * The browser toolkit of the staff pages: the agent console (console.js), the
 * supervisor page (supervisor.js) and the knowledge editor (editor.js). Safe DOM
 * building, the session, REST calls and their errors, the sign-in form, toasts, the
 * live websocket, labels and times. Each page loads it first, from /staff/staff.js.
 * Plain browser JavaScript: no build step, no libraries, nothing from a CDN.
 *
 * Security rule of the pages: every text that comes from a service (customer
 * messages above all, but also notes, summaries, names, articles) is put into the
 * page as a text node (textContent / createTextNode, through h() below). Nothing is
 * ever assigned to innerHTML, so a customer typing markup sees it shown as text.
 */
"use strict";

const Staff = (() => {
  // ---- DOM -------------------------------------------------------------------

  // Properties set as DOM properties; everything else is an attribute. Markup
  // properties (innerHTML, outerHTML, srcdoc) are refused outright.
  const PROPERTIES = new Set(["value", "checked", "disabled", "selected", "hidden", "open"]);
  const FORBIDDEN = new Set(["innerHTML", "outerHTML", "srcdoc", "insertAdjacentHTML"]);

  /** h("div", {class: "x", onclick: fn}, "text", child, [more]) -> Element.
   *  Strings and numbers become text nodes; null/undefined/false are skipped. */
  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (FORBIDDEN.has(key)) throw new Error(`h(): ${key} is not allowed`);
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      // Through the CSSOM: style attributes in markup are blocked by the pages' CSP.
      else if (key === "style") Object.assign(node.style, value);
      else if (key.startsWith("on") && typeof value === "function") {
        node.addEventListener(key.slice(2), value);
      } else if (PROPERTIES.has(key)) node[key] = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children) {
      if (child === undefined || child === null || child === false) continue;
      if (Array.isArray(child)) append(node, child);
      else if (child instanceof Node) node.appendChild(child);
      else node.appendChild(document.createTextNode(String(child)));
    }
    return node;
  }

  /** Replaces the children of `node`. */
  function fill(node, ...children) {
    node.replaceChildren();
    return append(node, children);
  }

  /** A Chinese label with the English in small text after it. */
  function bi(zh, en) {
    if (!en || en === zh) return h("span", { class: "bi" }, zh);
    return h("span", { class: "bi" }, zh, h("small", { lang: "en" }, en));
  }

  const $ = (selector, root) => (root || document).querySelector(selector);

  // ---- Labels ----------------------------------------------------------------

  const LABELS = {
    // Reasons and teams by their human names in both languages (as in the context
    // package, handoff/context_words.py); the other kinds show Chinese and the code.
    reason: {
      customer_request: ["客户要求转人工", "customer asked for a person"],
      nlu_fallback: ["机器人未能理解", "bot did not understand"],
      faq_no_answer: ["知识库无答案", "no answer in the FAQ"],
      complaint: ["投诉", "complaint"],
      form_failed: ["多次填写失败", "form failed repeatedly"],
      policy_exception: ["政策例外", "policy exception"],
      parcel_exception: ["包裹异常", "parcel exception"],
      negative_sentiment: ["客户不满", "customer upset"],
      vip: ["VIP 客户", "VIP customer"],
      action_error: ["系统出错", "system error"],
    },
    skill: {
      tracking: ["查件组", "tracking team"], returns: ["退货组", "returns team"],
      complaints: ["投诉组", "complaints team"], general: ["综合组", "general team"],
    },
    category: {
      resolved: "已解决",
      parcel_located: "已找到包裹",
      redelivery_booked: "已预约再派送",
      claim_opened: "已发起理赔",
      return_arranged: "已安排退货",
      refund_explained: "已解释退款",
      complaint_recorded: "已记录投诉",
      callback_promised: "已承诺回电",
      not_resolved: "未解决",
    },
    department: {
      customer_service: "客服中心",
      delivery_branch: "派送网点",
      transfer_centre: "转运中心",
      claims: "理赔部",
      returns: "退货部",
      sales: "销售部",
      it: "信息技术部",
    },
    channel: { socketio: "网页/App 聊天", rest: "接口", ivr: "电话语音", callback: "回电" },
    language: { "zh-Hans": "简体中文", "zh-Hant": "繁體中文", en: "英语" },
    presence: { online: "在线", away: "离开", offline: "离线" },
    sender: { customer: "客户", bot: "机器人", agent: "坐席" },
    breach: { waiting: "排队超时", no_reply: "未及时回复" },
  };

  /** The label of a code as a bilingual span; unknown codes are shown as they are. */
  function label(kind, code) {
    if (code === undefined || code === null || code === "") return h("span", { class: "muted" }, "—");
    const [zh, en] = names(kind, code);
    if (!zh) return h("span", {}, String(code));
    const shown = bi(zh, en);
    shown.title = String(code);
    return shown;
  }

  function labelText(kind, code) {
    const [zh, en] = names(kind, code);
    return zh ? `${zh} ${en}` : String(code ?? "");
  }

  /** [Chinese, English] of a code: a pair of LABELS, or Chinese and the code itself. */
  function names(kind, code) {
    const known = (LABELS[kind] || {})[code];
    if (!known) return [null, null];
    return Array.isArray(known) ? known : [known, String(code)];
  }

  function priorityBadge(priority) {
    const p = Number.isFinite(priority) ? priority : 3;
    const zh = ["最急", "紧急", "较急", "普通"][Math.min(p, 3)];
    return h("span", { class: `badge prio prio-${Math.min(p, 3)}`, title: `priority ${p}（0 最先处理）` },
      `P${p} ${zh}`);
  }

  // ---- Times -----------------------------------------------------------------

  // Seconds to add to the browser's clock to get the service's (set from replies
  // that carry both a time and an age, so live timers do not drift with a skewed PC).
  let clockOffset = 0;
  const now = () => Date.now() / 1000 + clockOffset;
  function syncClock(serverNow) {
    if (Number.isFinite(serverNow)) clockOffset = serverNow - Date.now() / 1000;
  }

  const pad = (n) => String(n).padStart(2, "0");

  /** 14:03:07 (today) or 11-23 14:03 (another day). */
  function clock(epochSeconds) {
    if (!Number.isFinite(epochSeconds)) return "";
    const d = new Date(epochSeconds * 1000);
    const today = new Date();
    const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    if (d.toDateString() === today.toDateString()) return time;
    return `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time.slice(0, 5)}`;
  }

  /** 2024-11-23 14:03 from ISO text or epoch seconds. */
  function dateTime(value) {
    const d = typeof value === "number" ? new Date(value * 1000) : new Date(value);
    if (Number.isNaN(d.getTime())) return String(value ?? "");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  /** 0:07, 12:30, 1:02:03 */
  function duration(seconds) {
    if (!Number.isFinite(seconds)) return "—";
    const s = Math.max(0, Math.floor(seconds));
    const hours = Math.floor(s / 3600);
    const minutes = Math.floor((s % 3600) / 60);
    return hours ? `${hours}:${pad(minutes)}:${pad(s % 60)}` : `${minutes}:${pad(s % 60)}`;
  }

  /** Mainland mobile numbers masked like the service does (138****5678): a second
   *  line of defence for numbers of customers who have not verified their phone. */
  function maskPhone(text) {
    return String(text ?? "").replace(/(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)/g, "$1****$2");
  }

  // ---- Session ---------------------------------------------------------------

  /** The login of one page, in sessionStorage: it ends with the tab, and another
   *  tab (a second agent on a shared PC) has its own. */
  class Session {
    constructor(key) {
      this.key = key;
      this.token = null;
      this.user = null;
      this.expiresAt = 0;
      try {
        const saved = JSON.parse(sessionStorage.getItem(key) || "null");
        if (saved && saved.token && saved.expires_at * 1000 > Date.now()) {
          this.token = saved.token;
          this.user = saved.user;
          this.expiresAt = saved.expires_at;
        }
      } catch (_) {
        sessionStorage.removeItem(key);
      }
    }

    save(login) {
      this.token = login.token;
      this.user = login.user;
      this.expiresAt = login.expires_at;
      sessionStorage.setItem(this.key, JSON.stringify(login));
    }

    clear() {
      this.token = null;
      this.user = null;
      sessionStorage.removeItem(this.key);
    }
  }

  // ---- REST ------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || `HTTP ${status}`);
      this.status = status;
      this.code = (body && body.error) || `http_${status}`;
      this.field = body && body.field;
      this.body = body || {};
    }
  }

  /** REST calls with `Authorization: Bearer <token>` (never a token in the URL).
   *  `onUnauthorised(error)` runs when the service refuses the token (401);
   *  options.unreachable is the text of the error when the service cannot be reached. */
  class Api {
    constructor(session, onUnauthorised, options) {
      this.session = session;
      this.onUnauthorised = onUnauthorised;
      this.unreachable = (options && options.unreachable) || "无法连接服务，请检查网络。 The service cannot be reached.";
    }

    /** `body` goes as JSON; with `yaml` (text) the body is that YAML instead. */
    async call(method, path, body, { yaml } = {}) {
      const headers = { Accept: "application/json" };
      if (this.session.token) headers.Authorization = `Bearer ${this.session.token}`;
      let payload;
      if (yaml !== undefined) {
        headers["Content-Type"] = "application/yaml; charset=utf-8";
        payload = yaml;
      } else if (body !== undefined) {
        headers["Content-Type"] = "application/json";
        payload = JSON.stringify(body);
      }
      let reply;
      try {
        reply = await fetch(path, { method, headers, body: payload, cache: "no-store", credentials: "omit" });
      } catch (_) {
        throw new ApiError(0, { error: "network", message: this.unreachable });
      }
      if (reply.status === 204) return null;
      const text = await reply.text();
      let data = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch (_) {
        data = { error: `http_${reply.status}`, message: text.slice(0, 200) };
      }
      if (!reply.ok) {
        const error = new ApiError(reply.status, data);
        if (reply.status === 401 && path !== "/api/login" && this.onUnauthorised) this.onUnauthorised(error);
        throw error;
      }
      return data;
    }

    get(path) { return this.call("GET", path); }
    post(path, body) { return this.call("POST", path, body === undefined ? {} : body); }
    put(path, body) { return this.call("PUT", path, body); }
  }

  // The Chinese summaries of error codes: those of every staff service's login...
  const LOGIN_ERRORS = {
    invalid_credentials: "用户名或密码错误",
    too_many_attempts: "失败次数过多，请稍后再试",
    forbidden: "没有权限",
  };

  // ... and those of the handoff service (the console and the supervisor page).
  const HANDOFF_ERRORS = {
    network: "无法连接服务，请检查网络",
    redis_unavailable: "排队系统暂时不可用，请重试",
    rasa_unavailable: "机器人服务暂时不可用，消息未发出，请重试",
    database_unavailable: "工单数据库暂时不可用，请重试",
    not_your_conversation: "该会话已不属于您",
    unknown_conversation: "会话不存在或已结束",
    agent_unavailable: "该坐席不在线或已满",
    unauthorised: "登录已失效，请重新登录",
  };

  /** errorText(error) for the codes of one service (`own`, over the login ones):
   *  the Chinese summary, then the service's own (English) message. */
  function errorTexts(own) {
    const known = { ...LOGIN_ERRORS, ...own };
    return (error) => {
      if (!(error instanceof ApiError)) return String(error && error.message ? error.message : error);
      const zh = known[error.code];
      return zh ? `${zh}。 ${error.message}` : error.message;
    };
  }

  /** A person-readable text for an error of the handoff service. */
  const errorText = errorTexts(HANDOFF_ERRORS);

  // ---- Websocket -------------------------------------------------------------

  const HEARTBEAT_SECONDS = 10;
  // No frame at all for this long (heartbeats are answered) means a dead link.
  const SILENCE_SECONDS = 25;
  const MAX_BACKOFF_SECONDS = 30;

  /**
   * The live connection: sends {"type": "heartbeat"} every 10 s, reconnects with
   * exponential backoff (1, 2, 4 ... 30 s, with jitter) and reports its state:
   * "connecting", "open", "lost" (with the seconds until the next try).
   *
   * The token travels in the query string (/ws?token=...) because the browser's
   * WebSocket API cannot send an Authorization header, and the service takes no
   * cookies (cookies would open the socket to cross-site hijacking). This URL is
   * never shown, put in history or sent as a Referer; the service keeps no access
   * log; and the token expires after 12 hours. Every REST call uses the header.
   */
  class LiveSocket {
    constructor({ token, onMessage, onState, onRefused, onOpen }) {
      this.token = token;
      this.onMessage = onMessage;
      this.onState = onState || (() => {});
      this.onRefused = onRefused || (() => {});
      this.onOpen = onOpen || (() => {});
      this.attempts = 0;
      this.stopped = false;
      this.ws = null;
      this.timers = {};
    }

    start() {
      this.stopped = false;
      this._connect();
    }

    stop() {
      this.stopped = true;
      this._clearTimers();
      if (this.ws) {
        this._detach(this.ws);
        this.ws.close(1000, "logout");
        this.ws = null;
      }
    }

    /** Drops the current connection as a network failure would (used by tests). */
    drop() {
      if (this.ws) this.ws.close(4000, "dropped");
    }

    send(message) {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) {
        this.ws.send(JSON.stringify(message));
        return true;
      }
      return false;
    }

    _connect() {
      this._clearTimers();
      this.onState("connecting");
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      const ws = new WebSocket(`${scheme}//${location.host}/ws?token=${encodeURIComponent(this.token)}`);
      this.ws = ws;
      ws.onopen = () => {
        this.attempts = 0;
        this.lastFrameAt = Date.now();
        this.onState("open");
        this.send({ type: "heartbeat" });
        this.timers.beat = setInterval(() => this._beat(), HEARTBEAT_SECONDS * 1000);
        this.onOpen();
      };
      ws.onmessage = (event) => {
        this.lastFrameAt = Date.now();
        let message;
        try {
          message = JSON.parse(event.data);
        } catch (_) {
          return;
        }
        this.onMessage(message);
      };
      ws.onclose = (event) => this._closed(ws, event.code, event.reason);
      ws.onerror = () => {}; // onclose follows and handles it
    }

    _beat() {
      if (Date.now() - this.lastFrameAt > SILENCE_SECONDS * 1000) {
        // Half-open link: no answer to our heartbeats. Give it up and start again.
        const ws = this.ws;
        this._detach(ws);
        try { ws.close(4000, "silent"); } catch (_) { /* already closing */ }
        this._closed(ws, 4000, "silent");
        return;
      }
      this.send({ type: "heartbeat" });
    }

    _closed(ws, code, reason) {
      if (ws !== this.ws) return;
      this._detach(ws);
      this.ws = null;
      this._clearTimers();
      if (this.stopped) return;
      if (code === 4401) {
        this.onRefused(reason || "token refused");
        return;
      }
      const delay = Math.min(MAX_BACKOFF_SECONDS, 2 ** this.attempts) * (0.8 + Math.random() * 0.4);
      this.attempts += 1;
      const retryAt = Date.now() + delay * 1000;
      this.onState("lost", Math.ceil(delay));
      this.timers.countdown = setInterval(
        () => this.onState("lost", Math.max(0, Math.ceil((retryAt - Date.now()) / 1000))), 1000);
      this.timers.retry = setTimeout(() => this._connect(), delay * 1000);
    }

    _detach(ws) {
      if (!ws) return;
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    }

    _clearTimers() {
      clearInterval(this.timers.beat);
      clearInterval(this.timers.countdown);
      clearTimeout(this.timers.retry);
      this.timers = {};
    }
  }

  /** Calls `fn` once, `ms` after the last of a burst of calls. */
  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  // ---- Small widgets ---------------------------------------------------------

  /** Runs `work` with the button disabled and showing it is busy. */
  async function busy(button, work) {
    button.disabled = true;
    button.classList.add("busy");
    try {
      return await work();
    } finally {
      button.disabled = false;
      button.classList.remove("busy");
    }
  }

  /** Short notices at the bottom of the page. */
  function toast(text, kind) {
    if (kind === "error") console.error(text); // for whoever looks at the browser console
    let area = $("#toasts");
    if (!area) {
      area = h("div", { id: "toasts", role: "status", "aria-live": "polite" });
      document.body.appendChild(area);
    }
    const note = h("div", { class: `toast ${kind || "info"}` }, text);
    area.appendChild(note);
    setTimeout(() => note.remove(), kind === "error" ? 9000 : 5000);
  }

  /** The connection banner: hidden while open, visible otherwise. */
  function showConnection(banner, dot, state, seconds) {
    dot.className = `conn-dot ${state}`;
    dot.title = { open: "已连接 connected", connecting: "连接中 connecting", lost: "连接已断开 connection lost" }[state];
    if (state === "open") {
      banner.hidden = true;
      return;
    }
    banner.hidden = false;
    if (state === "connecting") {
      fill(banner, bi("正在连接实时服务…", "Connecting…"));
    } else {
      fill(banner, h("strong", {}, "连接已断开"), " ",
        h("small", { lang: "en" }, "Connection lost"), " — ",
        `${seconds} 秒后重连 `, h("small", { lang: "en" }, `retrying in ${seconds} s`),
        "。新消息在重连后补上。");
    }
  }

  /** A <select> of coded choices with bilingual texts and a "please choose" first. */
  function choiceSelect(kind, codes, props) {
    return h("select", props || {},
      h("option", { value: "" }, "请选择… choose"),
      codes.map((code) => h("option", { value: code }, labelText(kind, code))));
  }

  // ---- Sign-in ---------------------------------------------------------------

  /** The sign-in form; the tests and password managers know it by its ids.
   *  title: [Chinese, English]; hint: nodes or texts for a line below the button. */
  function loginForm(title, hint) {
    const field = (zh, en, input) => h("label", {}, h("span", {}, `${zh} `, h("small", { lang: "en" }, en)), input);
    return h("form", { id: "login-form", class: "card", autocomplete: "on" },
      h("h2", {}, `${title[0]} `, h("small", { lang: "en" }, title[1])),
      field("用户名", "User", h("input", {
        name: "user", id: "login-user", autocomplete: "username", required: true, autofocus: true,
      })),
      field("密码", "Password", h("input", {
        name: "password", id: "login-password", type: "password", autocomplete: "current-password", required: true,
      })),
      h("p", { class: "form-error", id: "login-error", role: "alert" }),
      h("button", { type: "submit", class: "primary" }, "登录 ", h("small", { lang: "en" }, "Sign in")),
      hint ? h("p", { class: "hint" }, hint) : null);
  }

  /**
   * The sign-in of a staff page, into its (hidden) <section id="login">:
   *   session, api     the page's Session and Api (POST /api/login of its service)
   *   role, wrongRole  the one role the page is for and the text for anyone else
   *                    (no role: every user of the service)
   *   title, hint      the form's heading [Chinese, English] and a line below it
   *   parts            selectors of what the page shows while signed in
   *   banners          selectors hidden too while the form shows
   *   errorText        the page's texts for API errors
   *   onEnter          starts the page for session.user (after a login, or a reload)
   * Returns { show(message): the form (at logout, when the login ran out),
   *           resume(): the page with the tab's saved login, else the form }.
   */
  function signIn({ session, api, role, wrongRole, title, hint, parts, banners, errorText: describe, onEnter }) {
    const section = $("#login");
    fill(section, loginForm(title, hint));
    const form = $("#login-form");
    const user = $("#login-user");
    const password = $("#login-password");
    const error = $("#login-error");
    const allowed = (who) => Boolean(who) && (!role || who.role === role);

    function show(message) {
      for (const selector of [...parts, ...(banners || [])]) $(selector).hidden = true;
      section.hidden = false;
      error.textContent = message || "";
      password.value = "";
      user.focus();
    }

    function enter() {
      section.hidden = true;
      for (const selector of parts) $(selector).hidden = false;
      onEnter();
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = user.value.trim();
      error.textContent = "";
      if (!name || !password.value) {
        error.textContent = "请输入用户名和密码。 Enter your user name and password.";
        return;
      }
      try {
        const login = await busy(event.submitter || $("button[type=submit]", form),
          () => api.post("/api/login", { user: name, password: password.value }));
        if (!allowed(login.user)) {
          error.textContent = wrongRole;
          return;
        }
        session.save(login);
        password.value = "";
        enter();
      } catch (e) {
        error.textContent = (describe || errorText)(e);
      }
    });

    return {
      show,
      resume() {
        if (session.token && allowed(session.user)) enter();
        else show();
      },
    };
  }

  return {
    h, append, fill, bi, $, label, labelText, priorityBadge, LABELS,
    now, syncClock, clock, dateTime, duration, maskPhone,
    Session, Api, ApiError, errorText, errorTexts, LiveSocket, debounce, busy, toast, showConnection,
    choiceSelect, signIn,
  };
})();
