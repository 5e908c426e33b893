/* CKAN's "Filter results" and "close" links open and close the search
   filters on phones, but have no href: the keyboard could not reach them.
   They become buttons for the keyboard and screen readers; CKAN's own script
   still does the opening and closing. htmx re-renders them after a search. */
(function () {
  var TOGGLES = 'a.show-filters:not([href]), a.hide-filters:not([href])';

  function asButtons() {
    document.querySelectorAll(TOGGLES).forEach(function (link) {
      link.setAttribute('role', 'button');
      link.setAttribute('tabindex', '0');
    });
  }

  document.addEventListener('keydown', function (event) {
    var link = event.target.closest && event.target.closest(TOGGLES);
    if (link && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      link.click();
    }
  });
  document.addEventListener('htmx:afterSettle', asButtons);
  asButtons();
})();
