/*
 * Autocomplete for the search box (templates: cms/includes/search_box.html).
 *
 * Progressive enhancement: without this file the box is a plain GET form to /search/.
 * With it, the input becomes a WAI-ARIA 1.2 combobox whose listbox popup offers products,
 * categories and words from /suggest/. Focus stays in the input; the highlighted option is
 * announced through aria-activedescendant. Options are links (role="option"), so a click or
 * Enter goes where a plain link would, and a middle click opens a new tab.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  var MIN_LENGTH = 2;
  var GROUPS = ["products", "categories", "words"];

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function setup(form) {
    var input = form.querySelector('input[name="q"]');
    var url = form.getAttribute("data-suggest-url");
    if (!input || !url || !window.fetch || !window.AbortController) return;
    var texts = form.dataset;
    var listId = (input.id || "search") + "-suggestions";

    var list = element("div", "search-suggest");
    list.id = listId;
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", texts.textList || "");
    list.hidden = true;
    var status = element("div", "visually-hidden");
    status.setAttribute("role", "status");
    form.appendChild(list);
    form.appendChild(status);
    form.classList.add("search-box--enhanced");

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var options = [];
    var active = -1;
    var timer = null;
    var controller = null;
    var lastQuery = null;

    function open() {
      if (!options.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      highlight(-1);
    }

    function highlight(index) {
      if (active >= 0 && options[active]) options[active].setAttribute("aria-selected", "false");
      active = index;
      if (active >= 0 && options[active]) {
        options[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", options[active].id);
        options[active].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function option(href, parts) {
      var link = element("a", "search-suggest__option");
      link.href = href;
      link.id = listId + "-" + options.length;
      link.setAttribute("role", "option");
      link.setAttribute("aria-selected", "false");
      link.tabIndex = -1;
      parts.forEach(function (part) {
        link.appendChild(element("span", part[0], part[1]));
      });
      options.push(link);
      return link;
    }

    function render(data) {
      list.textContent = "";
      options = [];
      active = -1;
      input.removeAttribute("aria-activedescendant");
      GROUPS.forEach(function (group) {
        var items = data[group] || [];
        if (!items.length) return;
        var label = texts["text" + group.charAt(0).toUpperCase() + group.slice(1)] || group;
        var box = element("div", "search-suggest__group");
        box.setAttribute("role", "group");
        box.setAttribute("aria-label", label);
        var heading = element("div", "search-suggest__heading", label);
        heading.setAttribute("aria-hidden", "true"); // the group's aria-label says it
        box.appendChild(heading);
        items.forEach(function (item) {
          var parts;
          if (group === "products") {
            parts = [["search-suggest__number", item.article_number], ["search-suggest__name", item.name]];
          } else if (group === "categories") {
            parts = [["search-suggest__name", item.label]];
          } else {
            parts = [["search-suggest__name", item.text]];
          }
          var link = option(item.url, parts);
          if (group === "products") link.setAttribute("translate", "no");
          box.appendChild(link);
        });
        list.appendChild(box);
      });
      if (options.length) {
        open();
        status.textContent =
          options.length === 1
            ? texts.textOne || ""
            : (texts.textMany || "").replace("{count}", options.length);
      } else {
        close();
        status.textContent = texts.textNone || "";
      }
    }

    function fetchSuggestions() {
      var query = input.value.trim();
      if (query === lastQuery) {
        open();
        return;
      }
      if (controller) controller.abort(); // a slower answer to an older text must not win
      if (query.length < MIN_LENGTH) {
        lastQuery = null;
        options = [];
        list.textContent = "";
        close();
        return;
      }
      controller = new AbortController();
      var current = controller;
      var separator = url.indexOf("?") === -1 ? "?" : "&";
      fetch(url + separator + "q=" + encodeURIComponent(query), {
        signal: current.signal,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) throw new Error("suggest " + response.status);
          return response.json();
        })
        .then(function (data) {
          if (current !== controller || document.activeElement !== input) return;
          lastQuery = query;
          render(data);
        })
        .catch(function () {
          /* aborted or offline: the form still works */
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", function (event) {
      var expanded = !list.hidden;
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (!expanded) {
            open();
            if (!event.altKey && options.length) highlight(0);
            if (!options.length) fetchSuggestions();
          } else if (options.length) {
            highlight(active + 1 >= options.length ? 0 : active + 1);
          }
          break;
        case "ArrowUp":
          if (!options.length) return;
          event.preventDefault();
          if (!expanded) open();
          highlight(active <= 0 ? options.length - 1 : active - 1);
          break;
        case "Enter":
          if (expanded && active >= 0 && options[active]) {
            event.preventDefault();
            window.location.assign(options[active].href);
          }
          break;
        case "Escape":
          if (expanded) {
            event.preventDefault();
            close();
          } else if (input.value) {
            event.preventDefault();
            input.value = "";
            lastQuery = null;
          }
          break;
        case "Tab":
          close();
          break;
        default:
          break;
      }
    });

    // Keep the focus in the input while an option is pressed, so the click still lands.
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    list.addEventListener("mousemove", function (event) {
      var target = event.target.closest ? event.target.closest('[role="option"]') : null;
      var index = options.indexOf(target);
      if (index >= 0 && index !== active) highlight(index);
    });
    input.addEventListener("blur", function () {
      close();
    });
    input.addEventListener("focus", function () {
      if (input.value.trim().length >= MIN_LENGTH && options.length) open();
    });
    form.addEventListener("submit", function () {
      window.clearTimeout(timer);
      if (controller) controller.abort();
    });
  }

  function start() {
    var forms = document.querySelectorAll("form.search-box[data-suggest-url]");
    for (var i = 0; i < forms.length; i += 1) setup(forms[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
