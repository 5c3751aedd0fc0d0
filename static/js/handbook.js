// Handbook: a click on a clause's § link copies its address (the link still works without script).
document.addEventListener("click", function (e) {
  var a = e.target.closest && e.target.closest("a.hb-link");
  if (!a || !navigator.clipboard) return;
  e.preventDefault();
  navigator.clipboard.writeText(a.href).then(function () {
    a.classList.add("copied");
    a.setAttribute("data-copied", "✓");
    setTimeout(function () { a.classList.remove("copied"); }, 1500);
  }, function () { window.location.href = a.href; });
});
