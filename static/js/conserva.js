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
