// Sluice web console: the little the pages need beyond HTML. Every page works without it;
// this adds copy buttons, confirmations, the QRIS countdown and the order-status poll.
(function () {
  "use strict";

  var live = document.getElementById("live");
  function announce(text) {
    if (live) live.textContent = text;
  }

  // Controls that only work with script are hidden in the markup and shown here.
  document.querySelectorAll("[data-js]").forEach(function (el) {
    el.hidden = false;
  });

  document.addEventListener("click", function (e) {
    var target = e.target instanceof Element ? e.target.closest("[data-copy-target]") : null;
    if (target) {
      var input = document.getElementById(target.getAttribute("data-copy-target"));
      if (!input) return;
      var done = function () {
        announce("Copied to the clipboard.");
        target.textContent = "Copied";
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () {
          input.select();
          announce("Select the key and copy it.");
        });
      } else {
        input.select();
        try {
          document.execCommand("copy");
          done();
        } catch (err) {
          announce("Select the key and copy it.");
        }
      }
      return;
    }
    var print = e.target instanceof Element ? e.target.closest("[data-print]") : null;
    if (print) window.print();
  });

  document.addEventListener("submit", function (e) {
    var form = e.target;
    var question = form instanceof HTMLFormElement ? form.getAttribute("data-confirm") : null;
    if (question && !window.confirm(question)) e.preventDefault();
  });

  // "12:34 left" until a QRIS code expires.
  document.querySelectorAll("[data-expires-at]").forEach(function (el) {
    var end = Date.parse(el.getAttribute("data-expires-at"));
    if (isNaN(end)) return;
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var m = Math.floor(left / 60);
      var s = left % 60;
      el.textContent = left > 0 ? m + ":" + (s < 10 ? "0" : "") + s + " left" : "expired";
      if (left > 0) setTimeout(tick, 1000);
    }
    tick();
  });

  // A pending order polls its status; once it changes, the page reloads into its final state.
  var order = document.querySelector("[data-order-poll]");
  if (order) {
    var url = order.getAttribute("data-order-poll");
    var status = order.getAttribute("data-status");
    var label = document.querySelector("[data-order-status]");
    var started = Date.now();
    var poll = function () {
      fetch(url, { headers: { accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) {
          return r.ok ? r.json() : null;
        })
        .then(function (body) {
          if (body && body.status && body.status !== status) {
            status = body.status;
            if (label) label.textContent = body.status_label || body.status;
            announce("Order " + (body.status_label || body.status) + ".");
            setTimeout(function () {
              window.location.reload();
            }, 800);
            return;
          }
          // Half an hour covers any QRIS expiry; after that the page stops asking.
          if (Date.now() - started < 30 * 60 * 1000) setTimeout(poll, 2000);
        })
        .catch(function () {
          setTimeout(poll, 5000);
        });
    };
    setTimeout(poll, 1500);
  }
})();
