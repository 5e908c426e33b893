/* What the charts (chart.js) and the maps (map.js) share: the page's
   language, numbers and dates as it writes them (Intl, <html lang>: French
   on French pages), the translated words filled in, harvested text escaped
   before it reaches HTML, the table cells they build, and the life of a
   figure: its specification read, the API asked, an error said.

   window.IssyFormat = { PALETTE, locale, escapeHtml, fill, plural, parseDate,
   element, Labels, part, readSpec, say, showError, apiUrl, getJson,
   drawer }. */
(function (window, document) {
  "use strict";

  /* Distinct colours, each at least 4.5:1 on white (WCAG 1.4.11 asks 3:1
     of a chart's or a map's marks); the first is the city's primary colour. */
  var PALETTE = ["#005288", "#b93d0c", "#2e7d32", "#6a3d9a", "#8a6100", "#00727a", "#a3286b", "#4d5761"];

  function locale() {
    var lang = (document.documentElement.lang || "fr").toLowerCase();
    if (lang.indexOf("fr") === 0) { return "fr-FR"; }
    return lang.indexOf("en") === 0 ? "en-GB" : lang;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* "{count} points." with {count: "1 234"}; a key without a value stays. */
  /* A counted sentence: the server sends its forms ({one, other}, from
     ngettext), the page's language picks one (French: 0 and 1 are "one"). */
  function plural(forms, count) {
    if (typeof forms === "string") { return forms; }
    return forms[new Intl.PluralRules(locale()).select(count)] || forms.other;
  }

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : all;
    });
  }

  /* An ISO date or date-time (2024-03-01, 2024-03-01T08:30) as a local Date. */
  function parseDate(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(String(text));
    if (!m) { return null; }
    return new Date(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0));
  }

  /* An element with its text (never parsed as HTML) and attributes. */
  function element(tag, text, attributes) {
    var node = document.createElement(tag);
    node.textContent = text;
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    return node;
  }

  /* A value of a field ({type: "number"|"date"|"bool"|"text", unit: "day"|
     "month"|"year" for a grouped date}) as a reader says it. words: the
     spec's translated words empty, yes and no. */
  function Labels(words) {
    var loc = locale();
    var number = new Intl.NumberFormat(loc, { maximumFractionDigits: 2 });
    var dates = {
      year: new Intl.DateTimeFormat(loc, { year: "numeric" }),
      month: new Intl.DateTimeFormat(loc, { month: "long", year: "numeric" }),
      day: new Intl.DateTimeFormat(loc, { day: "numeric", month: "long", year: "numeric" }),
      time: new Intl.DateTimeFormat(loc, { day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit" })
    };
    this.locale = loc;
    this.number = function (value) { return number.format(value); };
    /* A Date, or the text of one, at the field's precision. */
    this.date = function (value, unit) {
      var date = value instanceof Date ? value : parseDate(value);
      if (!date) { return String(value); }
      var timed = date.getHours() || date.getMinutes();
      return (dates[unit] || (timed ? dates.time : dates.day)).format(date);
    };
    this.label = function (value, field) {
      if (value === null || value === undefined) { return words.empty; }
      if (field.type === "date") { return this.date(value, field.unit); }
      if (field.type === "number") { return number.format(value); }
      if (field.type === "bool") { return value ? words.yes : words.no; }
      return String(value);
    };
  }

  /* A figure (<figure data-issy-chart> or data-issy-map) ----------------- */

  /* Its parts are found by their data-role: spec, caption, summary, alert,
     canvas, details, table (and the map's legend). */
  function part(figure, role) { return figure.querySelector("[data-role=" + role + "]"); }

  function readSpec(figure) {
    return JSON.parse(part(figure, "spec").textContent);
  }

  /* The alert region says what was wrong with the choices (spec.notes,
     from the server) and why there is no chart or map, if there is none. */
  function say(figure, spec, message) {
    var lines = (spec.notes || []).concat(message ? [message] : []);
    var alert = part(figure, "alert");
    alert.replaceChildren.apply(alert, lines.map(function (line) { return element("p", line); }));
  }

  /* Nothing drawn: the title, no summary, the message in the alert region.
     The caller first takes away what it drew (the chart, the map's data). */
  function showError(figure, spec, message) {
    part(figure, "canvas").hidden = true;
    part(figure, "details").hidden = true;
    part(figure, "caption").textContent = spec.title;
    part(figure, "summary").textContent = "";
    say(figure, spec, message);
    figure.setAttribute("data-state", "error");
  }

  function apiUrl(api, params) {
    return api + "?" + new URLSearchParams(params || {}).toString();
  }

  /* The result of one of the portal's APIs ({success, result}); else an
     Error saying why, in the page's words (the spec's: error, error_404...,
     error_network) unless the API says it. */
  function getJson(url, words) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok || !body.success) {
            var message = body.error && body.error.message;
            throw new Error(message || words["error_" + response.status] || words.error);
          }
          return body.result;
        });
      }, function () { throw new Error(words.error_network); });
  }

  /* render(figure, spec) and fail(figure, message) of a kind of figure
     (window.IssyChart, window.IssyMap: builder.js calls either), from
     how = {load(figure, spec): a promise of the answer, draw(figure, spec,
     answer, ticket), showError(figure, spec, message)}. Each request of a
     figure takes a ticket: only its last one draws or says its error. */
  function drawer(how) {
    function render(figure, spec) {
      spec = spec || readSpec(figure);
      figure.issySpec = spec;
      var ticket = (figure.issyTicket || 0) + 1;
      figure.issyTicket = ticket; /* only the last request of a figure draws */
      if (!spec.ready) {
        how.showError(figure, spec, spec.text.not_ready);
        return Promise.resolve();
      }
      figure.setAttribute("data-state", "loading");
      figure.setAttribute("aria-busy", "true");
      return how.load(figure, spec)
        .then(function (answer) {
          if (figure.issyTicket === ticket) { how.draw(figure, spec, answer, ticket); }
        })
        .catch(function (error) {
          if (figure.issyTicket === ticket) { how.showError(figure, spec, error.message || spec.text.error); }
        })
        .then(function () { if (figure.issyTicket === ticket) { figure.removeAttribute("aria-busy"); } });
    }

    /* A failure outside the figure's own request (the builder's). */
    function fail(figure, message) {
      figure.issyTicket = (figure.issyTicket || 0) + 1;
      how.showError(figure, figure.issySpec || readSpec(figure), message);
    }

    return { render: render, fail: fail };
  }

  window.IssyFormat = {
    PALETTE: PALETTE, locale: locale, escapeHtml: escapeHtml, fill: fill, plural: plural,
    parseDate: parseDate, element: element, Labels: Labels,
    part: part, readSpec: readSpec, say: say, showError: showError,
    apiUrl: apiUrl, getJson: getJson, drawer: drawer
  };
}(window, document));
