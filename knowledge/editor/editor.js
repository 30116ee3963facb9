/*
 * The knowledge editor page: articles, answer tests, preview, publishing, history,
 * the audit log and the gap list (a group drafted as an article in one click, handled
 * once that article is published), over the editor service's API (knowledge/service/openapi.yaml).
 * Plain browser JavaScript: no build step, no libraries, nothing from a CDN; the
 * staff pages' toolkit (/staff/staff.js, `Staff`) is loaded first.
 *
 * Security rule: every text from the service is put into the page as a text node
 * (textContent, through the toolkit's h()), never as markup. Article texts are
 * written by editors, but the gap list holds what customers typed.
 */
"use strict";

(() => {
  const { h, fill, bi, $, dateTime, Session, Api, errorTexts, debounce, busy, toast, signIn } = Staff;

  const LABELS = {
    status: { draft: ["草稿", "draft"], published: ["已发布", "published"], archived: ["已归档", "archived"] },
    action: {
      create: ["新建", "create"], edit: ["编辑", "edit"], "edit tests": ["编辑测试", "edit tests"],
      publish: ["发布", "publish"], rollback: ["回滚", "rollback"], import: ["导入", "import"],
      "import tests": ["导入测试", "import tests"],
    },
    language: { "zh-Hans": "简体", "zh-Hant": "繁體", en: "English", zh: "中文" },
    channel: { socketio: "网页", rest: "接口", ivr: "电话" },
  };

  function label(kind, code) {
    const known = (LABELS[kind] || {})[code];
    if (!known) return h("span", {}, code ?? "—");
    return Array.isArray(known) ? bi(known[0], known[1]) : h("span", { title: code }, known);
  }

  function statusBadge(status) {
    return h("span", { class: `badge status-${status}`, dataset: { status } }, label("status", status));
  }

  /** 2026-11-23 18:16 in the browser's time zone, from the service's ISO UTC time. */
  const when = (iso) => (iso && !Number.isNaN(new Date(iso).getTime()) ? dateTime(iso) : "—");

  const lines = (text) => text.split("\n").map((line) => line.trim()).filter(Boolean);

  /** Shows a message box: kind ok, warn or error; extra nodes (a list, a button) after the text. */
  function message(box, kind, text, ...extra) {
    box.hidden = false;
    box.className = `message ${kind}`;
    fill(box, h("p", {}, text), ...extra);
  }

  function clearMessage(box) {
    box.hidden = true;
    box.replaceChildren();
  }

  // ---- Session and API -------------------------------------------------------

  /** The login of this tab (sessionStorage): it ends with the tab. */
  const session = new Session("knowledge-editor");
  const isReviewer = () => Boolean(session.user && session.user.role === "reviewer");

  const api = new Api(session, () => loggedOut("登录已失效，请重新登录。 Your session has ended; log in again."),
    { unreachable: "无法连接编辑服务，请检查网络。 The service cannot be reached." });

  /** Chinese summary, then the service's own (English) message. */
  const errorText = errorTexts({
    network: "无法连接服务",
    unauthorised: "登录已失效",
    invalid_article: "文章未保存，请修改以下问题",
    invalid_yaml: "YAML 格式错误，未保存",
    invalid_answer_tests: "答案测试未保存",
    edit_conflict: "编辑冲突，未保存",
    unknown_article: "文章不存在",
    publish_refused: "发布被拒绝",
    unreviewed: "有未经审核的版本，未发布",
    own_change: "不能发布自己写的修改，未发布",
    too_large: "内容过大，未保存",
    unknown_gap: "该未答问题组不存在或已处理",
    gap_drafted: "该未答问题组已起草为文章",
    database_unavailable: "知识库暂时不可用，请重试",
  });

  /** The problems an invalid_article / invalid_answer_tests error lists, as a list. */
  function problemList(error) {
    const problems = (error.body && error.body.problems) || [];
    return problems.length ? h("ul", { class: "problems" }, problems.map((p) => h("li", {}, p))) : null;
  }

  // ---- State -----------------------------------------------------------------

  const state = {
    current: null, // the article view of GET /api/articles/{id}; null while creating one
    fromGap: null, // the gap group a new article is drafted from (saved through /api/gaps/{id}/draft)
    mode: "form", // or "yaml"
  };

  const FIELDS = {
    id: "#f-id", category: "#f-category", titleZh: "#f-title-zh", titleEn: "#f-title-en", tags: "#f-tags",
    validFrom: "#f-valid-from", validUntil: "#f-valid-until", questionsZh: "#f-questions-zh",
    questionsEn: "#f-questions-en", zhWeb: "#f-answer-zh-web", zhVoice: "#f-answer-zh-voice",
    enWeb: "#f-answer-en-web", enVoice: "#f-answer-en-voice",
  };
  const field = (name) => $(FIELDS[name]);

  // ---- Login -----------------------------------------------------------------

  let login = null; // the sign-in form (Staff.signIn)

  function loggedOut(text) {
    session.clear();
    login.show(text);
  }

  /** The editor for session.user, once signed in (the form showed #app, #views and #session-bar). */
  function start() {
    const user = session.user;
    const role = user.role === "reviewer" ? bi("审核员", "reviewer") : bi("编辑", "editor");
    fill($("#who"), h("strong", {}, user.name), " ", h("span", { class: "badge role", dataset: { role: user.role } }, role));
    document.body.dataset.role = user.role;
    // Publishing and rollback are a reviewer's act; an editor does not see the buttons.
    $("#publish").hidden = !isReviewer();
    $("#publish-note").hidden = isReviewer();
    showView("articles");
    loadList();
  }

  // ---- Views -----------------------------------------------------------------

  function showView(name) {
    for (const tab of document.querySelectorAll(".view-tab")) tab.classList.toggle("selected", tab.dataset.view === name);
    $("#articles-view").hidden = name !== "articles";
    $("#audit-view").hidden = name !== "audit";
    $("#gaps-view").hidden = name !== "gaps";
    if (name === "audit") loadAudit();
    if (name === "gaps") loadGaps();
  }

  // ---- Article list ----------------------------------------------------------

  let listRequest = 0;

  async function loadList() {
    const request = ++listRequest;
    const query = new URLSearchParams();
    if ($("#search").value.trim()) query.set("query", $("#search").value.trim());
    if ($("#status-filter").value) query.set("status", $("#status-filter").value);
    try {
      const data = await api.get(`/api/articles?${query}`);
      if (request !== listRequest) return; // a newer search is on its way
      renderList(data.articles);
    } catch (error) {
      if (request === listRequest) toast(errorText(error), "error");
    }
  }

  function renderList(articles) {
    $("#list-count").textContent = `${articles.length} 篇 articles`;
    const selected = state.current && state.current.id;
    fill($("#article-list"), articles.map((article) => h("li", {},
      h("button", {
        type: "button",
        class: `article-item${article.id === selected ? " selected" : ""}`,
        dataset: { article: article.id },
        onclick: () => openArticle(article.id),
      },
      h("span", { class: "title" }, article.title.zh),
      h("span", { class: "meta" },
        h("code", {}, article.id), " v", article.latest_version, " ",
        statusBadge(article.latest_status),
        article.published_version === null ? h("span", { class: "badge never" }, "未发布 never live") : null)))));
    if (!articles.length) $("#article-list").appendChild(h("li", { class: "empty" }, "没有匹配的文章 No articles match"));
  }

  // ---- Editing ---------------------------------------------------------------

  async function openArticle(articleId) {
    try {
      const view = await api.get(`/api/articles/${encodeURIComponent(articleId)}`);
      showArticle(view);
    } catch (error) {
      toast(errorText(error), "error");
    }
  }

  function showArticle(view) {
    state.current = view;
    $("#editor-empty").hidden = true;
    $("#editor").hidden = false;
    $("#side").hidden = false;
    clearMessage($("#save-message"));
    clearMessage($("#tests-message"));
    fill($("#gate-report"));
    fillForm(view.latest.article);
    $("#f-yaml").value = view.latest.yaml;
    $("#f-comment").value = "";
    field("id").readOnly = true;
    showHeading();
    showTests(view.answer_tests);
    for (const item of document.querySelectorAll(".article-item")) {
      item.classList.toggle("selected", item.dataset.article === view.id);
    }
    loadPreview();
    loadHistory();
  }

  function showHeading() {
    const view = state.current;
    if (!view && state.fromGap) {
      fill($("#article-heading"), bi(`新文章（来自未答问题组 #${state.fromGap}）`, "New article from a gap group"));
      fill($("#article-state"), h("span", { class: "muted small" }, "填写答案后保存草稿 Write the answers, then save the draft"));
      return;
    }
    if (!view) {
      fill($("#article-heading"), bi("新文章", "New article"));
      fill($("#article-state"));
      return;
    }
    fill($("#article-heading"), view.latest.article.title.zh, " ", h("code", {}, view.id));
    const live = view.published ? `线上为 v${view.published.version} live` : "从未发布 never live";
    fill($("#article-state"),
      h("span", { class: "version" }, `v${view.latest.version}`), " ", statusBadge(view.latest.status), " ",
      h("span", { class: "muted small" }, `${view.latest.author_name} · ${when(view.latest.created_at)} · ${live}`));
  }

  function fillForm(article) {
    field("id").value = article.id;
    field("category").value = article.category;
    field("titleZh").value = article.title.zh;
    field("titleEn").value = article.title.en;
    field("tags").value = article.tags.join(", ");
    field("validFrom").value = article.valid_from || "";
    field("validUntil").value = article.valid_until || "";
    field("questionsZh").value = article.questions.zh.join("\n");
    field("questionsEn").value = article.questions.en.join("\n");
    field("zhWeb").value = article.answer.zh.web;
    field("zhVoice").value = article.answer.zh.voice;
    field("enWeb").value = article.answer.en.web;
    field("enVoice").value = article.answer.en.voice;
  }

  function formArticle() {
    return {
      id: field("id").value.trim(),
      title: { zh: field("titleZh").value, en: field("titleEn").value },
      category: field("category").value,
      tags: field("tags").value.split(/[,，、]/).map((tag) => tag.trim()).filter(Boolean),
      valid_from: field("validFrom").value || null,
      valid_until: field("validUntil").value || null,
      questions: { zh: lines(field("questionsZh").value), en: lines(field("questionsEn").value) },
      answer: {
        zh: { web: field("zhWeb").value, voice: field("zhVoice").value },
        en: { web: field("enWeb").value, voice: field("enVoice").value },
      },
    };
  }

  /** A blank article, or one for a gap-list question. */
  function newArticle(question, language) {
    state.current = null;
    state.fromGap = null;
    $("#editor-empty").hidden = true;
    $("#editor").hidden = false;
    $("#side").hidden = true;
    clearMessage($("#save-message"));
    clearMessage($("#tests-message"));
    const english = language === "en";
    fillForm({
      id: "", category: "", title: { zh: "", en: "" }, tags: [], valid_from: null, valid_until: null,
      questions: { zh: question && !english ? [question] : [], en: question && english ? [question] : [] },
      answer: { zh: { web: "", voice: "" }, en: { web: "", voice: "" } },
    });
    $("#f-yaml").value = [
      "id: ", "title: {zh: , en: }", "category: ", "tags: []", "valid_from: null", "valid_until: null",
      "questions:", "  zh: []", "  en: []", "answer:", "  zh: {web: , voice: }", "  en: {web: , voice: }", "",
    ].join("\n");
    $("#f-tests").value = "";
    $("#tests-version").textContent = "";
    field("id").readOnly = false;
    showHeading();
    setMode("form");
    showView("articles");
    field("id").focus();
  }

  function setMode(mode) {
    state.mode = mode;
    $("#article-form").hidden = mode !== "form";
    $("#yaml-mode").hidden = mode !== "yaml";
    $("#mode-form").classList.toggle("active", mode === "form");
    $("#mode-yaml").classList.toggle("active", mode === "yaml");
  }

  async function save() {
    const box = $("#save-message");
    clearMessage(box);
    const comment = $("#f-comment").value.trim();
    const current = state.current;
    try {
      const view = await busy($("#save"), () => {
        // A draft of a gap group is created through the group, which it is linked to.
        const createPath = state.fromGap ? `/api/gaps/${state.fromGap}/draft` : "/api/articles";
        if (state.mode === "yaml") {
          const query = new URLSearchParams();
          if (current) query.set("base_version", current.latest.version);
          if (comment) query.set("comment", comment);
          const path = current ? `/api/articles/${encodeURIComponent(current.id)}` : createPath;
          return api.call(current ? "PUT" : "POST", `${path}?${query}`, undefined, { yaml: $("#f-yaml").value });
        }
        if (!current) return api.post(createPath, { article: formArticle(), comment });
        return api.put(`/api/articles/${encodeURIComponent(current.id)}`, {
          article: formArticle(), base_version: current.latest.version, comment,
        });
      });
      const fromGap = state.fromGap;
      state.fromGap = null;
      showArticle(view);
      if (fromGap) {
        message(box, "ok", `已从未答问题组 #${fromGap} 创建草稿 v${view.latest.version}；发布后该组标记为已处理。 Draft created from gap group ${fromGap}; publishing it marks the group handled.`);
      } else if (view.unchanged) {
        message(box, "warn", "没有改动，未保存新版本。 Nothing changed; no new version was saved.");
      } else if (view.merged) {
        message(box, "ok", `已保存为草稿 v${view.latest.version}，并与 v${view.merged.with_version}（${view.merged.author}）的修改合并。`,
          h("p", { class: "small" }, view.merged.message));
      } else {
        message(box, "ok", `已保存为草稿 v${view.latest.version}。发布后客户才会看到。 Saved as draft version ${view.latest.version}; customers see it once it is published.`);
      }
      loadList();
    } catch (error) {
      showSaveError(box, error);
    }
  }

  function showSaveError(box, error) {
    if (error.code === "edit_conflict" && state.current) {
      const id = state.current.id;
      message(box, "error", errorText(error),
        h("button", { type: "button", onclick: () => openArticle(id) }, bi("载入最新版本", "Load the latest version")));
      return;
    }
    if (error.code === "invalid_yaml" && error.body.line) selectLine($("#f-yaml"), error.body.line);
    message(box, "error", errorText(error), problemList(error));
  }

  /** Puts the cursor on line `number` (from 1) of a textarea, to point at a YAML error. */
  function selectLine(textarea, number) {
    const all = textarea.value.split("\n");
    const start = all.slice(0, number - 1).reduce((sum, line) => sum + line.length + 1, 0);
    textarea.focus();
    textarea.setSelectionRange(start, start + (all[number - 1] || "").length);
  }

  // ---- Answer tests ----------------------------------------------------------

  function showTests(tests) {
    $("#f-tests").value = tests.questions.join("\n");
    $("#tests-version").textContent = tests.version
      ? `v${tests.version} · ${tests.author_name} · ${when(tests.created_at)}`
      : "尚无测试 none yet";
  }

  async function saveTests() {
    const box = $("#tests-message");
    clearMessage(box);
    if (!state.current) {
      message(box, "warn", "请先保存文章。 Save the article first.");
      return;
    }
    try {
      const tests = await busy($("#save-tests"), () => api.put(
        `/api/articles/${encodeURIComponent(state.current.id)}/answer-tests`,
        { questions: lines($("#f-tests").value), base_version: state.current.answer_tests.version }));
      state.current.answer_tests = tests;
      showTests(tests);
      message(box, "ok", `答案测试已保存（v${tests.version}）。 Answer tests saved.`);
    } catch (error) {
      message(box, "error", errorText(error), problemList(error));
    }
  }

  async function runTests() {
    if (!state.current) return;
    const report = $("#gate-report");
    fill(report, h("p", { class: "muted" }, "正在运行全部答案测试…（约数秒） Running every answer test…"));
    try {
      const result = await busy($("#run-tests"), () => api.post("/api/answer-tests/run", { articles: [state.current.id] }));
      renderReport(result, null);
    } catch (error) {
      fill(report, h("div", { class: "message error" }, errorText(error)));
    }
  }

  /** Publishes the version on screen: the one the reviewer read, and no later edit. */
  async function publishArticle() {
    if (!state.current) return;
    const id = state.current.id;
    const version = state.current.latest.version;
    const report = $("#gate-report");
    fill(report, h("p", { class: "muted" }, `正在运行答案测试并发布 v${version}… Testing and publishing version ${version}…`));
    try {
      const result = await busy($("#publish"), () => api.post("/api/publish", { articles: { [id]: version } }));
      await openArticle(id);
      const versions = result.articles.map((a) => `${a.id} v${a.version}`).join(", ");
      renderReport(result.report, h("div", { class: "message ok verdict" },
        h("strong", {}, `已发布：${versions}`), ` （修订 ${result.revision}）。机器人立即使用新答案。`,
        h("small", { lang: "en" }, `Published as revision ${result.revision}; the bot answers with it now.`)));
      loadList();
    } catch (error) {
      if (error.code === "publish_refused" && error.body.report) {
        renderReport(error.body.report, h("div", { class: "message error verdict" },
          h("strong", {}, "发布被拒绝，没有任何改动。"), h("small", { lang: "en" }, "Publishing refused; nothing was changed.")));
      } else if (error.code === "unreviewed") {
        // A newer draft than the one on screen: the reviewer reads it first.
        fill(report, h("div", { class: "message error verdict", dataset: { refusal: error.code } },
          h("strong", {}, `未发布：v${version} 之后又有新的修改，请先审核最新版本。`),
          h("small", { lang: "en" }, "Not published: a newer version was saved; review it first."),
          problemList(error),
          h("button", { type: "button", onclick: () => openArticle(id) }, bi("载入最新版本", "Load the latest version"))));
      } else if (error.code === "own_change") {
        fill(report, h("div", { class: "message error verdict", dataset: { refusal: error.code } },
          h("strong", {}, "未发布：其中有您自己写的修改，需由另一位审核员发布。"),
          h("small", { lang: "en" }, "Not published: you wrote part of this change; another reviewer publishes it."),
          problemList(error)));
      } else {
        fill(report, h("div", { class: "message error" }, errorText(error)));
      }
    }
  }

  /** The gate's report: the verdict, the problems and the failing tests. */
  function renderReport(result, heading) {
    const verdict = heading || (result.refused
      ? h("div", { class: "message error verdict" }, h("strong", {}, "不能发布"), h("small", { lang: "en" }, "Publishing would be refused"))
      : h("div", { class: "message ok verdict" }, h("strong", {}, "测试通过，可以发布"), h("small", { lang: "en" }, "Tests pass: OK to publish")));
    let drafts = null; // unknown for a refused publication
    if (result.drafts) {
      drafts = result.drafts.length
        ? `测试的版本 Tested: ${result.drafts.map((d) => `${d.id} v${d.version}`).join(", ")}`
        : "没有待发布的草稿：测试的是线上版本。 No draft: what is live was tested.";
    }
    fill($("#gate-report"),
      verdict,
      h("p", { class: "summary", dataset: { refused: String(result.refused) } },
        h("strong", { class: "passed" }, `${result.passed} / ${result.total}`), " 项答案测试通过 answer tests pass"),
      drafts ? h("p", { class: "muted small" }, drafts) : null,
      result.problems.length ? h("ul", { class: "problems" }, result.problems.map((p) => h("li", {}, p))) : null,
      result.failures.length ? [
        h("h4", { class: "bad" }, `失败的测试 Failing tests (${result.failures.length})`),
        outcomeTable(result.failures, "failures"),
      ] : null);
  }

  function outcomeTable(outcomes, name) {
    return h("table", { class: `grid outcomes ${name}` },
      h("thead", {}, h("tr", {},
        h("th", {}, bi("问题", "Question")), h("th", {}, bi("应答", "Expected")),
        h("th", {}, bi("实际", "Got")), h("th", {}, bi("分数", "Score")))),
      h("tbody", {}, outcomes.map((o) => h("tr", {},
        h("td", { class: "question" }, o.question),
        h("td", {}, h("code", {}, o.expected)),
        h("td", { class: o.got === o.expected ? "" : "bad" }, o.got ? h("code", {}, o.got) : "（无结果 nothing）"),
        h("td", { class: "score" }, o.score.toFixed(2))))));
  }

  // ---- Preview ---------------------------------------------------------------

  let previewRequest = 0;

  async function loadPreview() {
    if (!state.current) return;
    const request = ++previewRequest;
    const id = encodeURIComponent(state.current.id);
    const language = $("#preview-language").value;
    try {
      const [web, ivr] = await Promise.all(["web", "ivr"].map((channel) =>
        api.get(`/api/articles/${id}/preview?channel=${channel}&language=${language}`)));
      if (request !== previewRequest) return;
      fill($("#preview-version"), `v${web.version} `, statusBadge(web.status));
      fill($("#preview-web"), web.text);
      fill($("#preview-ivr"), ivr.text);
    } catch (error) {
      if (request === previewRequest) fill($("#preview-web"), errorText(error));
    }
  }

  // ---- History and rollback --------------------------------------------------

  async function loadHistory() {
    if (!state.current) return;
    const id = state.current.id;
    clearMessage($("#history-message"));
    try {
      const data = await api.get(`/api/articles/${encodeURIComponent(id)}/history`);
      renderHistory(id, data.versions);
    } catch (error) {
      message($("#history-message"), "error", errorText(error));
    }
  }

  function renderHistory(id, versions) {
    fill($("#history"), versions.map((version, index) => {
      const previous = versions[index + 1];
      return h("li", { class: "version-item", dataset: { version: version.version } },
        h("div", { class: "row" },
          h("strong", {}, `v${version.version}`), statusBadge(version.status),
          h("span", { class: "muted small" }, `${version.author_name} · ${when(version.created_at)}`)),
        version.comment ? h("div", { class: "comment" }, version.comment) : null,
        h("div", { class: "row" },
          previous ? h("button", {
            type: "button", class: "ghost small diff-button",
            onclick: () => showDiff(id, previous.version, version.version),
          }, `与 v${previous.version} 比较 Diff`) : h("span", { class: "muted small" }, "首个版本 first version"),
          // Only what was live before comes back: a draft goes live by being published.
          isReviewer() && version.status === "archived" ? rollbackButton(id, version.version) : null));
    }));
    if (versions.length > 1) showDiff(id, versions[1].version, versions[0].version);
    else fill($("#diff"));
  }

  /** Two clicks: the first asks, the second (within 5 s) rolls back. */
  function rollbackButton(id, version) {
    const button = h("button", { type: "button", class: "danger small rollback-button" }, `回滚到 v${version} Roll back`);
    let armed = null;
    button.addEventListener("click", async () => {
      if (!armed) {
        button.textContent = `确认回滚到 v${version}？ Confirm`;
        armed = setTimeout(() => {
          armed = null;
          button.textContent = `回滚到 v${version} Roll back`;
        }, 5000);
        return;
      }
      clearTimeout(armed);
      armed = null;
      try {
        const result = await busy(button, () => api.post(`/api/articles/${encodeURIComponent(id)}/rollback`, { version }));
        await openArticle(id);
        toast(`已回滚：v${version} 的内容作为 v${result.articles[0].version} 上线。 Rolled back.`);
        loadList();
      } catch (error) {
        message($("#history-message"), "error", errorText(error));
        if (error.body && error.body.report) renderReport(error.body.report, null);
      }
    });
    return button;
  }

  async function showDiff(id, from, to) {
    for (const item of document.querySelectorAll(".version-item")) {
      item.classList.toggle("selected", Number(item.dataset.version) === to);
    }
    try {
      const data = await api.get(`/api/articles/${encodeURIComponent(id)}/diff?from=${from}&to=${to}`);
      const diffLines = data.diff ? data.diff.split("\n") : ["（两个版本内容相同 the versions are the same）"];
      fill($("#diff"), diffLines.map((line) => h("span", { class: `line ${diffClass(line)}` }, `${line}\n`)));
    } catch (error) {
      fill($("#diff"), errorText(error));
    }
  }

  function diffClass(line) {
    if (line.startsWith("+++") || line.startsWith("---")) return "file";
    if (line.startsWith("@@")) return "hunk";
    if (line.startsWith("+")) return "add";
    if (line.startsWith("-")) return "del";
    return "same";
  }

  // ---- Audit log and gaps ----------------------------------------------------

  async function loadAudit(event) {
    if (event) event.preventDefault();
    const query = new URLSearchParams({ limit: "200" });
    if ($("#audit-article").value.trim()) query.set("article", $("#audit-article").value.trim());
    try {
      const data = await api.get(`/api/audit?${query}`);
      fill($("#audit"), data.entries.map((entry) => h("tr", { dataset: { action: entry.action } },
        h("td", { class: "nowrap" }, when(entry.at)),
        h("td", {}, entry.user_name, entry.user_name !== entry.user ? h("small", { class: "muted" }, ` ${entry.user}`) : null),
        h("td", {}, label("action", entry.action)),
        h("td", {}, entry.article_id ? articleLink(entry.article_id) : "—"),
        h("td", {}, entry.version ? `v${entry.version}` : "—"),
        h("td", { class: "detail" }, entry.detail))));
    } catch (error) {
      toast(errorText(error), "error");
    }
  }

  async function loadGaps() {
    try {
      const data = await api.get("/api/gaps?limit=200");
      fill($("#gaps"), data.gaps.map((gap) => h("tr", { class: "gap", dataset: { group: gap.group_id } },
        h("td", { class: "question" }, gap.question),
        h("td", { class: "count" }, gap.count),
        h("td", { class: "nowrap" }, when(gap.last_seen)),
        h("td", {}, gap.language ? label("language", gap.language) : "—", " / ", gap.channel ? label("channel", gap.channel) : "—"),
        h("td", {}, gap.best_article ? [articleLink(gap.best_article),
          gap.best_score !== null ? h("small", { class: "muted" }, ` ${gap.best_score.toFixed(2)}`) : null] : "—"),
        h("td", { class: "gap-actions" }, gap.article_id
          ? h("span", { class: "drafted" }, bi("已起草", "drafted"), " ", articleLink(gap.article_id))
          : [h("button", { type: "button", class: "small primary gap-draft", onclick: () => draftFromGap(gap.group_id) },
            bi("起草文章", "Draft article")), " ",
          h("button", { type: "button", class: "small ghost", onclick: () => newArticle(gap.question, gap.language) },
            bi("写新文章", "New article"))]))));
      if (!data.gaps.length) $("#gaps").appendChild(h("tr", {}, h("td", { colspan: "6", class: "empty" }, "暂无未答问题 No gaps")));
      fill($("#handled-gaps"), data.handled.map((gap) => h("tr", { class: "handled-gap", dataset: { group: gap.group_id } },
        h("td", { class: "question" }, gap.question),
        h("td", { class: "count" }, gap.count),
        h("td", {}, articleLink(gap.article_id)),
        h("td", { class: "nowrap" }, when(gap.handled_at)))));
      $("#no-handled-gaps").hidden = data.handled.length > 0;
    } catch (error) {
      toast(errorText(error), "error");
    }
  }

  /** A new article from a gap group: its questions and a title filled in, the answers
   *  left to write; saving it creates the draft linked to the group. */
  async function draftFromGap(groupId) {
    try {
      const draft = await api.get(`/api/gaps/${encodeURIComponent(groupId)}/draft`);
      if (draft.article_id) {
        showView("articles");
        openArticle(draft.article_id);
        return;
      }
      newArticle();
      state.fromGap = draft.group_id;
      fillForm(draft.article);
      // JSON is YAML: the same fields for the YAML text mode.
      $("#f-yaml").value = `${JSON.stringify(draft.article, null, 2)}\n`;
      showHeading();
      field(draft.article.title.zh ? "zhWeb" : "enWeb").focus();
    } catch (error) {
      toast(errorText(error), "error");
      loadGaps();
    }
  }

  function articleLink(articleId) {
    return h("button", {
      type: "button", class: "link",
      onclick: () => {
        showView("articles");
        openArticle(articleId);
      },
    }, articleId);
  }

  // ---- Wiring ----------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", () => {
    login = signIn({
      session,
      api,
      title: ["编辑登录", "Editor sign-in"],
      parts: ["#app", "#views", "#session-bar"],
      errorText,
      onEnter: start,
    });
    $("#logout").addEventListener("click", () => loggedOut(""));
    for (const tab of document.querySelectorAll(".view-tab")) tab.addEventListener("click", () => showView(tab.dataset.view));
    $("#search-form").addEventListener("submit", (event) => { event.preventDefault(); loadList(); });
    $("#search").addEventListener("input", debounce(loadList, 250));
    $("#status-filter").addEventListener("change", loadList);
    $("#new-article").addEventListener("click", () => newArticle());
    $("#mode-form").addEventListener("click", () => setMode("form"));
    $("#mode-yaml").addEventListener("click", () => setMode("yaml"));
    $("#save").addEventListener("click", save);
    $("#save-tests").addEventListener("click", saveTests);
    $("#run-tests").addEventListener("click", runTests);
    $("#publish").addEventListener("click", publishArticle);
    $("#preview-language").addEventListener("change", loadPreview);
    $("#audit-form").addEventListener("submit", loadAudit);
    $("#reload-gaps").addEventListener("click", loadGaps);
    login.resume();
  });
})();
