/* What a map's marks mean, for map.js: the answer of the data endpoint
   read as features and the fields a reader sees, the colour classes (the
   most frequent values, or quantiles of numbers and dates), the markers'
   sizes, and what the figure says of them in words: the legend and the
   one-sentence summary. Loaded before map.js (webassets issy_map/map);
   Leaflet (L.latLng) and format.js (window.IssyFormat) before it.

   window.IssyMapClasses = { RADIUS, read(spec, result, labels), legend(figure,
   spec, model, labels), summary(spec, result, drawn, labels) }: read gives
   the model map.js draws, {features, fields, scheme (colour classes, or
   null), size (radii, or null)}. */
(function (window, document) {
  "use strict";

  var F = window.IssyFormat;
  var L = window.L;
  /* Five classes of one hue, light to dark, each at least 3:1 on white and
     on the plain background (WCAG 1.4.11). */
  var SEQUENTIAL = ["#3f8fa6", "#2b7390", "#1c5a7c", "#154366", "#0c2c4d"];
  var OTHERS = "#767676";
  var NO_VALUE = "#ffffff";
  var MAX_CLASSES = 8;
  var RADIUS = { plain: 6, min: 3, max: 18 };

  /* The answer as a list of features ------------------------------------ */

  /* A value's kind when the answer does not say it (GeoJSON properties). */
  function kindOf(value) {
    if (typeof value === "number") { return "number"; }
    if (typeof value === "boolean") { return "bool"; }
    return "text";
  }

  /* Each feature: {latlng (a point) or geometry (an area), values: {field
     id: value}}. Points come as [lon, lat, value of each field...]. */
  function pointFeatures(result) {
    var types = {};
    result.fields.forEach(function (field) { types[field.id] = field.type; });
    return {
      types: types,
      features: result.points.map(function (point) {
        var values = {};
        result.fields.forEach(function (field, i) { values[field.id] = point[i + 2]; });
        return { latlng: L.latLng(point[1], point[0]), values: values };
      })
    };
  }

  function geojsonFeatures(result) {
    var types = {};
    var features = result.features.filter(function (feature) { return feature && feature.geometry; })
      .map(function (feature) {
        var values = feature.properties || {};
        Object.keys(values).forEach(function (key) {
          if (!types[key] && values[key] !== null && values[key] !== undefined) { types[key] = kindOf(values[key]); }
        });
        return { geojson: feature, values: values };
      });
    return { types: types, features: features };
  }

  /* The fields a reader sees, each once: the popup's, then the colour's and
     the size's; with none, the position (points) or a few properties. */
  function columns(spec, types, features) {
    var seen = {};
    var list = [];
    function add(field, type) {
      if (!field || seen[field.id]) { return; }
      seen[field.id] = true;
      list.push({ id: field.id, label: field.label, type: type || types[field.id] || "text" });
    }
    (spec.popup || []).forEach(function (field) { add(field); });
    add(spec.color, spec.color && (spec.color.kind || types[spec.color.id]));
    add(spec.size, "number");
    if (!list.length && features.length && features[0].geojson) {
      Object.keys(features[0].values).slice(0, 3).forEach(function (key) { add({ id: key, label: key }); });
    }
    return list;
  }

  /* Colour classes ------------------------------------------------------- */

  function isEmpty(value) { return value === null || value === undefined || value === ""; }

  function toNumber(value, kind) {
    if (isEmpty(value)) { return null; }
    if (kind === "date") {
      var date = F.parseDate(value);
      return date ? date.getTime() : null;
    }
    var number = typeof value === "number" ? value : Number(value);
    return isFinite(number) ? number : null;
  }

  /* Up to MAX_CLASSES values, the most frequent first, then "others". */
  function categoricalClasses(features, field, labels, words) {
    var counts = {};
    var order = [];
    features.forEach(function (f) {
      var value = f.values[field.id];
      if (isEmpty(value)) { return; }
      var key = String(value);
      if (!counts[key]) { counts[key] = { value: value, count: 0 }; order.push(key); }
      counts[key].count += 1;
    });
    order.sort(function (a, b) { return counts[b].count - counts[a].count || (a < b ? -1 : a > b ? 1 : 0); });
    if (field.kind === "bool") { /* yes, then no */
      order.sort(function (a, b) { return (counts[b].value ? 1 : 0) - (counts[a].value ? 1 : 0); });
    }
    var kept = order.length > MAX_CLASSES ? order.slice(0, MAX_CLASSES - 1) : order;
    var classes = kept.map(function (key, i) {
      return { label: labels.label(counts[key].value, { type: field.kind }), color: F.PALETTE[i], count: 0 };
    });
    var others = kept.length < order.length
      ? { label: words.others, color: OTHERS, count: 0 } : null;
    if (others) { classes.push(others); }
    return {
      classes: classes,
      classOf: function (value) {
        if (isEmpty(value)) { return null; }
        var i = kept.indexOf(String(value));
        return i >= 0 ? classes[i] : others;
      }
    };
  }

  /* Five quantile classes (fewer when the values are fewer), light to dark. */
  function orderedClasses(features, field, labels) {
    var values = features.map(function (f) { return toNumber(f.values[field.id], field.kind); })
      .filter(function (v) { return v !== null; }).sort(function (a, b) { return a - b; });
    if (!values.length) { return { classes: [], classOf: function () { return null; } }; }
    var breaks = [];
    for (var q = 1; q < SEQUENTIAL.length; q += 1) {
      var at = values[Math.min(values.length - 1, Math.floor(q * values.length / SEQUENTIAL.length))];
      if (at > values[0] && breaks.indexOf(at) < 0) { breaks.push(at); }
    }
    function index(v) {
      for (var i = 0; i < breaks.length; i += 1) { if (v < breaks[i]) { return i; } }
      return breaks.length;
    }
    function say(v) {
      return field.kind === "date" ? labels.date(new Date(v)) : labels.number(v);
    }
    /* Each class says the smallest and largest value it holds: no two
       classes share a bound. */
    var classes = SEQUENTIAL.slice(SEQUENTIAL.length - breaks.length - 1).map(function (color) {
      return { color: color, count: 0, low: null, high: null };
    });
    values.forEach(function (v) {
      var cls = classes[index(v)];
      if (cls.low === null) { cls.low = v; }
      cls.high = v;
    });
    classes.forEach(function (cls) {
      cls.label = cls.low === cls.high ? say(cls.low) : say(cls.low) + " – " + say(cls.high);
    });
    return {
      classes: classes,
      classOf: function (value) {
        var v = toNumber(value, field.kind);
        return v === null ? null : classes[index(v)];
      }
    };
  }

  function colouring(spec, features, labels) {
    var field = spec.color;
    if (!field) { return null; }
    var ordered = field.kind === "number" || field.kind === "date";
    var scheme = ordered ? orderedClasses(features, field, labels)
      : categoricalClasses(features, field, labels, spec.text);
    scheme.field = field;
    scheme.missing = { label: spec.text.no_value, color: NO_VALUE, count: 0 };
    return scheme;
  }

  /* Radius by size on a square-root scale: a marker's area follows its value. */
  function sizing(spec, features) {
    var field = spec.size;
    if (!field) { return null; }
    var max = 0;
    features.forEach(function (f) {
      var v = toNumber(f.values[field.id], "number");
      if (v !== null) { max = Math.max(max, Math.abs(v)); }
    });
    return {
      field: field, max: max,
      radius: function (value) {
        var v = toNumber(value, "number");
        if (v === null || !max) { return RADIUS.min; }
        return Math.max(RADIUS.min, RADIUS.max * Math.sqrt(Math.abs(v) / max));
      }
    };
  }

  /* The model of one drawing: the answer's features, the fields a reader
     sees, the colour classes and the sizes. */
  function read(spec, result, labels) {
    var shaped = spec.source === "points" ? pointFeatures(result) : geojsonFeatures(result);
    return {
      features: shaped.features,
      fields: columns(spec, shaped.types, shaped.features),
      scheme: colouring(spec, shaped.features, labels),
      size: sizing(spec, shaped.features)
    };
  }

  /* Legend and summary ---------------------------------------------------- */

  function legend(figure, spec, model, labels) {
    var box = F.part(figure, "legend");
    var nodes = [];
    var scheme = model.scheme;
    if (scheme) {
      var items = scheme.classes.concat(scheme.missing.count ? [scheme.missing] : []);
      nodes.push(F.element("p", scheme.field.label, { "class": "issy-map-legend-title" }));
      var list = document.createElement("ul");
      items.forEach(function (item) {
        var li = document.createElement("li");
        var swatch = F.element("span", "", { "class": "issy-map-swatch", "aria-hidden": "true" });
        swatch.style.backgroundColor = item.color;
        if (item === scheme.missing) { swatch.classList.add("issy-map-swatch-empty"); }
        if (spec.source !== "points") { swatch.classList.add("issy-map-swatch-area"); }
        li.appendChild(swatch);
        li.appendChild(document.createTextNode(item.label + " (" + labels.number(item.count) + ")"));
        list.appendChild(li);
      });
      nodes.push(list);
    }
    if (model.size && model.size.max) {
      nodes.push(sizeLegend(spec, model.size, labels));
    }
    if (nodes.length) { nodes.unshift(F.element("p", spec.text.legend, { "class": "issy-map-legend-heading" })); }
    box.replaceChildren.apply(box, nodes);
    box.hidden = !nodes.length;
  }

  /* Two reference circles: the largest value and a quarter of it. */
  function sizeLegend(spec, size, labels) {
    var block = document.createElement("div");
    block.appendChild(F.element("p", size.field.label, { "class": "issy-map-legend-title" }));
    var list = document.createElement("ul");
    [size.max, size.max / 4].forEach(function (value) {
      var li = document.createElement("li");
      var r = size.radius(value);
      var circle = F.element("span", "", { "class": "issy-map-size", "aria-hidden": "true" });
      circle.style.width = circle.style.height = 2 * r + "px";
      li.appendChild(circle);
      li.appendChild(document.createTextNode(labels.number(value)));
      list.appendChild(li);
    });
    block.appendChild(list);
    return block;
  }

  function summary(spec, result, drawn, labels) {
    var words = spec.text;
    var n = labels.number;
    var sentences = [];
    if (spec.source === "points") {
      sentences.push(F.fill(F.plural(words.summary_points, drawn), { count: n(drawn) }));
      if (result.truncated) {
        sentences.push(F.fill(words.summary_truncated, { count: n(drawn), total: n(result.total) }));
      }
    } else {
      sentences.push(F.fill(F.plural(words.summary_features, drawn), { count: n(drawn) }));
      if (result.join) {
        sentences.push(F.fill(words.summary_join, {
          matched: n(result.join.matched || 0), unmatched: n(result.join.unmatched_features || 0)
        }));
      }
    }
    /* Rows without coordinates, or features without a geometry. */
    var skipped = spec.source === "points" ? words.summary_skipped : words.summary_skipped_features;
    if (result.skipped) {
      sentences.push(F.fill(F.plural(skipped, result.skipped), { count: n(result.skipped) }));
    }
    return sentences.join(" ");
  }

  window.IssyMapClasses = { RADIUS: RADIUS, read: read, legend: legend, summary: summary };
}(window, document));
