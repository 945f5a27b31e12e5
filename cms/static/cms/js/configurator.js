// Series configurator: choosing a value updates the page in place (progressive enhancement;
// without this script the form submits as a plain GET). The server renders every state, so
// the script only fetches the URL the form would load and swaps the configurator region.
(function () {
  "use strict";
  var region = document.querySelector("[data-configurator-region]");
  if (!region || !window.fetch || !window.DOMParser || !window.history.pushState) {
    return;
  }
  // A region replaced by new HTML is not announced by screen readers; this one stays.
  var announcer = document.createElement("p");
  announcer.className = "visually-hidden";
  announcer.setAttribute("aria-live", "polite");
  region.parentNode.insertBefore(announcer, region.nextSibling);
  var latest = 0;

  function enhance() {
    var form = region.querySelector("[data-configurator]");
    if (form) {
      form.classList.add("configurator--live");
    }
    return form;
  }

  function urlOf(form) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (value !== "") {
        params.append(key, value); // "Any" adds nothing: one URL per choice
      }
    });
    var query = params.toString();
    return form.getAttribute("action") + (query ? "?" + query : "");
  }

  function load(url, push) {
    var request = ++latest;
    var focusedId = document.activeElement && region.contains(document.activeElement) ? document.activeElement.id : "";
    region.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok && response.status !== 400) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        if (request !== latest) {
          return; // a later choice is on its way
        }
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("[data-configurator-region]");
        if (!fresh) {
          throw new Error("no configurator in the response");
        }
        region.innerHTML = fresh.innerHTML;
        region.removeAttribute("aria-busy");
        enhance();
        if (push) {
          window.history.pushState({ configurator: true }, "", url);
        }
        var focus = focusedId && document.getElementById(focusedId);
        if (focus && !focus.disabled) {
          focus.focus();
        }
        var status = region.querySelector("[data-configurator-status]");
        var result = region.querySelector("[data-configurator-result]");
        var number = result && result.querySelector(".series-result__number");
        announcer.textContent = (status ? status.textContent : "") + (number ? " " + number.textContent : "");
        if (result && push) {
          // On a phone the article appears below the options: bring it into sight, focus stays.
          result.scrollIntoView({ block: "nearest", behavior: "smooth" });
        }
      })
      .catch(function () {
        window.location.href = url; // let the browser load the page the plain way
      });
  }

  enhance();
  region.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-configurator")) {
      load(urlOf(form), true);
    }
  });
  region.addEventListener("submit", function (event) {
    if (event.target.hasAttribute("data-configurator")) {
      event.preventDefault();
      load(urlOf(event.target), true);
    }
  });
  window.addEventListener("popstate", function () {
    load(window.location.href, false);
  });
})();
