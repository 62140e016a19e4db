/* blogkit's theme: the light/dark toggle, the code blocks' copy buttons, the marking of the
   section in view in a post's table of contents, a post's reading progress bar and the
   back-to-top button. No framework. Without JavaScript the page follows the system's
   colour scheme, shows no toggle, copy buttons or progress bar, the table of contents is
   plain links and back-to-top a link in the footer.
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

  // The current section: the last heading of the table of contents above a line 30% down
  // the viewport. An IntersectionObserver with its root's bottom 70% cut off reports every
  // heading crossing that line (and the top), exactly when the answer can change; no work
  // happens on other scroll events. A heading jumped to (a link, the address's #hash) stays
  // the current one until the page scrolls: near the end of a post, a heading cannot reach
  // the line.
  function setUpContents() {
    var links = document.querySelectorAll(".toc a[href^='#']");
    if (!links.length || !window.IntersectionObserver) return;
    var items = [];
    for (var i = 0; i < links.length; i++) {
      var target = document.getElementById(decodeURIComponent(links[i].hash.slice(1)));
      if (target) items.push({link: links[i], heading: target});
    }
    var marked = null, jumped = null, jumpedAt = null;
    function update() {
      var line = window.innerHeight * 0.3, current = null;
      if (jumped && jumpedAt === null) jumpedAt = window.scrollY;
      if (jumped && Math.abs(window.scrollY - jumpedAt) > 1) jumped = null;
      for (var i = 0; i < items.length; i++) {
        if (jumped ? items[i].heading === jumped : items[i].heading.getBoundingClientRect().top <= line) {
          current = items[i];
        }
      }
      if (current === marked) return;
      if (marked) marked.link.removeAttribute("aria-current");
      marked = current;
      if (current) {
        current.link.setAttribute("aria-current", "true");
        keepInView(current.link);
      }
    }
    function jump() {
      var id = decodeURIComponent(location.hash.slice(1));
      jumped = null;
      for (var i = 0; i < items.length; i++) if (items[i].heading.id === id) jumped = items[i].heading;
      jumpedAt = null;
      update();
    }
    var observer = new IntersectionObserver(update, {rootMargin: "0px 0px -70% 0px"});
    for (var j = 0; j < items.length; j++) observer.observe(items[j].heading);
    window.addEventListener("hashchange", jump);
    if (location.hash) jump();
  }

  // A long table of contents scrolls in its column: the marked link is kept in sight there,
  // never by scrolling the page.
  function keepInView(link) {
    var box = link.closest(".toc details");
    if (!box || box.scrollHeight <= box.clientHeight) return;
    var own = link.getBoundingClientRect(), frame = box.getBoundingClientRect();
    if (own.top < frame.top) box.scrollTop -= frame.top - own.top;
    else if (own.bottom > frame.bottom) box.scrollTop += own.bottom - frame.bottom;
  }

  // A post's reading progress: a thin bar at the top, from the article's top reaching the
  // top of the viewport to its end reaching the bottom. Decorative (the scroll bar says the
  // same), so hidden from assistive technology, as the back-to-top button is until the
  // reader has scrolled a screen down. One scroll handler, at most once a frame.
  function setUpScrolling() {
    var article = document.querySelector("article.post");
    var back = document.querySelector(".back-to-top");
    var bar = null;
    if (article) {
      bar = document.createElement("div");
      bar.className = "reading-progress";
      bar.setAttribute("aria-hidden", "true");
      document.body.insertBefore(bar, document.body.firstChild);
    }
    if (!bar && !back) return;
    var pending = false;
    function update() {
      pending = false;
      if (bar) {
        var box = article.getBoundingClientRect(), rest = box.height - window.innerHeight;
        var done = rest > 0 ? Math.min(Math.max(-box.top / rest, 0), 1) : 1;
        bar.style.transform = "scaleX(" + done + ")";
      }
      if (back) back.classList.toggle("shown", window.scrollY > window.innerHeight);
    }
    function later() {
      if (!pending) { pending = true; window.requestAnimationFrame(update); }
    }
    window.addEventListener("scroll", later, {passive: true});
    window.addEventListener("resize", later);
    update();
  }

  // Code blocks, tables and display formulas wider than the column scroll in their own
  // box: one that does is made a tab stop, so a keyboard can scroll it too (and only such
  // a one: a stop for every formula would be noise). Again when the window's width changes.
  function reachScrollers() {
    var boxes = document.querySelectorAll("pre, .katex-display, main table");
    for (var i = 0; i < boxes.length; i++) {
      var box = boxes[i];
      if (box.scrollWidth > box.clientWidth + 1) box.setAttribute("tabindex", "0");
      else if (box.getAttribute("tabindex") === "0") box.removeAttribute("tabindex");
    }
  }

  function setUp() {
    setUpToggle();
    setUpContents();
    setUpScrolling();
    reachScrollers();
    var width = window.innerWidth;
    window.addEventListener("resize", function () {
      if (window.innerWidth !== width) { width = window.innerWidth; reachScrollers(); }
    });
    var blocks = document.querySelectorAll("pre.highlight");
    for (var i = 0; i < blocks.length; i++) addCopyButton(blocks[i]);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
