// Confirmation before destructive or irreversible actions (issue 12 "Safety").
//
// Put `data-confirm="What will happen"` on a submit button (or on its form); optionally
// `data-confirm-button="Cancel the action"` for the dialog's confirm label. The form is sent only
// after the person confirms in a <dialog>. One static file for every page: the CSP stays strict.
(function () {
  "use strict";
  var dialog, messageEl, okButton, pending = null;

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm";
    dialog.setAttribute("aria-labelledby", "confirm-title");
    dialog.setAttribute("aria-describedby", "confirm-message");
    var title = document.createElement("h2");
    title.id = "confirm-title";
    title.textContent = "Are you sure?";
    messageEl = document.createElement("p");
    messageEl.id = "confirm-message";
    var bar = document.createElement("div");
    bar.className = "toolbar";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "secondary";
    cancel.id = "confirm-cancel";
    cancel.textContent = "Go back";
    okButton = document.createElement("button");
    okButton.type = "button";
    okButton.className = "danger";
    okButton.id = "confirm-ok";
    bar.appendChild(cancel);
    bar.appendChild(okButton);
    dialog.appendChild(title);
    dialog.appendChild(messageEl);
    dialog.appendChild(bar);
    document.body.appendChild(dialog);
    cancel.addEventListener("click", function () { dialog.close("cancel"); });
    okButton.addEventListener("click", function () { dialog.close("ok"); });
    dialog.addEventListener("close", function () {
      var p = pending;
      pending = null;
      if (!p) return;
      if (dialog.returnValue === "ok") {
        p.form.dataset.confirmed = "1";
        if (p.form.requestSubmit) p.form.requestSubmit(p.submitter || undefined);
        else p.form.submit();
      } else if (p.submitter) {
        p.submitter.focus();
      }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.dataset.confirmed === "1") { delete form.dataset.confirmed; return; }
    var submitter = event.submitter || null;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (!message) return;
    event.preventDefault();
    if (!dialog) build();
    messageEl.textContent = message;
    okButton.textContent = (submitter && submitter.getAttribute("data-confirm-button")) ||
      form.getAttribute("data-confirm-button") || (submitter && submitter.textContent.trim()) || "Confirm";
    pending = { form: form, submitter: submitter };
    dialog.returnValue = "";
    dialog.showModal();
    okButton.focus();
  }, true);
})();
