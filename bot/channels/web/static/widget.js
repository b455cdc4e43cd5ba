// Anju chat widget: <script src="https://anju.example.com/widget.js" data-lang="zh"></script>
// adds a button that opens the chat page of the same server in a frame.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || document.getElementById("anju-widget")) { return; }
  var origin = new URL(script.src, location.href).origin;
  var lang = script.getAttribute("data-lang") === "en" ? "en" : "zh";
  var box = document.createElement("div");
  box.id = "anju-widget";
  box.style.cssText = "position:fixed;right:16px;bottom:16px;z-index:2147483000;" +
    "display:flex;flex-direction:column;align-items:flex-end;gap:8px;";
  var frame = document.createElement("iframe");
  frame.src = origin + "/?embed=1";
  frame.title = "安居客服";
  frame.hidden = true;
  frame.style.cssText = "width:min(380px,calc(100vw - 32px));height:min(600px,calc(100vh - 96px));" +
    "border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);background:#fff;";
  var button = document.createElement("button");
  button.type = "button";
  button.textContent = "💬";
  button.setAttribute("aria-expanded", "false");
  button.style.cssText = "border:0;border-radius:24px;padding:12px 18px;background:#0f6b5c;" +
    "color:#fff;font-size:15px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);";
  var labels = { open: "💬", close: "✕" };
  fetch(origin + "/web/api/ui?lang=" + lang).then(function (r) { return r.json(); })
    .then(function (res) {
      labels.open = "💬 " + res.ui.open_chat; labels.close = "✕ " + res.ui.close_chat;
      frame.title = res.ui.title;
      button.textContent = frame.hidden ? labels.open : labels.close;
    }).catch(function () { /* keep the icon */ });
  button.addEventListener("click", function () {
    frame.hidden = !frame.hidden;
    button.textContent = frame.hidden ? labels.open : labels.close;
    button.setAttribute("aria-expanded", String(!frame.hidden));
  });
  box.appendChild(frame);
  box.appendChild(button);
  document.body.appendChild(box);
})();
