// Drawn signatures: a pad under the typed name on forms that take a signature
// (templates/partials/signature.html). Without this file the typed name and the
// confirmation still sign; with it the drawing goes along as a PNG data URL.
(function () {
  'use strict';
  Array.prototype.forEach.call(document.querySelectorAll('[data-signature]'), function (pad) {
    var canvas = pad.querySelector('canvas');
    var field = pad.querySelector('input[name="sign_drawing"]');
    var clear = pad.querySelector('[data-signature-clear]');
    if (!canvas || !field || !canvas.getContext) return;
    var g = canvas.getContext('2d');
    g.lineWidth = 2.5;
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.strokeStyle = '#111';
    var drawing = false;
    var inked = false;

    function point(e) {
      var r = canvas.getBoundingClientRect();
      return {
        x: (e.clientX - r.left) * (canvas.width / r.width),
        y: (e.clientY - r.top) * (canvas.height / r.height)
      };
    }
    canvas.addEventListener('pointerdown', function (e) {
      drawing = true;
      canvas.setPointerCapture(e.pointerId);
      var p = point(e);
      g.beginPath();
      g.moveTo(p.x, p.y);
      e.preventDefault();
    });
    canvas.addEventListener('pointermove', function (e) {
      if (!drawing) return;
      var p = point(e);
      g.lineTo(p.x, p.y);
      g.stroke();
      inked = true;
    });
    function done() {
      if (!drawing) return;
      drawing = false;
      if (inked) field.value = canvas.toDataURL('image/png');
    }
    canvas.addEventListener('pointerup', done);
    canvas.addEventListener('pointercancel', done);
    // A form shown again (a field to correct) keeps the drawing it was sent with.
    if (/^data:image\/png;base64,/.test(field.value)) {
      var kept = new Image();
      kept.onload = function () {
        g.drawImage(kept, 0, 0, canvas.width, canvas.height);
        inked = true;
      };
      kept.src = field.value;
    }
    if (clear) {
      clear.addEventListener('click', function () {
        g.clearRect(0, 0, canvas.width, canvas.height);
        field.value = '';
        inked = false;
      });
    }
    pad.hidden = false;
  });
})();
