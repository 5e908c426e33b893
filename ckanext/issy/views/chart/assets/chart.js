/* The charts of the issy_chart view, the embed page and the Créer page.

   Each <figure data-issy-chart> holds its specification in a JSON block
   (the aggregation request's parameters, the kind of chart, title, unit and
   the page's translated words). The figure asks GET /api/issy/aggregate,
   then draws, from the same answer: the chart (ECharts, SVG renderer, its
   ARIA description on), a one-sentence summary in the caption and the data
   table. Numbers and dates are written as the page's language writes them
   (<html lang>). An error of the API is said in the figure's alert region,
   never left as a blank chart.

   window.IssyChart.render(figure, spec) redraws a figure (the builder calls
   it after each change). */
(function (window, document) {
  "use strict";

  var F = window.IssyFormat; /* format.js: the page's language, words, escaping */
  var PALETTE = F.PALETTE;
  var CURRENCY_FIRST = ["€", "$", "£"];
  var TIME_TYPES = ["line", "area"];
  var fill = F.fill;

  /* Formats ------------------------------------------------------------ */

  function Formats(spec) {
    var labels = new F.Labels(spec.text);
    var loc = labels.locale;
    var unit = spec.unit || "";
    var number = new Intl.NumberFormat(loc, { maximumFractionDigits: 2 });
    var compact = new Intl.NumberFormat(loc, { notation: "compact", maximumFractionDigits: 1 });
    var words = spec.text;

    function withUnit(text) {
      if (!unit) { return text; }
      if (loc !== "fr-FR") {
        if (CURRENCY_FIRST.indexOf(unit) >= 0) { return text.charAt(0) === "-" ? "-" + unit + text.slice(1) : unit + text; }
        if (unit === "%") { return text + unit; }
      }
      return text + "\u00a0" + unit; /* 1 234,5 € ; 12 % */
    }
    this.value = function (value) {
      return value === null || value === undefined ? words.empty : withUnit(number.format(value));
    };
    var percent = new Intl.NumberFormat(loc, { style: "percent", maximumFractionDigits: 1 });
    this.percent = function (value) {
      return typeof value === "number" ? percent.format(value / 100) : "";
    };
    this.axis = function (value) {
      return withUnit(Math.abs(value) >= 100000 ? compact.format(value) : number.format(value));
    };
    /* A group's value (or a min/max of dates) as a reader says it. */
    this.label = function (value, field) { return labels.label(value, field); };
    this.cell = function (value, field) {
      return field.role === "measure" && field.type === "number" ? this.value(value) : this.label(value, field);
    };
  }

  /* The answer as a chart sees it ------------------------------------- */

  function measureLabel(field, words) {
    if (field.function === "count" && field.id === "count") { return field.label; }
    return fill(words["function_" + field.function] || "{label}", { label: field.label });
  }

  /* Rows of the table: the groups' labels, the measures, and the "others"
     bucket last, labelled as such. */
  function model(result, spec, formats) {
    var groups = [], measures = [];
    result.fields.forEach(function (field, index) {
      (field.role === "group" ? groups : measures).push({ field: field, index: index });
    });
    var rows = result.rows.map(function (row) { return { values: row, others: false }; })
      .concat((result.others || []).map(function (row) { return { values: row, others: true }; }));
    rows.forEach(function (row) {
      row.labels = groups.map(function (g, i) {
        return i === 0 && row.others ? spec.text.others : formats.label(row.values[g.index], g.field);
      });
    });
    return {
      groups: groups, rows: rows, truncated: result.truncated,
      measures: measures.map(function (m) {
        return { field: m.field, index: m.index, label: measureLabel(m.field, spec.text) };
      })
    };
  }

  function distinct(list) {
    return list.filter(function (item, i) { return list.indexOf(item) === i; });
  }

  /* The one-sentence summary --------------------------------------------- */

  function summary(data, spec, formats) {
    var words = spec.text;
    var m = data.measures[0];
    var ranked = data.rows.filter(function (r) { return !r.others && typeof r.values[m.index] === "number"; });
    if (!data.rows.length) { return words.summary_empty; }
    var text;
    if (!ranked.length) {
      text = fill(words.summary_count, { count: data.rows.length });
    } else {
      var max = ranked[0], min = ranked[0];
      ranked.forEach(function (r) {
        if (r.values[m.index] > max.values[m.index]) { max = r; }
        if (r.values[m.index] < min.values[m.index]) { min = r; }
      });
      var values = {
        measure: m.label, count: ranked.length,
        max_label: max.labels.join(", "), max_value: formats.value(max.values[m.index]),
        min_label: min.labels.join(", "), min_value: formats.value(min.values[m.index])
      };
      var first = ranked[0], last = ranked[ranked.length - 1];
      if (ranked.length === 1) {
        text = fill(words.summary_one, values);
      } else if (max.values[m.index] === min.values[m.index]) {
        text = fill(words.summary_equal, values);
      } else if (data.groups.length === 1 && data.groups[0].field.type === "date" && TIME_TYPES.indexOf(spec.type) >= 0) {
        values.first_label = first.labels[0]; values.first_value = formats.value(first.values[m.index]);
        values.last_label = last.labels[0]; values.last_value = formats.value(last.values[m.index]);
        text = fill(words.summary_time, values);
      } else {
        text = fill(words.summary_ranked, values);
      }
    }
    return data.truncated ? text + " " + fill(words.summary_truncated, { count: data.rows.length }) : text;
  }

  /* The data table ------------------------------------------------------- */

  var cell = F.element;

  function table(figure, data, spec, formats) {
    var element = figure.querySelector("[data-role=table]");
    element.querySelector("caption").textContent = spec.title;
    var head = document.createElement("tr");
    data.groups.forEach(function (g) { head.appendChild(cell("th", g.field.label, { scope: "col" })); });
    data.measures.forEach(function (m) { head.appendChild(cell("th", m.label, { scope: "col", "class": "text-end" })); });
    element.querySelector("thead").replaceChildren(head);
    element.querySelector("tbody").replaceChildren.apply(element.querySelector("tbody"), data.rows.map(function (row) {
      var tr = document.createElement("tr");
      row.labels.forEach(function (label, i) { tr.appendChild(cell(i ? "td" : "th", label, i ? {} : { scope: "row" })); });
      data.measures.forEach(function (m) {
        tr.appendChild(cell("td", formats.cell(row.values[m.index], m.field), { "class": "text-end" }));
      });
      return tr;
    }));
  }

  /* ECharts options ------------------------------------------------------ */

  function number(value) { return typeof value === "number" ? value : null; }

  /* Series of a chart with axes: one per measure, or, with a second
     grouping, one per value of it (first measure). */
  function axisSeries(data) {
    var m = data.measures[0];
    if (data.groups.length < 2) {
      return {
        categories: data.rows.map(function (r) { return r.labels[0]; }),
        series: data.measures.map(function (measure) {
          return { name: measure.label, data: data.rows.map(function (r) { return number(r.values[measure.index]); }) };
        })
      };
    }
    var categories = distinct(data.rows.map(function (r) { return r.labels[0]; }));
    var names = distinct(data.rows.map(function (r) { return r.labels[1]; }));
    return {
      categories: categories,
      series: names.map(function (name) {
        var values = categories.map(function () { return null; });
        data.rows.forEach(function (r) {
          if (r.labels[1] === name) { values[categories.indexOf(r.labels[0])] = number(r.values[m.index]); }
        });
        return { name: name, data: values };
      })
    };
  }

  function baseOption(spec, description, formats, reduced) {
    return {
      color: PALETTE,
      animation: !reduced,
      aria: { enabled: true, label: { description: description } },
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily, fontSize: 13 },
      tooltip: { valueFormatter: function (v) { return formats.value(v); }, confine: true }
    };
  }

  /* Fewer ticks on a phone: their labels must not run into each other. */
  function valueAxis(formats, width, extra) {
    var axis = { type: "value", splitNumber: width < 480 ? 3 : 5,
                 axisLabel: { hideOverlap: true, formatter: function (v) { return formats.axis(v); } } };
    Object.keys(extra || {}).forEach(function (key) { axis[key] = extra[key]; });
    return axis;
  }

  /* Every label when they can fit, wrapped on their share of the width (or
     a third of it, beside horizontal bars); else as many as fit. */
  function categoryLabels(labels, width, horizontal) {
    if (horizontal) { return { width: Math.round(width / 3), overflow: "break", lineHeight: 14, interval: 0 }; }
    if (labels.length > 12) { return { hideOverlap: true }; }
    var slot = Math.max(40, Math.floor((width - 64) / labels.length) - 6);
    var longestWord = Math.max.apply(null, labels.map(function (label) {
      return Math.max.apply(null, String(label).split(/\s+/).map(function (word) { return word.length; }));
    }));
    /* A word wider than its slot (about 7 px a letter) would be cut: the
       labels turn instead. */
    if (longestWord * 7 > slot) {
      return { interval: 0, rotate: 40, width: 110, overflow: "truncate" };
    }
    return { interval: 0, width: slot, overflow: "break", lineHeight: 14 };
  }

  function axisOption(option, data, spec, formats, width) {
    var shaped = axisSeries(data);
    var horizontal = spec.type === "bar_horizontal";
    var category = { type: "category", data: shaped.categories, inverse: horizontal,
                     axisLabel: categoryLabels(shaped.categories, width, horizontal) };
    var value = valueAxis(formats, width);
    option.grid = { containLabel: true, left: 8, right: 16, top: 16, bottom: shaped.series.length > 1 ? 48 : 8 };
    option.xAxis = horizontal ? value : category;
    option.yAxis = horizontal ? category : value;
    option.tooltip.trigger = "axis";
    option.series = shaped.series.map(function (s) {
      var line = TIME_TYPES.indexOf(spec.type) >= 0;
      return {
        name: s.name, data: s.data, type: line ? "line" : "bar",
        stack: spec.type === "bar_stacked" || spec.type === "area" && shaped.series.length > 1 ? "total" : undefined,
        areaStyle: spec.type === "area" ? { opacity: 0.25 } : undefined,
        /* Filled dots on every point: seen, and counted by the tests. */
        symbol: "circle", symbolSize: 7, showAllSymbol: true, connectNulls: false,
        barMaxWidth: 72 /* a few bars stay bars, not walls */
      };
    });
    if (shaped.series.length > 1) { option.legend = { type: "scroll", bottom: 0 }; }
    return shaped.categories.length;
  }

  function partsOption(option, data, spec, formats, width) {
    var m = data.measures[0];
    /* Each part says its name and share: colour is never the only clue. */
    var total = data.rows.reduce(function (sum, r) { return sum + (number(r.values[m.index]) || 0); }, 0);
    var label = { lineHeight: 16, formatter: function (p) {
      return total > 0 && typeof p.value === "number" ? p.name + "\n" + formats.percent(100 * p.value / total) : p.name;
    } };
    var parts = data.rows.map(function (r) { return { name: r.labels[0], value: number(r.values[m.index]) }; });
    option.tooltip.trigger = "item";
    if (spec.type === "treemap") {
      option.series = [{ type: "treemap", name: m.label, data: parts, roam: false, nodeClick: false,
                         breadcrumb: { show: false }, label: label,
                         /* the whole box: a width of 100 % from the default
                            left margin ran past the right edge */
                         left: 0, top: 0, right: 0, bottom: 0,
                         itemStyle: { gapWidth: 2, borderColor: "#fff" } }];
    } else {
      /* On a phone the slices leave room for their labels, which wrap. */
      var outer = width < 480 ? 48 : 70;
      label.width = Math.round(width / 4);
      label.overflow = "break";
      label.alignTo = "edge"; /* labels stay inside the chart, at its edges */
      label.edgeDistance = 8;
      option.series = [{ type: "pie", name: m.label, data: parts,
                         radius: [spec.type === "donut" ? Math.round(outer * 0.55) + "%" : 0, outer + "%"],
                         label: label }];
    }
  }

  function scatterOption(option, data, spec, formats, width) {
    var two = data.measures.length > 1;
    var m = data.measures[0], m2 = data.measures[1];
    var g = data.groups[0];
    var numericX = !two && g.field.type === "number";
    option.tooltip.trigger = "item";
    /* ECharts writes a formatter's answer as HTML: the table's words are escaped. */
    option.tooltip.formatter = function (p) {
      var lines = [p.data.name].concat(two
        ? [m.label + " : " + formats.value(p.data.value[0]), m2.label + " : " + formats.value(p.data.value[1])]
        : [m.label + " : " + formats.value(p.data.value[1])]);
      return lines.map(F.escapeHtml).join("<br>");
    };
    /* Room for the axes' names, above and below the plot. */
    option.grid = { containLabel: true, left: 8, right: 24, top: 40, bottom: 36 };
    var xName = two ? m.label : g.field.label;
    option.xAxis = two || numericX
      ? valueAxis(formats, width, { scale: true, name: xName, nameLocation: "middle", nameGap: 28 })
      : { type: "category", name: xName, nameLocation: "middle", nameGap: 28,
          data: distinct(data.rows.map(function (r) { return r.labels[0]; })), axisLabel: { hideOverlap: true } };
    if (numericX) { option.xAxis.axisLabel.formatter = function (v) { return formats.label(v, g.field); }; }
    option.yAxis = valueAxis(formats, width, { scale: true, name: two ? m2.label : m.label,
                                               nameTextStyle: { align: "left" } });
    option.series = [{ type: "scatter", symbolSize: 10, data: data.rows.map(function (r) {
      var x = two ? number(r.values[m.index]) : numericX ? r.values[g.index] : r.labels[0];
      return { name: r.labels.join(", "), value: [x, number(r.values[(two ? m2 : m).index])] };
    }) }];
  }

  /* Drawing -------------------------------------------------------------- */

  var part = F.part;

  /* The chart taken away, then what every figure says of an error. */
  function showError(figure, spec, message) {
    var chart = window.echarts && echarts.getInstanceByDom(part(figure, "canvas"));
    if (chart) { chart.dispose(); }
    F.showError(figure, spec, message);
  }

  /* Each drawing costs a phone a long task: the chart is drawn again only
     when its box has another size than the one it was drawn at (a reused
     chart whose height changed, a turned phone), not each time asked. */
  function fit(canvas) {
    var chart = echarts.getInstanceByDom(canvas);
    if (chart && (chart.getWidth() !== canvas.clientWidth || chart.getHeight() !== canvas.clientHeight)) {
      chart.resize();
    }
  }

  function draw(figure, spec, result) {
    var formats = new Formats(spec);
    var data = model(result, spec, formats);
    var description = summary(data, spec, formats);
    var canvas = part(figure, "canvas");
    F.say(figure, spec, "");
    part(figure, "caption").textContent = spec.title;
    part(figure, "canvas").setAttribute("aria-label", spec.title);
    part(figure, "summary").textContent = description;
    table(figure, data, spec, formats);
    part(figure, "details").hidden = !data.rows.length;
    canvas.hidden = !data.rows.length;
    if (!data.rows.length) { figure.setAttribute("data-state", "empty"); return; }
    var reduced = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;
    var option = baseOption(spec, spec.title + ". " + description, formats, reduced);
    var bars = 0;
    if (spec.type === "pie" || spec.type === "donut" || spec.type === "treemap") {
      partsOption(option, data, spec, formats, canvas.clientWidth || 320);
    } else if (spec.type === "scatter") {
      scatterOption(option, data, spec, formats, canvas.clientWidth || 320);
    } else {
      bars = axisOption(option, data, spec, formats, canvas.clientWidth || 320);
    }
    /* Horizontal bars need room for each label: the chart grows with them. */
    canvas.style.height = spec.type === "bar_horizontal" ? Math.max(288, bars * 28 + 48) + "px" : "";
    var chart = echarts.getInstanceByDom(canvas) || echarts.init(canvas, null, { renderer: "svg" });
    chart.setOption(option, true);
    fit(canvas);
    if (!canvas.issyObserved && window.ResizeObserver) {
      canvas.issyObserved = true;
      new ResizeObserver(function () { fit(canvas); }).observe(canvas);
    }
    figure.setAttribute("data-state", "drawn");
  }

  var drawer = F.drawer({
    load: function (figure, spec) { return F.getJson(F.apiUrl(spec.api, spec.params), spec.text); },
    draw: draw,
    showError: showError
  });

  window.IssyChart = { render: drawer.render, fail: drawer.fail, readSpec: F.readSpec, palette: PALETTE };
  Array.prototype.forEach.call(document.querySelectorAll("figure[data-issy-chart]"), function (figure) {
    drawer.render(figure);
  });
}(window, document));
