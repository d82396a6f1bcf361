// Progressive enhancement only: every action works without this file.

// P2: "Annulla" asks for confirmation in a dialog; without JavaScript the link leads to a
// confirmation page that does the same.
document.addEventListener("click", (event) => {
  const opener = event.target.closest("[data-confirm-dialog]");
  if (opener) {
    const dialog = document.getElementById(opener.dataset.confirmDialog);
    if (dialog && typeof dialog.showModal === "function") {
      event.preventDefault();
      dialog.showModal();
    }
    return;
  }
  const closer = event.target.closest("[data-close-dialog]");
  if (closer) {
    closer.closest("dialog").close();
  }
});

// The payment result page waits for the provider's confirmation: it reloads itself a few times.
// Without JavaScript the customer reloads it, or finds the order's state on the service page.
document.querySelectorAll("[data-reload-after]").forEach((element) => {
  const tries = Number(sessionStorage.getItem("reloads:" + location.pathname) || 0);
  if (tries < 20) {
    sessionStorage.setItem("reloads:" + location.pathname, String(tries + 1));
    setTimeout(() => location.reload(), Number(element.dataset.reloadAfter) * 1000);
  }
});

// The one-time link into the panel enters by itself; without JavaScript its button does.
document.querySelectorAll("form[data-auto-submit]").forEach((form) => form.submit());
