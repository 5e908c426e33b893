/* The Créer page's live builder. The form is an ordinary GET form (without
   JavaScript each submit draws the page again); here, each change asks the
   server how it reads the form (/creer/configuration: the configuration,
   its permalink and embed code, the chart's specification and what was
   wrong), puts the permalink in the address bar (history.replaceState:
   the URL is the permalink), updates the share fields and redraws the
   chart (window.IssyChart, chart.js). */
(function (window, document) {
  "use strict";

  var SERIES_TYPES = ["bar", "bar_horizontal", "bar_stacked", "line", "area"];
  var MAX_FILTERS = 10;
  var form = document.querySelector("form[data-issy-builder]");
  var figure = document.getElementById("issy-chart");
  if (!form || !figure || !window.IssyChart) { return; }
  var ticket = 0;
  var timer = null;

  function selectedKind(select) {
    var option = select && select.options[select.selectedIndex];
    return option ? option.getAttribute("data-kind") : "";
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
    series.disabled = SERIES_TYPES.indexOf(form.elements.type.value) < 0;
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

  function share(answer) {
    window.history.replaceState(null, "", form.action.split("?")[0] + "?" + answer.query);
    document.getElementById("chart-permalink").textContent = answer.permalink;
    document.getElementById("chart-embed").textContent = answer.embed_code;
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
      return window.IssyChart.render(figure, answer.spec);
    }).catch(function (error) {
      var words = window.IssyChart.readSpec(figure).text;
      if (mine === ticket) { window.IssyChart.fail(figure, words[error.message] || words.error); }
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
  form.querySelector("[data-role=live-hint]").hidden = false;
  adjust();
}(window, document));
