/* Loads CKAN's scripts and its last stylesheets (icons, select2) once the
   page has been painted and loaded (theme/helpers.py, issy_deferred_assets):
   on a phone the text shows first and nothing competes with it for the
   network or the processor. Inlined in every page; kept small. */
(function (window, document) {
  "use strict";
  var assets = JSON.parse(document.getElementById("issy-deferred-assets").textContent);
  var started = false;
  var painted = false;

  /* Scripts written for a page still loading may wait for "load" or
     "DOMContentLoaded", which have fired by now: such listeners run at once
     (asynchronously, as the events would), while the late scripts load. */
  function lateEvents(target) {
    var add = target.addEventListener;
    target.addEventListener = function (type, listener, options) {
      var fired = type === "load" ? document.readyState === "complete"
        : type === "DOMContentLoaded" && document.readyState !== "loading";
      if (!fired || !listener) {
        return add.call(this, type, listener, options);
      }
      var self = this;
      window.setTimeout(function () {
        var event = new Event(type);
        if (typeof listener === "function") { listener.call(self, event); } else { listener.handleEvent(event); }
      }, 0);
    };
    return function () { target.addEventListener = add; };
  }

  function start() {
    if (started) { return; }
    started = true;
    var restore = [lateEvents(window), lateEvents(document)];
    assets.styles.forEach(function (href) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      document.head.appendChild(link);
    });
    var last = null;
    assets.scripts.forEach(function (src) {
      var script = document.createElement("script");
      script.src = src;
      script.async = false; /* executed in CKAN's order */
      document.body.appendChild(script);
      last = script;
    });
    function done() {
      restore.forEach(function (undo) { undo(); });
      document.documentElement.setAttribute("data-issy-scripts", "loaded");
    }
    if (last) { last.addEventListener("load", done); last.addEventListener("error", done); } else { done(); }
  }

  /* htmx and others initialise on a complete document: wait for "load" too. */
  function maybeStart() {
    if (painted && document.readyState === "complete") { start(); }
  }
  function paintedNow() { painted = true; maybeStart(); }

  window.addEventListener("load", function () {
    maybeStart();
    window.setTimeout(paintedNow, 3000); /* in case no paint is ever reported */
  });
  if (document.visibilityState === "hidden") {
    paintedNow(); /* a background tab paints nothing until shown */
  } else if (window.PerformanceObserver && (PerformanceObserver.supportedEntryTypes || []).indexOf("paint") >= 0) {
    new PerformanceObserver(function (list, observer) {
      if (list.getEntriesByName("first-contentful-paint").length) {
        observer.disconnect();
        paintedNow();
      }
    }).observe({type: "paint", buffered: true});
  } else {
    window.requestAnimationFrame(function () { window.setTimeout(paintedNow, 0); });
  }
}(window, document));
