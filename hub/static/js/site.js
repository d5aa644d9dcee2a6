// Every page: after a failed submit, move focus (and the view) to the error summary, so that
// a phone user sees what to fix instead of the top of a long page. The page works without this.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }
})();
