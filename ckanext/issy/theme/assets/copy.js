/* "Copy" buttons of the API examples: copy the text of the <code> the
   button names (aria-controls), then say so in a live region. */
"use strict";
ckan.module("issy-copy", function ($) {
  return {
    options: { done: "" },
    initialize: function () {
      var button = this.el[0];
      var done = this.options.done;
      var status = button.parentNode.querySelector("[role=status]");
      button.hidden = !navigator.clipboard;
      button.addEventListener("click", function () {
        var code = document.getElementById(button.getAttribute("aria-controls"));
        navigator.clipboard.writeText(code.textContent).then(function () {
          status.textContent = done;
        });
      });
    }
  };
});
