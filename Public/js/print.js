// Print buttons: <button data-print> prints the page (notices and guides have a print stylesheet).
document.querySelectorAll('[data-print]').forEach(function (button) {
  button.addEventListener('click', function () { window.print(); });
});
