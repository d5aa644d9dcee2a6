// Forum enhancements: @-mention and name autocompletion. The forms work without this file.
(function () {
  "use strict";
  var endpoint = "/fragor/personer.json?q=";
  var listId = 0;

  function fetchPeople(prefix, done) {
    var request = new XMLHttpRequest();
    request.open("GET", endpoint + encodeURIComponent(prefix));
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status === 200) {
        try { done(JSON.parse(request.responseText)); } catch (e) { done([]); }
      }
    };
    request.send();
  }

  function makeList(input) {
    var list = document.createElement("ul");
    listId += 1;
    list.id = "forum-suggest-" + listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.parentNode.insertBefore(list, input.nextSibling);
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-autocomplete", "list");
    return list;
  }

  function show(list, people, choose) {
    list.textContent = "";
    people.forEach(function (person) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link-button";
      button.textContent = person.name + (person.title ? " – " + person.title : "");
      button.addEventListener("click", function () { choose(person); list.hidden = true; });
      item.appendChild(button);
      list.appendChild(item);
    });
    list.hidden = people.length === 0;
  }

  // "@An" before the caret in a textarea: suggest members, insert "@Anna Karlsson ".
  function enhanceMentions(area) {
    var list = makeList(area);
    var timer = null;
    area.addEventListener("input", function () {
      var before = area.value.slice(0, area.selectionStart);
      var match = /(^|[^\w@])@([\wåäöÅÄÖé\-]{2,}(?: [\wåäöÅÄÖé\-]*)?)$/.exec(before);
      clearTimeout(timer);
      if (!match) { list.hidden = true; return; }
      var prefix = match[2];
      timer = setTimeout(function () {
        fetchPeople(prefix, function (people) {
          show(list, people, function (person) {
            var start = before.length - prefix.length;
            area.value = area.value.slice(0, start) + person.name + " " + area.value.slice(area.selectionStart);
            area.focus();
          });
        });
      }, 200);
    });
  }

  function enhanceName(input) {
    var list = makeList(input);
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetchPeople(input.value, function (people) {
          show(list, people, function (person) { input.value = person.name; input.focus(); });
        });
      }, 200);
    });
  }

  // A small formatting toolbar over the text: bold, list, link. Markdown underneath, so the
  // text is the same with or without this script; the labels come from the page (translated).
  function wrap(area, before, after, placeholder) {
    var start = area.selectionStart, end = area.selectionEnd;
    var chosen = area.value.slice(start, end) || placeholder;
    area.value = area.value.slice(0, start) + before + chosen + after + area.value.slice(end);
    area.focus();
    area.setSelectionRange(start + before.length, start + before.length + chosen.length);
  }

  function listLines(area) {
    var start = area.value.lastIndexOf("\n", area.selectionStart - 1) + 1;
    var end = area.selectionEnd;
    var lines = area.value.slice(start, end).split("\n").map(function (line) {
      return /^- /.test(line) ? line : "- " + line;
    });
    area.value = area.value.slice(0, start) + lines.join("\n") + area.value.slice(end);
    area.focus();
  }

  function addToolbar(area) {
    var labels = area.form ? area.form.dataset : {};
    if (!labels.bold) { return; }
    var bar = document.createElement("div");
    bar.className = "editor-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", labels.toolbar);
    bar.setAttribute("aria-controls", area.id);
    [
      [labels.bold, "editor-bold", function () { wrap(area, "**", "**", labels.boldText); }],
      [labels.list, "editor-list", function () { listLines(area); }],
      [labels.link, "editor-link", function () { wrap(area, "[", "](https://)", labels.linkText); }]
    ].forEach(function (item) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button-secondary " + item[1];
      button.textContent = item[0];
      button.addEventListener("click", item[2]);
      bar.appendChild(button);
    });
    area.parentNode.insertBefore(bar, area);
  }

  document.querySelectorAll(".mention-field textarea").forEach(addToolbar);
  document.querySelectorAll(".mention-field textarea, textarea.mention-input").forEach(enhanceMentions);
  document.querySelectorAll(".person-field input[type=text]").forEach(enhanceName);
})();
