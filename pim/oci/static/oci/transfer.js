// VALIDATE and BACKGROUND_SEARCH answer with a form SAP expects to arrive by itself: submit it
// once the page is read. Without JavaScript the visible button does the same.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-oci-autosubmit]");
  if (form) {
    form.submit();
  }
});
