/* The visitor's lists without page reloads (progressive enhancement: every form and link
   works without this file).
   - Forms marked data-visitor-form="comparison|selection" post with fetch; the header count
     ([data-visitor-list] [data-count]) and a status line next to the button are updated.
   - The comparison's "only differences" link toggles the rows in place. */
(function () {
  "use strict";

  function setCount(list, count) {
    document.querySelectorAll('[data-visitor-list="' + list + '"] [data-count]').forEach(function (el) {
      el.textContent = String(count);
    });
  }

  function showStatus(form, data, ok) {
    // A form whose button sits elsewhere (result lists: form="…") names its status line.
    var box = form.closest("[data-product-actions]");
    var status = form.dataset.status
      ? document.getElementById(form.dataset.status)
      : box && box.querySelector("[data-visitor-status]");
    if (!status) return;
    status.textContent = data.message + " ";
    status.classList.toggle("is-error", !ok);
    var label = data.list === "selection" ? status.dataset.selectionLabel : status.dataset.comparisonLabel;
    if (data.url && label) {
      var link = document.createElement("a");
      link.href = data.url;
      link.textContent = label;
      status.appendChild(link);
    }
  }

  function submitList(event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-visitor-form]")) return;
    event.preventDefault();
    var button = form.querySelector("button[type=submit]") ||
      (form.id && document.querySelector('button[form="' + form.id + '"]'));
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok && data.ok, data: data };
        });
      })
      .then(function (result) {
        setCount(result.data.list, result.data.count);
        showStatus(form, result.data, result.ok);
        if (button) {
          button.disabled = false;
          if (result.ok) button.setAttribute("data-done", "");
        }
      })
      .catch(function () {
        // Network or server trouble: let the browser post the form the plain way.
        form.submit();
      });
  }

  function toggleDifferences(event) {
    var link = event.target.closest && event.target.closest("[data-diff-toggle]");
    if (!link) return;
    var table = document.querySelector("[data-compare-table][data-all-rows]");
    if (!table) return; // the page shows only some rows: follow the link
    event.preventDefault();
    var on = !table.classList.contains("is-only-differences");
    table.classList.toggle("is-only-differences", on);
    link.textContent = on ? link.dataset.labelOn : link.dataset.labelOff;
    var url = new URL(window.location.href);
    var other = new URL(window.location.href);
    if (on) {
      url.searchParams.set("diff", "1");
      other.searchParams.delete("diff");
    } else {
      url.searchParams.delete("diff");
      other.searchParams.set("diff", "1");
    }
    window.history.replaceState(null, "", url);
    link.href = other.pathname + other.search;
  }

  document.addEventListener("submit", submitList);
  document.addEventListener("click", toggleDifferences);
})();
