/* The Créer page's live builder, for a chart or a map. The form is an
   ordinary GET form (without JavaScript each submit draws the page again);
   here, each change asks the server how it reads the form (its
   data-config-url: the configuration, its permalink and embed code, the
   figure's specification and what was wrong), puts the permalink in the
   address bar (history.replaceState: the URL is the permalink), updates the
   share fields and redraws the figure.

   <form data-issy-builder> names its figure (data-figure, default
   "issy-chart") and its share fields (data-permalink, data-embed, defaults
   "chart-permalink" and "chart-embed"). The drawer is window.IssyMap
   (map.js) for a figure with data-issy-map, else window.IssyChart
   (chart.js): both have render(figure, spec), fail(figure, message) and
   readSpec(figure), and are loaded before this script. The chart's own
   adjustments (a date's unit, a second grouping) apply where the form has
   those fields. */
(function (window, document) {
  "use strict";

  var SERIES_TYPES = ["bar", "bar_horizontal", "bar_stacked", "line", "area"];
  var MAX_FILTERS = 10;
  var form = document.querySelector("form[data-issy-builder]");
  var figure = form && document.getElementById(form.getAttribute("data-figure") || "issy-chart");
  if (!figure) { return; }
  var ticket = 0;
  var timer = null;

  function selectedKind(select) {
    var option = select && select.options[select.selectedIndex];
    return option ? option.getAttribute("data-kind") : "";
  }

  function drawer() {
    return figure.hasAttribute("data-issy-map") ? window.IssyMap : window.IssyChart;
  }

  /* Day, month or year only for a date column; a second grouping only for
     the charts that can show it (a disabled fieldset sends nothing). */
  function adjust() {
    Array.prototype.forEach.call(form.querySelectorAll("[data-role=unit]"), function (field) {
      var date = selectedKind(document.getElementById(field.getAttribute("data-for"))) === "date";
      var select = field.querySelector("select");
      if (!date) { select.value = ""; }
      field.hidden = !date;
    });
    var series = form.querySelector("[data-role=series]");
    if (series && form.elements.type) { series.disabled = SERIES_TYPES.indexOf(form.elements.type.value) < 0; }
  }

  /* One empty filter row at the end, for the next filter. */
  function filterRows() {
    var rows = form.querySelectorAll("[data-role=filter]");
    var last = rows[rows.length - 1];
    if (!last || !last.querySelector("select[name=filter_column]").value || rows.length >= MAX_FILTERS) { return; }
    var row = last.cloneNode(true);
    var number = rows.length + 1;
    Array.prototype.forEach.call(row.querySelectorAll("[id]"), function (element) {
      var id = element.id.replace(/-\d+$/, "-" + number);
      var label = row.querySelector("label[for='" + element.id + "']");
      if (label) { label.setAttribute("for", id); }
      element.id = id;
      if (element.tagName === "INPUT") { element.value = ""; } else { element.selectedIndex = 0; }
    });
    last.parentNode.insertBefore(row, last.nextSibling);
  }

  /* The form's values; a filter row counts only once it names a column,
     and other empty fields are left out of the address. */
  function params() {
    var result = new URLSearchParams();
    var data = new FormData(form);
    var columns = data.getAll("filter_column"), ops = data.getAll("filter_op"), values = data.getAll("filter_value");
    data.forEach(function (value, key) {
      if (key.indexOf("filter_") !== 0 && String(value).trim() !== "") { result.append(key, value); }
    });
    columns.forEach(function (column, i) {
      if (column) {
        result.append("filter_column", column);
        result.append("filter_op", ops[i] || "eq");
        result.append("filter_value", values[i] || "");
      }
    });
    return result;
  }

  function clearFieldErrors() {
    Array.prototype.forEach.call(form.querySelectorAll(".issy-chart-error"), function (p) { p.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (element) {
      element.removeAttribute("aria-invalid");
      element.removeAttribute("aria-describedby");
    });
  }

  function shareField(attribute, fallback, text) {
    var field = document.getElementById(form.getAttribute(attribute) || fallback);
    if (field) { field.textContent = text; }
  }

  function share(answer) {
    window.history.replaceState(null, "", form.action.split("?")[0] + "?" + answer.query);
    shareField("data-permalink", "chart-permalink", answer.permalink);
    shareField("data-embed", "chart-embed", answer.embed_code);
    var save = document.querySelector("[data-role=save-query]");
    if (save) { save.value = answer.query; }
  }

  function update() {
    var mine = ++ticket;
    adjust();
    filterRows();
    figure.setAttribute("aria-busy", "true");
    fetch(form.getAttribute("data-config-url") + "?" + params().toString(), {
      headers: { Accept: "application/json" }, credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) { throw new Error("error_" + response.status); }
      return response.json();
    }, function () {
      throw new Error("error_network");
    }).then(function (answer) {
      if (mine !== ticket) { return; }
      clearFieldErrors();
      share(answer);
      return drawer().render(figure, answer.spec);
    }).catch(function (error) {
      var words = drawer().readSpec(figure).text;
      if (mine === ticket) { drawer().fail(figure, words[error.message] || words.error); }
    });
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 400);
  }

  form.addEventListener("change", function (event) {
    if (event.target.tagName === "SELECT") { update(); } else { later(); }
  });
  form.addEventListener("input", function (event) {
    if (event.target.tagName === "INPUT") { later(); }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    window.clearTimeout(timer);
    update();
  });
  var hint = form.querySelector("[data-role=live-hint]");
  if (hint) { hint.hidden = false; }
  adjust();
}(window, document));
