/* blogkit's theme: the light/dark toggle and the code blocks' copy buttons. No framework.
   Without JavaScript the page follows the system's colour scheme and shows neither.
   The inline script in base.html's <head> sets `data-theme` from the same key, early. */
(function () {
  "use strict";
  var root = document.documentElement;
  var labels = (document.currentScript || {}).dataset || {};
  var KEY = "blogkit-theme";
  var system = window.matchMedia("(prefers-color-scheme: dark)");

  function chosen() {
    try {
      var theme = localStorage.getItem(KEY);
      return theme === "light" || theme === "dark" ? theme : null;
    } catch (e) {
      return null; // storage blocked: the choice lasts as long as the page
    }
  }

  function shown() {
    return root.getAttribute("data-theme") || (system.matches ? "dark" : "light");
  }

  function setUpToggle() {
    var button = document.querySelector(".theme-toggle");
    if (!button) return;
    function update() { button.setAttribute("aria-pressed", String(shown() === "dark")); }
    button.addEventListener("click", function () {
      var theme = shown() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", theme);
      try { localStorage.setItem(KEY, theme); } catch (e) { /* kept for this page only */ }
      update();
    });
    // Until the reader chooses, the system's scheme may change under the page.
    if (system.addEventListener) system.addEventListener("change", update);
    // A choice made in another tab of the site.
    window.addEventListener("storage", function (event) {
      if (event.key !== KEY) return;
      var theme = chosen();
      if (theme) root.setAttribute("data-theme", theme); else root.removeAttribute("data-theme");
      update();
    });
    update();
  }

  function copyText(text) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      return navigator.clipboard.writeText(text).then(null, function () { return legacyCopy(text); });
    }
    return new Promise(function (resolve) { resolve(legacyCopy(text)); });
  }

  // Pages served over plain HTTP have no navigator.clipboard.
  function legacyCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand("copy"); } catch (e) { done = false; }
    area.remove();
    if (!done) throw new Error("copy refused");
  }

  function addCopyButton(pre) {
    var code = pre.querySelector("code");
    if (!code) return;
    // The button sits over the block's top row, outside the <pre> (which scrolls sideways):
    // in the captioned <figure>, else in a frame made for it.
    var frame = pre.parentElement;
    if (!frame.matches("figure.code-block, .code-frame")) {
      frame = document.createElement("div");
      frame.className = "code-frame";
      pre.parentNode.insertBefore(frame, pre);
      frame.appendChild(pre);
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-code";
    button.textContent = labels.copy;
    button.setAttribute("aria-live", "polite"); // "Copied" is said, not only shown
    var timer = 0;
    button.addEventListener("click", function () {
      // The code's own text: line numbers are generated content, the label too.
      copyText(code.textContent.replace(/\n$/, "")).then(function () {
        return labels.copied;
      }, function () {
        return labels.copyFailed;
      }).then(function (said) {
        button.textContent = said;
        button.focus();
        clearTimeout(timer);
        timer = setTimeout(function () { button.textContent = labels.copy; }, 2000);
      });
    });
    frame.insertBefore(button, pre);
  }

  function setUp() {
    setUpToggle();
    var blocks = document.querySelectorAll("pre.highlight");
    for (var i = 0; i < blocks.length; i++) addCopyButton(blocks[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
