// Anju web chat: websocket with HTTP fallback; every text is rendered with textContent only.
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var store = window.localStorage;
  var state = {
    token: store.getItem("anju.token"), lang: store.getItem("anju.lang") || "zh", ui: {},
    ws: null, mode: "ws", failures: 0, opened: false, poll: null, seen: {}, labels: {},
    typingTimer: null, queue: [], oldest: null, olderItem: null
  };
  var log = $("log");

  function t(key, fallback) { return state.ui[key] || fallback || key; }
  function setStatus(text) { $("status").textContent = text || ""; }
  function api(path) {
    return path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + encodeURIComponent(state.lang);
  }
  function headers(extra) {
    var h = extra || {};
    if (state.token) { h["X-Anju-Token"] = state.token; }
    return h;
  }
  function clientId() {
    return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  function applyUi() {
    document.documentElement.lang = state.lang === "en" ? "en" : "zh-CN";
    document.title = t("title");
    $("title").textContent = t("title");
    $("subtitle").textContent = t("subtitle", "");
    $("lang").textContent = t("switch_lang");
    $("lang").setAttribute("aria-label", t("switch_lang"));
    $("text").placeholder = t("placeholder");
    $("text").setAttribute("aria-label", t("placeholder"));
    $("send").textContent = t("send");
    $("photo-text").textContent = t("photo");
    $("photo-label").title = t("photo");
    log.setAttribute("aria-label", t("log_label"));
  }

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function hideTyping() {
    $("typing").hidden = true;
    if (state.typingTimer) { clearTimeout(state.typingTimer); state.typingTimer = null; }
  }
  function showTyping() {
    $("typing").textContent = t("typing");
    $("typing").hidden = false;
    if (state.typingTimer) { clearTimeout(state.typingTimer); }
    state.typingTimer = setTimeout(hideTyping, 8000);
  }

  function bubble(cls, text) {
    var li = document.createElement("li");
    li.className = "msg " + cls;
    var div = document.createElement("div");
    div.className = "bubble";
    div.textContent = text;
    li.appendChild(div);
    return li;
  }

  function renderButtons(li, rows) {
    if (!rows || !rows.length) { return; }
    var box = document.createElement("div");
    box.className = "buttons";
    rows.forEach(function (row) {
      var line = document.createElement("div");
      line.className = "row";
      row.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = String(b.label);
        btn.setAttribute("data-button", String(b.data));
        state.labels[b.data] = String(b.label);
        btn.addEventListener("click", function () { send({ button: String(b.data) }); });
        line.appendChild(btn);
      });
      box.appendChild(line);
    });
    li.appendChild(box);
  }

  // Photos and files staff sent: served only to this session (token in the query).
  function renderFiles(li, files) {
    (files || []).forEach(function (file) {
      var url = api(file.url) + "&token=" + encodeURIComponent(state.token || "");
      var link = document.createElement("a");
      link.href = url;
      link.className = "file";
      if (file.kind === "photo") {
        link.target = "_blank";
        link.rel = "noopener";
        var img = document.createElement("img");
        img.src = url;
        img.alt = t("photo_label");
        img.loading = "lazy";
        link.appendChild(img);
      } else {
        link.textContent = "📎 " + file.name;
        link.setAttribute("download", file.name);
      }
      li.querySelector(".bubble").appendChild(link);
    });
  }

  function myText(item) {
    var parts = [];
    if (item.text) { parts.push(item.text); }
    if (item.button) { parts.push(state.labels[item.button] || item.button); }
    (item.photos || []).forEach(function (name) { parts.push("📷 " + t("photo_label") + " " + name); });
    return parts.join("\n");
  }

  function render(item, before) {
    if (!item || state.seen[item.id]) { return; }
    if (item.from === "me" && item.client_id && state.seen[item.client_id]) {
      var pending = state.seen[item.client_id];
      pending.classList.remove("pending");
      pending.setAttribute("data-id", item.id);
      state.seen[item.id] = pending;
      return;
    }
    var li;
    if (item.from === "bot") {
      hideTyping();
      li = bubble("bot", item.text || "");
      renderFiles(li, item.files);
      renderButtons(li, item.buttons);
    } else {
      li = bubble("me", myText(item));
      renderFiles(li, item.files);
    }
    li.setAttribute("data-id", item.id);
    state.seen[item.id] = li;
    if (before) { log.insertBefore(li, before); return; }  // an older page: keep the view
    log.appendChild(li);
    scrollDown();
  }

  // Paging back: a button at the top of the log loads the page before the oldest shown.
  function showOlder(more) {
    if (!more) {
      if (state.olderItem) { state.olderItem.remove(); state.olderItem = null; }
      return;
    }
    if (state.olderItem) { return; }
    var li = document.createElement("li");
    li.className = "older";
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = t("older", "查看更早的消息");
    button.addEventListener("click", loadOlder);
    li.appendChild(button);
    log.insertBefore(li, log.firstChild);
    state.olderItem = li;
  }

  function firstMessage() {
    return state.olderItem ? state.olderItem.nextSibling : log.firstChild;
  }

  function loadOlder() {
    if (!state.oldest) { return; }
    fetch(api("/web/api/history?before=" + encodeURIComponent(state.oldest)), { headers: headers() })
      .then(function (r) { return r.json(); })
      .then(function (res) {
        var anchor = firstMessage();
        var height = log.scrollHeight;
        res.items.forEach(function (item) { render(item, anchor); });
        if (res.items.length) { state.oldest = res.items[0].cursor; }
        log.scrollTop += log.scrollHeight - height;
        showOlder(res.more && res.items.length > 0);
      })
      .catch(function () { notice(t("send_failed")); });
  }

  function onHistory(items, more) {
    items.forEach(function (item) { render(item); });
    if (state.oldest === null && items.length) {  // later pages move it; reconnects do not
      state.oldest = items[0].cursor;
      showOlder(more);
    }
  }

  function notice(text) {
    log.appendChild(bubble("notice", text));
    scrollDown();
  }

  function onEvent(ev) {
    if (ev.type === "history") { onHistory(ev.items, ev.more); }
    else if (ev.type === "message") { render(ev); }
    else if (ev.type === "typing") { showTyping(); }
    else if (ev.type === "notice") { hideTyping(); notice(ev.text); }
  }

  function showPending(payload) {
    var label = payload.text || state.labels[payload.button] || payload.button || "";
    var li = bubble("me pending", label);
    li.setAttribute("data-id", payload.client_id);
    state.seen[payload.client_id] = li;
    log.appendChild(li);
    scrollDown();
  }

  function send(payload) {
    payload.client_id = clientId();
    showPending(payload);
    if (state.mode === "ws" && state.ws && state.ws.readyState === WebSocket.OPEN) {
      state.ws.send(JSON.stringify(payload));
      return;
    }
    if (state.mode === "ws") { state.queue.push(payload); return; }
    postMessage(payload);
  }

  function postMessage(payload) {
    fetch(api("/web/api/send"), {
      method: "POST", headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify(payload)
    }).then(function (r) { return r.json(); }).then(function (res) {
      if (res.notice) { onEvent(res.notice); }
      pollHistory();
    }).catch(function () { notice(t("send_failed")); });
  }

  function pollHistory() {
    return fetch(api("/web/api/history"), { headers: headers() })
      .then(function (r) { return r.json(); })
      .then(function (res) { onHistory(res.items, res.more); });
  }

  function fallback() {
    state.mode = "http";
    setStatus(t("fallback"));
    var queued = state.queue.splice(0);
    queued.forEach(postMessage);
    pollHistory();
    if (!state.poll) { state.poll = setInterval(pollHistory, 3000); }
    setTimeout(function () { state.failures = 0; connect(); }, 30000);  // try live again
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var url = proto + location.host + api("/web/ws?token=" + encodeURIComponent(state.token));
    var ws;
    try { ws = new WebSocket(url); } catch (e) { fallback(); return; }
    state.ws = ws;
    if (state.mode === "ws") { setStatus(t("connecting")); }
    ws.onopen = function () {
      state.failures = 0; state.opened = true; state.mode = "ws";
      if (state.poll) { clearInterval(state.poll); state.poll = null; }
      setStatus(t("online"));
      state.queue.splice(0).forEach(function (p) { ws.send(JSON.stringify(p)); });
    };
    ws.onmessage = function (msg) {
      try { onEvent(JSON.parse(msg.data)); } catch (e) { /* ignore a malformed frame */ }
    };
    ws.onclose = function () {
      if (state.ws !== ws) { return; }
      state.ws = null;
      state.failures += 1;
      if (state.failures >= 3 && state.mode === "ws") { fallback(); return; }
      if (state.mode === "http") { return; }
      setStatus(t("reconnecting"));
      setTimeout(connect, Math.min(10000, 500 * Math.pow(2, state.failures)));
    };
  }

  function start() {
    return fetch(api("/web/api/session"), { headers: headers(), credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (res) {
        state.token = res.token; state.ui = res.ui;
        store.setItem("anju.token", res.token);
        applyUi();
        connect();
      })
      .catch(function () { setTimeout(start, 3000); });
  }

  $("composer").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("text").value.trim();
    if (!text) { return; }
    $("text").value = "";
    send({ text: text });
  });
  $("text").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("photo-label").addEventListener("keydown", function (e) {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); $("photo").click(); }
  });
  $("photo").addEventListener("change", function () {
    var file = $("photo").files[0];
    if (!file) { return; }
    var form = new FormData();
    var cid = clientId();
    form.append("photo", file, file.name);
    form.append("client_id", cid);
    // Shown at once from the local file; confirmed when the stored message comes back.
    var li = bubble("me pending", "");
    var img = document.createElement("img");
    img.src = URL.createObjectURL(file);
    img.alt = t("photo_label");
    var link = document.createElement("span");
    link.className = "file";
    link.appendChild(img);
    li.querySelector(".bubble").appendChild(link);
    state.seen[cid] = li;
    log.appendChild(li);
    scrollDown();
    fetch(api("/web/api/upload"), { method: "POST", headers: headers(), body: form })
      .then(function (r) { return r.json(); })
      .then(function (res) {
        if (!res.ok) { li.remove(); delete state.seen[cid]; }
        if (res.notice) { onEvent(res.notice); }
        if (state.mode === "http") { pollHistory(); }
      })
      .catch(function () { li.remove(); delete state.seen[cid]; notice(t("send_failed")); });
    $("photo").value = "";
  });
  $("lang").addEventListener("click", function () {
    state.lang = state.lang === "zh" ? "en" : "zh";
    store.setItem("anju.lang", state.lang);
    fetch(api("/web/api/ui")).then(function (r) { return r.json(); }).then(function (res) {
      state.ui = res.ui; applyUi();
    });
    send({ text: "/lang " + state.lang });
  });

  window.anjuChat = { state: state };
  start();
})();
