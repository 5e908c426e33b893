/* The maps of the issy_map view, the embed page and the Créer page.

   Each <figure data-issy-map> holds its specification in a JSON block (the
   data endpoint and its parameters, the fields that colour, size and fill
   the popups, the base map, the commune's outline and the page's
   translated words). The figure asks the endpoint (/api/issy/points or
   /api/issy/geojson: bounded answers, never a whole table), then draws,
   from the same answer: the map (Leaflet, SVG renderer: circle markers,
   clustered when many, or the GeoJSON areas), its legend, a one-sentence
   summary and the data table, whose rows each show their feature on the
   map. Numbers and dates are written as the page's language writes them
   (format.js). An error of the API is said in the figure's alert region.
   Without tiles (none configured, or the provider down: the relay answers
   204) the data is drawn on a plain background, with no error.

   window.IssyMap = {render(figure, spec), fail(figure, message),
   readSpec(figure)}: the interface of window.IssyChart (builder.js calls
   either). When drawn, figure.dataset.state is "drawn" and
   figure.dataset.drawn the number of markers and areas (clustered ones
   included). */
(function (window, document) {
  "use strict";

  var F = window.IssyFormat; /* format.js: the words, formats, the figure's life */
  var C = window.IssyMapClasses; /* classes.js: features, classes, legend, summary */
  var L = window.L;
  var ISSY = { center: [48.8246, 2.2706], zoom: 14 };
  var CLUSTER_ABOVE = 200;
  var TABLE_ROWS = 1000;
  var RADIUS = C.RADIUS;
  var MAX_ZOOM = 19; /* without tiles; a base map says its own */

  function reducedMotion() {
    return Boolean(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  var part = F.part;

  /* Marks ------------------------------------------------------------------ */

  function styleOf(feature, scheme, size) {
    var cls = scheme ? scheme.classOf(feature.values[scheme.field.id]) || scheme.missing : null;
    if (cls) { cls.count += 1; }
    var missing = cls === (scheme && scheme.missing);
    return {
      radius: size ? size.radius(feature.values[size.field.id]) : RADIUS.plain,
      fillColor: cls ? cls.color : F.PALETTE[0],
      /* A white ring parts overlapping markers; a marker without a value is
         a ring of the text's grey. */
      color: missing ? "#4d5761" : "#ffffff",
      weight: missing ? 2 : 1,
      fillOpacity: 0.9,
      opacity: 1
    };
  }

  function areaStyle(style) {
    return { fillColor: style.fillColor, fillOpacity: 0.75, color: "#1d2329", weight: 1, opacity: 0.9 };
  }

  function popupHtml(feature, fields, labels) {
    return "<dl class=\"issy-map-popup\">" + fields.map(function (field) {
      return "<dt>" + F.escapeHtml(field.label) + "</dt><dd>"
        + F.escapeHtml(labels.label(feature.values[field.id], field)) + "</dd>";
    }).join("") + "</dl>";
  }

  /* The layers of one drawing, and the count of features drawn. */
  function marks(spec, model, labels, renderer) {
    var layers = [];
    model.features.forEach(function (feature) {
      var style = styleOf(feature, model.scheme, model.size);
      var layer;
      if (feature.latlng) {
        style.renderer = renderer;
        layer = L.circleMarker(feature.latlng, style);
      } else {
        layer = L.geoJSON(feature.geojson, {
          renderer: renderer,
          style: function () { return areaStyle(style); },
          pointToLayer: function (point, latlng) { return L.circleMarker(latlng, style); }
        });
      }
      if (model.fields.length) {
        /* Written when opened: thousands of markers cost no HTML up front. */
        layer.bindPopup(function () { return popupHtml(feature, model.fields, labels); },
                        { autoPanPadding: [16, 16] });
      }
      feature.layer = layer;
      layers.push(layer);
    });
    return layers;
  }

  function clusterIcon(spec, labels) {
    return function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 100 ? 36 : count < 1000 ? 44 : 52;
      var html = "<span aria-hidden=\"true\">" + F.escapeHtml(labels.number(count)) + "</span>"
        + "<span class=\"visually-hidden\">" + F.escapeHtml(F.fill(spec.text.summary_points, { count: labels.number(count) })) + "</span>";
      return L.divIcon({ html: html, className: "issy-map-cluster", iconSize: L.point(size, size) });
    };
  }

  /* The map itself --------------------------------------------------------- */

  /* One Leaflet map per figure, made once and kept across drawings (the
     builder redraws after each change): its data layer is replaced. */
  function ensureMap(figure, spec) {
    var canvas = part(figure, "canvas");
    var state = figure.issyMap;
    var reduced = reducedMotion();
    if (!state) {
      var map = L.map(canvas, {
        center: ISSY.center, zoom: ISSY.zoom, maxZoom: MAX_ZOOM, renderer: L.svg(), preferCanvas: false,
        zoomControl: false, attributionControl: false, keyboard: true,
        zoomAnimation: !reduced, fadeAnimation: !reduced, markerZoomAnimation: !reduced, inertia: !reduced
      });
      L.control.zoom({
        zoomInTitle: spec.text.zoom_in, zoomOutTitle: spec.text.zoom_out
      }).addTo(map);
      fitControl(figure).addTo(map);
      var attribution = L.control.attribution({ prefix: false }).addTo(map);
      map.createPane("issyBoundary").style.zIndex = 350; /* under the data (400) */
      state = figure.issyMap = {
        map: map, attribution: attribution, tiles: null, tilesUrl: null,
        boundary: null, boundaryUrl: null, data: null, features: [],
        boundaryRenderer: L.svg({ pane: "issyBoundary" })
      };
      /* Leaflet's popup close button says "Close popup": in the page's words. */
      map.on("popupopen", function (event) {
        var button = event.popup.getElement().querySelector(".leaflet-popup-close-button");
        var words = figure.issySpec.text;
        if (button) { button.setAttribute("aria-label", words.close); }
      });
      if (window.ResizeObserver) {
        new ResizeObserver(function () { map.invalidateSize({ animate: false }); }).observe(canvas);
      }
    }
    state.spec = spec;
    canvas.setAttribute("role", "region");
    canvas.setAttribute("aria-label", spec.title);
    tiles(state, spec);
    return state;
  }

  /* A button under the zoom buttons: the whole data in view again. */
  function fitControl(figure) {
    var Fit = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var bar = L.DomUtil.create("div", "leaflet-bar leaflet-control issy-map-fit");
        var button = L.DomUtil.create("button", "", bar);
        var words = figure.issySpec.text;
        button.type = "button";
        button.title = words.fit;
        button.setAttribute("aria-label", words.fit);
        button.innerHTML = "<span aria-hidden=\"true\">\u2922</span>";
        L.DomEvent.disableClickPropagation(bar);
        L.DomEvent.on(button, "click", function () {
          var state = figure.issyMap;
          if (state && state.result) { fitView(state, state.result, !reducedMotion()); }
        });
        return bar;
      }
    });
    return new Fit();
  }

  /* The base map, when the spec has one: a tile that does not come (the
     relay answers 204 when the provider is down) leaves the background. */
  function tiles(state, spec) {
    var wanted = spec.tiles ? spec.tiles.url : null;
    if (wanted === state.tilesUrl) { return; }
    if (state.tiles) {
      state.map.removeLayer(state.tiles);
      state.tiles = null;
    }
    state.tilesUrl = wanted;
    state.map.getContainer().classList.toggle("issy-map-plain", !wanted);
    state.map.setMaxZoom(wanted && spec.tiles.max_zoom || MAX_ZOOM);
    if (!wanted) { return; }
    state.tiles = L.tileLayer(wanted, {
      attribution: F.escapeHtml(F.fill(spec.text.attribution, { attribution: spec.tiles.attribution || "" })),
      maxZoom: spec.tiles.max_zoom || MAX_ZOOM, subdomains: spec.tiles.subdomains || "abc", errorTileUrl: ""
    }).addTo(state.map);
  }

  /* The commune's outline: grey, under the data, never in the way. A
     failure only leaves it out. */
  function boundary(state, spec) {
    var url = spec.boundary ? F.apiUrl(spec.boundary.api, spec.boundary.params) : null;
    if (url === state.boundaryUrl) { return Promise.resolve(); }
    if (state.boundary) { state.map.removeLayer(state.boundary); state.boundary = null; }
    state.boundaryUrl = url;
    if (!url) { return Promise.resolve(); }
    return F.getJson(url, spec.text).then(function (result) {
      if (state.boundaryUrl !== url) { return; }
      state.boundary = L.geoJSON(result, {
        pane: "issyBoundary", renderer: state.boundaryRenderer, interactive: false,
        style: function () { return { color: "#4d5761", weight: 2, opacity: 0.9, fill: false, dashArray: "6 4" }; }
      }).addTo(state.map);
    }, function () { state.boundaryUrl = null; });
  }

  function fitView(state, result, animate) {
    var map = state.map;
    var bounds = result.bounds && L.latLngBounds(result.bounds);
    if (!bounds || !bounds.isValid()) { bounds = state.boundary && state.boundary.getBounds(); }
    if (bounds && bounds.isValid()) {
      map.fitBounds(bounds, { padding: [16, 16], maxZoom: 17, animate: Boolean(animate) });
    } else {
      map.setView(ISSY.center, ISSY.zoom, { animate: Boolean(animate) });
    }
  }

  /* Table ------------------------------------------------------------------ */

  function table(figure, spec, model, labels) {
    var element = part(figure, "table");
    var fields = model.fields.length ? model.fields
      : [{ id: "_lat", label: spec.text.latitude, type: "number" }, { id: "_lon", label: spec.text.longitude, type: "number" }];
    var caption = element.querySelector("caption");
    var listed = model.features.slice(0, TABLE_ROWS);
    caption.textContent = spec.title;
    if (listed.length < model.features.length) {
      caption.appendChild(F.element("span", F.fill(spec.text.table_truncated, { count: labels.number(listed.length) }),
                                    { "class": "issy-map-table-note" }));
    }
    var head = document.createElement("tr");
    fields.forEach(function (field) { head.appendChild(F.element("th", field.label, { scope: "col" })); });
    head.appendChild(F.element("th", spec.text.show_on_map, { scope: "col" }));
    element.querySelector("thead").replaceChildren(head);
    var body = element.querySelector("tbody");
    body.replaceChildren.apply(body, listed.map(function (feature, index) {
      var tr = document.createElement("tr");
      fields.forEach(function (field, i) {
        var value = field.id === "_lat" ? feature.latlng.lat : field.id === "_lon" ? feature.latlng.lng : feature.values[field.id];
        var attributes = i ? {} : { scope: "row" };
        if (field.type === "number") { attributes["class"] = "text-end"; }
        tr.appendChild(F.element(i ? "td" : "th", labels.label(value, field), attributes));
      });
      var td = document.createElement("td");
      td.appendChild(F.element("button", spec.text.show_on_map, {
        type: "button", "class": "btn btn-link issy-map-show", "data-index": String(index)
      }));
      tr.appendChild(td);
      return tr;
    }));
  }

  /* "Show on map": the feature in view, its popup open, the map on screen. */
  function showFeature(figure, index) {
    var state = figure.issyMap;
    var feature = state && state.features[index];
    if (!feature) { return; }
    var layer = feature.layer;
    var animate = !reducedMotion();
    function open() { layer.openPopup(); }
    part(figure, "canvas").scrollIntoView({ block: "nearest", behavior: animate ? "smooth" : "auto" });
    if (feature.latlng && state.data.zoomToShowLayer) {
      state.data.zoomToShowLayer(layer, open);
      return;
    }
    if (feature.latlng) {
      state.map.setView(feature.latlng, Math.max(state.map.getZoom(), 16), { animate: animate });
    } else {
      state.map.fitBounds(layer.getBounds(), { padding: [16, 16], maxZoom: 17, animate: animate });
    }
    open();
  }

  /* Drawing ------------------------------------------------------------------ */

  function clearData(state) {
    if (state && state.data) {
      state.map.closePopup();
      state.map.removeLayer(state.data);
      state.data = null;
      state.features = [];
    }
  }

  /* The data and the legend taken away, then what every figure says of an
     error. */
  function showError(figure, spec, message) {
    clearData(figure.issyMap);
    part(figure, "legend").hidden = true;
    F.showError(figure, spec, message);
    figure.removeAttribute("data-drawn");
  }

  function clusterGroup(spec, labels, done) {
    return L.markerClusterGroup({
      /* Thousands are grouped in slices of 50 ms: a phone keeps answering. */
      chunkedLoading: true, chunkInterval: 50, chunkDelay: 1,
      chunkProgress: function (processed, total) { if (processed === total) { window.setTimeout(done, 0); } },
      showCoverageOnHover: false, spiderfyOnMaxZoom: true, maxClusterRadius: 60,
      animate: !reducedMotion(), animateAddingMarkers: false,
      iconCreateFunction: clusterIcon(spec, labels)
    });
  }

  function draw(figure, spec, result, ticket) {
    /* yes and no: a true/false column's values (shown as they come until the
       spec has the words). */
    var labels = new F.Labels({ empty: spec.text.no_value, yes: spec.text.yes, no: spec.text.no });
    var model = C.read(spec, result, labels);
    var canvas = part(figure, "canvas");
    F.say(figure, spec, "");
    part(figure, "caption").textContent = spec.title;
    canvas.hidden = false;
    var state = ensureMap(figure, spec);
    state.map.invalidateSize({ animate: false });
    clearData(state);
    var layers = marks(spec, model, labels, state.map.options.renderer);
    var clustered = spec.cluster && spec.source === "points" && layers.length > CLUSTER_ABOVE;
    function finish() {
      if (figure.issyTicket !== ticket) { return; }
      figure.setAttribute("data-drawn", String(layers.length));
      figure.setAttribute("data-state", "drawn");
    }
    state.data = (clustered ? clusterGroup(spec, labels, finish) : L.featureGroup()).addTo(state.map);
    state.features = model.features;
    state.result = result;
    fitView(state, result);
    C.legend(figure, spec, model, labels);
    part(figure, "summary").textContent = C.summary(spec, result, layers.length, labels);
    /* The table, then the marks, each in a task of its own: the page
       answers a tap in between. */
    later(figure, ticket, function () {
      table(figure, spec, model, labels);
      part(figure, "details").hidden = !layers.length;
      later(figure, ticket, function () {
        if (clustered) {
          state.data.addLayers(layers);
        } else {
          layers.forEach(function (layer) { state.data.addLayer(layer); });
          finish();
        }
      });
    });
  }

  /* work, in a later task, unless the figure was asked for again since. */
  function later(figure, ticket, work) {
    window.setTimeout(function () { if (figure.issyTicket === ticket) { work(); } }, 0);
  }

  /* The data, with the commune's outline (asked at the same time). */
  function load(figure, spec) {
    part(figure, "canvas").hidden = false;
    var state = ensureMap(figure, spec);
    var outline = boundary(state, spec);
    return Promise.all([F.getJson(F.apiUrl(spec.api, spec.params), spec.text), outline])
      .then(function (answers) { return answers[0]; });
  }

  var drawer = F.drawer({ load: load, draw: draw, showError: showError });

  function start(figure) {
    figure.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("button.issy-map-show");
      if (button) { showFeature(figure, Number(button.getAttribute("data-index"))); }
    });
    drawer.render(figure);
  }

  window.IssyMap = { render: drawer.render, fail: drawer.fail, readSpec: F.readSpec };
  Array.prototype.forEach.call(document.querySelectorAll("figure[data-issy-map]"), start);
}(window, document));
