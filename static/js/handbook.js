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

// Import page: a chosen .txt/.md file fills the text box (the form itself stays url-encoded).
document.addEventListener("change", function (e) {
  var input = e.target;
  if (!input || input.id !== "f-file" || !input.files || !input.files[0]) return;
  var reader = new FileReader();
  reader.onload = function () {
    var box = document.getElementById("f-text");
    if (box) box.value = String(reader.result);
  };
  reader.readAsText(input.files[0], "utf-8");
});
