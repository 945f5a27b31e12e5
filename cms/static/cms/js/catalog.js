/* Catalog pages: results and facet counts update in place (progressive enhancement).
 *
 * Without this script everything works by plain links and the GET form. With it, changing a
 * checkbox, radio or the sort select, or submitting the form, fetches the same URL with
 * partial=1 (the server answers with the results + filters region only), swaps the region,
 * pushes the new URL and announces the result count; the back button restores the state.
 * On phones the filters sit behind a "Filters" disclosure button.
 */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");
  var phone = window.matchMedia("(max-width: 47.99em)");
  var filtersOpen = false;
  var pending = null;

  function region() { return document.getElementById("catalog-region"); }
  function form() { return document.getElementById("catalog-form"); }

  function cleanUrl(action, data) {
    var params = new URLSearchParams();
    data.forEach(function (value, key) {
      if (typeof value === "string" && value.trim() !== "") { params.append(key, value.trim()); }
    });
    var query = params.toString();
    return action + (query ? "?" + query : "");
  }

  function partialUrl(url) {
    var parsed = new URL(url, window.location.href);
    parsed.searchParams.set("partial", "1");
    return parsed.toString();
  }

  function setupFilters() {
    var facets = document.getElementById("catalog-facets");
    if (!facets || document.getElementById("catalog-filters-toggle")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.id = "catalog-filters-toggle";
    button.className = "button button--secondary catalog__filters-toggle";
    button.setAttribute("aria-controls", "catalog-facets");
    var selected = facets.querySelectorAll("input:checked:not([value='']), input[type='text']:not([value=''])").length;
    button.textContent = (facets.getAttribute("data-toggle-label") || "Filters") + (selected ? " (" + selected + ")" : "");
    facets.parentNode.insertBefore(button, facets);
    function apply() {
      var open = !phone.matches || filtersOpen;
      facets.hidden = !open;
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () {
      filtersOpen = !filtersOpen;
      apply();
      if (filtersOpen) { facets.querySelector("summary, input") && facets.querySelector("summary, input").focus(); }
    });
    if (phone.addEventListener) { phone.addEventListener("change", apply); }
    apply();
  }

  function announce() {
    var status = document.getElementById("catalog-status");
    var current = region();
    if (status && current) { status.textContent = current.getAttribute("data-status-text") || ""; }
  }

  function load(url, push) {
    var current = region();
    if (!current) { window.location.href = url; return; }
    if (pending) { pending.abort(); }
    pending = new AbortController();
    var focusedId = document.activeElement && document.activeElement.id;
    current.classList.add("is-loading");
    fetch(partialUrl(url), { headers: { "X-Requested-With": "fetch" }, signal: pending.signal, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok && response.status !== 400) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#catalog-region");
        if (!fresh) { throw new Error("no region"); }
        region().replaceWith(fresh);
        if (push) { window.history.pushState({ catalog: true }, "", url); }
        setupFilters();
        announce();
        var again = focusedId && document.getElementById(focusedId);
        if (again) { again.focus(); }
      })
      .catch(function (error) {
        if (error && error.name === "AbortError") { return; }
        window.location.href = url; // the plain page always works
      });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var owner = form();
    if (!owner || !owner.contains(target)) { return; }
    if (target.type === "checkbox" || target.type === "radio" || target.tagName === "SELECT") {
      load(cleanUrl(owner.getAttribute("action"), new FormData(owner)), true);
    }
  });

  document.addEventListener("submit", function (event) {
    var owner = form();
    if (event.target !== owner) { return; }
    event.preventDefault();
    load(cleanUrl(owner.getAttribute("action"), new FormData(owner)), true);
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    var current = region();
    if (!link || !current || !current.contains(link)) { return; }
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) { return; }
    var owner = form();
    var target = new URL(link.href, window.location.href);
    if (!owner || target.origin !== window.location.origin || target.pathname !== owner.getAttribute("action")) { return; }
    event.preventDefault();
    load(target.pathname + target.search, true);
  });

  window.addEventListener("popstate", function () {
    if (region()) { load(window.location.pathname + window.location.search, false); }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setupFilters);
  } else {
    setupFilters();
  }
}());
