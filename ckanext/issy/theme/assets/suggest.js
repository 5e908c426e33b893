/* Suggestions under the home search bar: dataset titles from CKAN's
   package_autocomplete action, in a native <datalist> so that browsers and
   screen readers present them as they present any other suggestions.
   Without JavaScript the form is an ordinary search form. */
"use strict";
ckan.module("issy-suggest", function ($) {
  return {
    options: { url: "", list: "" },
    initialize: function () {
      var input = this.el[0];
      var list = document.getElementById(this.options.list);
      var url = this.options.url;
      var timer = null;
      var last = "";
      input.addEventListener("input", function () {
        var term = input.value.trim();
        clearTimeout(timer);
        if (term.length < 2 || term === last) { return; }
        timer = setTimeout(function () {
          last = term;
          fetch(url + "?q=" + encodeURIComponent(term) + "&limit=8", { headers: { Accept: "application/json" } })
            .then(function (response) { return response.ok ? response.json() : { result: [] }; })
            .then(function (data) {
              list.replaceChildren.apply(list, (data.result || []).map(function (item) {
                var option = document.createElement("option");
                option.value = item.title || item.name;
                return option;
              }));
            })
            .catch(function () { /* suggestions are a convenience: the search still works */ });
        }, 200);
      });
    }
  };
});
