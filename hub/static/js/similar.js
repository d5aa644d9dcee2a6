// Similar questions while a new question's title is typed. An enhancement only: the ask form
// works without it. Looks for the title field (id "title"), asks /fragor/liknande after a pause,
// and lists up to five links in a polite live region just below the field.
(function () {
  "use strict";
  var input = document.getElementById("title");
  if (!input || !window.fetch) { return; }

  var url = input.getAttribute("data-similar-url") || "/fragor/liknande";
  var region = document.getElementById("similar-questions");
  if (!region) {
    region = document.createElement("div");
    region.id = "similar-questions";
    input.insertAdjacentElement("afterend", region);
  }
  region.className = "similar-questions";
  region.setAttribute("aria-live", "polite");

  var timer = null;
  var lastAsked = "";
  var controller = null;

  function show(questions) {
    region.textContent = "";
    if (!questions.length) { return; }
    var heading = document.createElement("p");
    heading.className = "hint";
    heading.textContent = input.getAttribute("data-similar-heading") || "";
    var list = document.createElement("ul");
    questions.forEach(function (question) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = question.url;
      link.textContent = question.title; // textContent: titles are never parsed as HTML
      // A new tab, so the question being written is not lost.
      link.target = "_blank";
      link.rel = "noopener";
      var about = document.createElement("span");
      about.className = "muted";
      var counts = input.getAttribute(question.answers === 1 ? "data-similar-one" : "data-similar-many") || "";
      about.textContent = " · " + counts.replace("{n}", question.answers)
        + (question.solved ? " · " + (input.getAttribute("data-similar-solved") || "") : "")
        + " " + (input.getAttribute("data-similar-new-tab") || "");
      item.appendChild(link);
      item.appendChild(about);
      list.appendChild(item);
    });
    region.appendChild(heading);
    region.appendChild(list);
  }

  function ask() {
    var title = input.value.trim();
    if (title === lastAsked) { return; }
    lastAsked = title;
    if (title.length < 3) { show([]); return; }
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    fetch(url + "?titel=" + encodeURIComponent(title), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" },
      signal: controller ? controller.signal : undefined
    })
      .then(function (response) { return response.ok ? response.json() : { questions: [] }; })
      .then(function (data) { show(data.questions || []); })
      .catch(function () { /* a failed suggestion is not worth disturbing the writer */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 400);
  });
})();
