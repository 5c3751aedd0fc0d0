// A paper page's print button: shown only where a script can print.
(function () {
  'use strict';
  var button = document.getElementById('paper-print');
  if (!button || !window.print) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    window.print();
  });
})();
