/* The financial report (issy_budget_view, the resource page and the embed
   page /rapport-financier/integrer).

   The server writes the whole report as text, with each breakdown's first
   level as a table. This script, loaded after the first paint, finds each
   report (<div data-issy-budget>), reads its JSON blocks (the report: the
   trees, and the translated words) and, for each breakdown (<figure
   data-tree>), draws a treemap (ECharts, SVG renderer) of one level at a
   time and makes the levels explorable:

   - a tile, or the name of an item in the table (a button "Detail of …"),
     shows what that item is made of: the chart goes to it
     (treemapRootToNode), the path above the chart (a breadcrumb of
     buttons), the table and the one-sentence summary follow, the summary
     is announced (aria-live), the focus goes to the new step of the path;
   - a step of the path, or the Escape key inside the figure, goes back up.

   Labels come from harvested files: they reach the page as text
   (textContent, ECharts' own text), or escaped (the tooltip's HTML).
   Numbers are written as the page's language writes them (<html lang>,
   window.IssyFormat). When drawn, the figure's data-state is "drawn". */
(function (window, document) {
  "use strict";

  var F = window.IssyFormat; /* views/chart/assets/format.js */
  var PALETTE = F.PALETTE;   /* each colour at least 4.5:1 with white: the labels */
  var ROOT = "issy-budget-root"; /* the series' name, hence the id ECharts gives its root */

  function Formats() {
    var loc = F.locale();
    var euros = new Intl.NumberFormat(loc, { style: "currency", currency: "EUR", maximumFractionDigits: 0, minimumFractionDigits: 0 });
    var decimal = new Intl.NumberFormat(loc, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
    this.euros = function (value) { return euros.format(Math.round(value)); };
    /* As the server writes it (h.issy_percent): "23,4 %", "23.4%". */
    this.percent = function (part, whole) {
      if (!whole) { return ""; }
      return decimal.format(100 * part / whole) + (loc === "fr-FR" ? "\u00a0%" : "%");
    };
  }

  /* The width of a text in the treemap's labels (13 px, the page's font). */
  var measureContext = null;
  function measure(text) {
    if (!measureContext) {
      measureContext = document.createElement("canvas").getContext("2d");
      measureContext.font = "13px " + getComputedStyle(document.body).fontFamily;
    }
    return measureContext.measureText(text).width;
  }

  function children(node) { return node.children || []; }
  function hasDetail(node) { return children(node).length > 0; }

  /* The tree with its root, each node knowing its id (the path of indexes,
     "2.0") and its parent; the nodes by id. */
  function index(tree, words) {
    var root = { name: words.root, value: tree.total, children: tree.children || [], issyId: ROOT };
    var nodes = {};
    nodes[ROOT] = root;
    (function walk(node) {
      children(node).forEach(function (child, i) {
        child.issyId = node === root ? String(i) : node.issyId + "." + i;
        child.issyParent = node;
        nodes[child.issyId] = child;
        walk(child);
      });
    }(root));
    return { root: root, nodes: nodes };
  }

  function ancestors(node) {
    var path = [];
    for (var n = node; n; n = n.issyParent) { path.unshift(n); }
    return path;
  }

  /* ECharts' data: the positive amounts (an area cannot be negative; the
     server leaves cancellations out already), a colour per tile among its
     siblings: each level shows distinct colours, and each tile its name. */
  function seriesData(nodes) {
    return nodes.filter(function (node) { return node.value > 0; }).map(function (node, i) {
      var item = { id: node.issyId, name: node.name, value: node.value,
                   itemStyle: { color: PALETTE[i % PALETTE.length] } };
      if (hasDetail(node)) { item.children = seriesData(node.children); }
      return item;
    });
  }

  /* One breakdown ---------------------------------------------------------- */

  function Breakdown(figure, tree, words, formats) {
    var self = this;
    var tree_ = index(tree, words);
    var revenue = tree.id.indexOf("revenue") === 0;
    var canvas = F.part(figure, "canvas");
    var chart = null;
    var current = tree_.root;

    function summary(node) {
      var list = children(node);
      if (!list.length) { return ""; }
      var first = list.reduce(function (max, child) { return child.value > max.value ? child : max; }, list[0]);
      var values = { name: first.name, share: formats.percent(first.value, node.value),
                     level: node.name, amount: formats.euros(node.value) };
      if (node === tree_.root) { return F.fill(revenue ? words.summary_revenue : words.summary_expense, values); }
      return F.fill(list.length === 1 ? words.summary_single : words.summary_level, values);
    }

    /* The path: the levels above as buttons, the level shown as text. */
    function path(node) {
      var list = F.part(figure, "path").querySelector("ol");
      var steps = ancestors(node);
      list.replaceChildren.apply(list, steps.map(function (step, i) {
        var item = document.createElement("li");
        if (i === steps.length - 1) {
          item.appendChild(F.element("span", step.name, { "aria-current": "location", tabindex: "-1" }));
        } else {
          var button = F.element("button", step.name, { type: "button", "class": "issy-budget-step" });
          button.addEventListener("click", function () { self.show(step, true); });
          item.appendChild(button);
        }
        return item;
      }));
    }

    function table(node) {
      var element = F.part(figure, "table");
      element.querySelector("caption").textContent = node === tree_.root
        ? F.fill(words.caption_root, { title: tree.title })
        : F.fill(words.caption_level, { title: tree.title, level: ancestors(node).slice(1).map(function (n) { return n.name; }).join(" › ") });
      var body = element.querySelector("tbody");
      body.replaceChildren.apply(body, children(node).map(function (child) {
        var row = document.createElement("tr");
        var head = F.element("th", "", { scope: "row" });
        if (hasDetail(child)) {
          var button = F.element("button", child.name, { type: "button", "class": "issy-budget-detail",
                                                          "aria-label": F.fill(words.detail, { name: child.name }) });
          button.addEventListener("click", function () { self.show(child, true); });
          head.appendChild(button);
        } else {
          head.textContent = child.name;
        }
        row.appendChild(head);
        row.appendChild(F.element("td", formats.euros(child.value), { "class": "text-end" }));
        row.appendChild(F.element("td", formats.percent(child.value, node.value), { "class": "text-end" }));
        return row;
      }));
    }

    /* Shows a level: the chart goes there, the path, table and summary
       follow; `focus`: the focus moves to the level's step of the path (the
       button that was pressed is gone). */
    this.show = function (node, focus) {
      current = node;
      if (chart) {
        chart.dispatchAction({ type: "treemapRootToNode", seriesIndex: 0, targetNodeId: node.issyId });
      }
      var sentence = summary(node);
      F.part(figure, "summary").textContent = sentence;
      canvas.setAttribute("aria-label", tree.title + " — " + node.name + ". " + sentence);
      path(node);
      table(node);
      figure.setAttribute("data-level", String(ancestors(node).length - 1));
      if (focus) { F.part(figure, "path").querySelector("[aria-current]").focus(); }
    };

    /* A tile's box: ECharts' layout of it when it lets us read it, else a
       guess from its share of the chart (the tiles are near squares). */
    function box(params, share) {
      try {
        var layout = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(params.dataIndex);
        if (layout && layout.width > 0) { return layout; }
      } catch (ignored) { /* the guess below */ }
      var side = Math.sqrt(share * canvas.clientWidth * canvas.clientHeight);
      return { width: side, height: side };
    }

    /* A tile's label: its name, on lines of whole words, and its share.
       When a word of the name is wider than the tile, the name is cut with
       "…" rather than broken inside the word, and the share is left out if
       it does not fit either: the table says both whole. */
    function label(params) {
      var node = tree_.nodes[params.data && params.data.id];
      var parent = node && node.issyParent;
      if (!parent) { return params.name; }
      var share = formats.percent(node.value, parent.value);
      var room = box(params, node.value / parent.value).width - 12; /* ECharts' padding: 5 px a side */
      var name = String(params.name);
      var words = room - (hasDetail(node) ? measure("▶ ") : 0); /* ECharts' mark before the first line */
      if (name.split(/\s+/).some(function (word) { return measure(word) > words; })) {
        var cut = name;
        while (cut && measure(cut.trim() + "…") > words) { cut = cut.slice(0, -1); }
        name = cut.trim() ? cut.trim() + "…" : "";
      }
      return measure(share) <= room ? name + "\n" + share : name;
    }

    function tooltip(params) {
      var node = tree_.nodes[params.data && params.data.id];
      if (!node || !node.issyParent) { return ""; }
      return [F.escapeHtml(node.name),
              F.escapeHtml(formats.euros(node.value)),
              F.escapeHtml(F.fill(words.tooltip_share, { share: formats.percent(node.value, node.issyParent.value),
                                                          level: node.issyParent.name }))].join("<br>");
    }

    function draw() {
      var reduced = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;
      chart = echarts.init(canvas, null, { renderer: "svg" });
      chart.setOption({
        animation: !reduced,
        /* The chart's container is an image (role="img") whose label this
           script keeps in step with the level shown. */
        aria: { enabled: false },
        textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
        tooltip: { confine: true, formatter: tooltip },
        series: [{
          type: "treemap", name: ROOT, data: seriesData(tree_.root.children),
          animation: !reduced, /* the treemap's own transitions too */
          /* One level at a time; a tile's click is this script's (below):
             one way to change levels, whatever asked for it. */
          leafDepth: 1, nodeClick: false, roam: false,
          breadcrumb: { show: false }, /* the HTML path is the breadcrumb */
          left: 0, top: 0, right: 0, bottom: 0,
          squareRatio: 1, /* squares: room for the labels */
          drillDownIcon: "▶", /* before the name of a tile that has a detail */
          label: { show: true, formatter: label, color: "#fff", fontSize: 13, lineHeight: 16,
                   overflow: "break", lineOverflow: "truncate", ellipsis: "…" },
          upperLabel: { show: false },
          itemStyle: { borderColor: "#fff", borderWidth: 0, gapWidth: 2 },
          emphasis: { itemStyle: { borderColor: "#1d2329", borderWidth: 2 } }
        }]
      });
      chart.on("click", function (params) {
        var node = tree_.nodes[params.data && params.data.id];
        if (node && hasDetail(node)) { self.show(node, false); }
      });
      if (window.ResizeObserver) {
        new ResizeObserver(function () {
          if (chart.getWidth() !== canvas.clientWidth || chart.getHeight() !== canvas.clientHeight) { chart.resize(); }
        }).observe(canvas);
      }
    }

    figure.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && current.issyParent) {
        event.preventDefault();
        self.show(current.issyParent, true);
      }
    });

    /* The table, path and summary at once (the keyboard's way through the
       levels); the chart when the figure comes near the screen, at the
       level the visitor has reached by then. */
    this.show(tree_.root, false);
    whenNear(figure, function () {
      try {
        draw();
        if (current !== tree_.root) { self.show(current, false); }
      } catch (error) {
        if (chart) { chart.dispose(); chart = null; }
        canvas.hidden = true;
        F.part(figure, "alert").replaceChildren(F.element("p", words.error));
      }
      figure.setAttribute("data-state", chart ? "drawn" : "error");
    });
  }

  /* Each report of the page ----------------------------------------------- */

  /* A treemap is drawn when it comes near the screen, not with the page:
     drawing all of them at once held a phone's main thread for a third of a
     second (Lighthouse's mobile run), for charts far below the key figures. */
  function whenNear(figure, draw) {
    if (!window.IntersectionObserver) { draw(); return; }
    figure.setAttribute("data-state", "waiting");
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        observer.disconnect();
        draw();
      }
    }, { rootMargin: "200px 0px" });
    observer.observe(figure);
  }

  function json(root, role) {
    var block = root.querySelector(":scope > script[data-role=" + role + "]");
    return block ? JSON.parse(block.textContent) : null;
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-issy-budget]"), function (root) {
    var report = json(root, "budget");
    var words = json(root, "words");
    if (!report || !words) { return; }
    var formats = new Formats();
    Array.prototype.forEach.call(root.querySelectorAll("figure[data-tree]"), function (figure) {
      var tree = (report.trees || []).filter(function (t) { return t.id === figure.getAttribute("data-tree"); })[0];
      if (tree) { figure.issyBreakdown = new Breakdown(figure, tree, words, formats); }
    });
  });
}(window, document));
