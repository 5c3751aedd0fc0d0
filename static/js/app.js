// Small progressive enhancements only; every page works without this file.

// A form sent back with its messages (or a page drawn in answer to a POST, such
// as a revealed phone) is drawn at the form's action, which answers only POST.
// The address bar shows the page the form was on (the server names it in
// data-page), so a reload, the language switch and a sign-in after the session
// ended return there, and its drafts (below) are filed under that page.
(function () {
  'use strict';
  var page = document.body && document.body.getAttribute('data-page');
  if (!page || page.charAt(0) !== '/' || page.charAt(1) === '/') return;
  if (page !== location.pathname + location.search && window.history && history.replaceState) {
    try {
      history.replaceState(history.state, '', page + location.hash);
    } catch (e) {
      // An address the browser will not take leaves the bar as it is.
    }
  }
})();

//
// Form drafts: what a person types into a POST form is kept in this tab's
// sessionStorage until the server confirms a save. If the session ended meanwhile
// (the form is refused and the person signs in again) or the browser went back, the
// form is filled in again on return. Passwords, personal data (fields marked
// data-no-draft by templates/partials/form.html), hidden fields and files are never kept,
// save the form's one-time token (`form_token`): a form sent again after its answer
// was lost then leads to what the first submit filed instead of filing it twice.
(function () {
  'use strict';
  var store;
  try {
    store = window.sessionStorage;
  } catch (e) {
    return;
  }
  if (!store) return;
  var PREFIX = 'kefu-draft:';

  function keyFor(form) {
    return PREFIX + location.pathname + '|' + (form.getAttribute('action') || '');
  }

  function keepable(el) {
    if (!el.name || el.disabled) return false;
    if (el.name === 'form_token') return true;
    // Personal data (phones, ID numbers) is never written to the browser's storage.
    if (el.hasAttribute('data-no-draft')) return false;
    var t = (el.type || '').toLowerCase();
    return t !== 'password' && t !== 'hidden' && t !== 'file' && t !== 'submit' && t !== 'button';
  }

  function snapshot(form) {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!keepable(el)) return;
      var t = (el.type || '').toLowerCase();
      if (t === 'checkbox' || t === 'radio') {
        data[el.name + '=' + el.value] = el.checked;
      } else {
        data[fieldKey(form, el)] = el.value;
      }
    });
    return data;
  }

  // A field's key in a draft: its name, or, where several fields share the name
  // (a meeting's attendance, one select a person), the name and the field's id
  // (else its place), so that each gets its own value back.
  function fieldKey(form, el) {
    var same = form.querySelectorAll('[name="' + CSS.escape(el.name) + '"]');
    if (same.length < 2) return el.name;
    return el.name + '#' + (el.id || Array.prototype.indexOf.call(same, el));
  }

  function restore(form, data) {
    var changed = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!keepable(el)) return;
      var t = (el.type || '').toLowerCase();
      if (t === 'checkbox' || t === 'radio') {
        var k = el.name + '=' + el.value;
        if (k in data && el.checked !== data[k]) {
          el.checked = data[k];
          changed = true;
        }
      } else {
        var f = fieldKey(form, el);
        if (!(f in data) || el.value === data[f]) return;
        el.value = data[f];
        // The token alone is not something the person typed.
        changed = changed || el.name !== 'form_token';
      }
    });
    return changed;
  }

  // A page that confirms a save (also one filed with a warning, such as a late
  // register) ends the drafts sent from this tab.
  if (document.querySelector('.flash-ok, .flash-warn')) {
    for (var i = store.length - 1; i >= 0; i--) {
      var k = store.key(i);
      if (k && k.indexOf(PREFIX) === 0) store.removeItem(k);
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll('form[method="post"]'), function (form) {
    if (form.hasAttribute('data-no-draft')) return;
    var key = keyFor(form);
    var saved = store.getItem(key);
    // A form the server sent back with errors already holds the input: keep it.
    if (saved && !form.parentNode.querySelector('.error-summary')) {
      try {
        if (restore(form, JSON.parse(saved))) {
          var note = document.createElement('p');
          note.className = 'flash flash-info draft-note';
          note.setAttribute('role', 'status');
          note.textContent = document.body.getAttribute('data-draft-restored') || '';
          form.parentNode.insertBefore(note, form);
        }
      } catch (e) {
        store.removeItem(key);
      }
    }
    var save = function () {
      store.setItem(key, JSON.stringify(snapshot(form)));
    };
    form.addEventListener('input', save);
    form.addEventListener('change', save);
    form.addEventListener('submit', save);
  });
})();

// A file larger than its field takes (data-max-bytes) is refused as it is chosen,
// with the field's own message (data-too-big), rather than sent: the server
// would refuse it too, and one past the upload limit would cost the whole form.
(function () {
  'use strict';
  function tooBig(input) {
    var max = Number(input.getAttribute('data-max-bytes'));
    return Array.prototype.some.call(input.files || [], function (f) { return f.size > max; });
  }
  function say(input, big) {
    var error = document.getElementById('e-' + input.name);
    var field = input.closest('.field');
    if (big) {
      if (error) error.textContent = input.getAttribute('data-too-big') || '';
      input.setAttribute('aria-invalid', 'true');
      if (field) field.classList.add('has-error');
      input.value = '';
    } else if (input.getAttribute('data-was-too-big')) {
      if (error) error.textContent = '';
      input.removeAttribute('aria-invalid');
      if (field) field.classList.remove('has-error');
    }
    if (big) input.setAttribute('data-was-too-big', '1');
  }
  Array.prototype.forEach.call(document.querySelectorAll('input[type=file][data-max-bytes]'), function (input) {
    input.addEventListener('change', function () {
      say(input, tooBig(input));
    });
    if (input.form) {
      input.form.addEventListener('submit', function (ev) {
        if (tooBig(input)) {
          ev.preventDefault();
          say(input, true);
          input.focus();
        }
      });
    }
  });
})();

// One submit per click: a second click while the first submit is on its way sends
// nothing, so the page that comes back says what the first one did rather than
// that it was done already. Shown again (the back button), or a few seconds later
// (a slow answer, or one that leaves the page as it is), the form sends again.
(function () {
  'use strict';
  var AGAIN_AFTER_MS = 5000;
  var timers = [];
  var ready = function (form) {
    form.removeAttribute('data-sending');
  };
  document.addEventListener('submit', function (ev) {
    var form = ev.target;
    if (ev.defaultPrevented || (form.getAttribute('method') || '').toLowerCase() !== 'post') return;
    if (form.hasAttribute('data-sending')) {
      ev.preventDefault();
      return;
    }
    form.setAttribute('data-sending', '');
    timers.push(setTimeout(function () {
      ready(form);
    }, AGAIN_AFTER_MS));
  });
  window.addEventListener('pageshow', function () {
    timers.forEach(clearTimeout);
    timers = [];
    Array.prototype.forEach.call(document.querySelectorAll('form[data-sending]'), ready);
  });
})();
