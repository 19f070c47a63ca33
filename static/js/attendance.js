// Attendance: one button marks everyone not yet marked as present; the rest is plain form controls.
(() => {
  const button = document.getElementById("all-present");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    document.querySelectorAll("fieldset.status-choice").forEach((group) => {
      if (!group.querySelector("input:checked")) {
        const present = group.querySelector('input[value="present"]');
        if (present) present.checked = true;
      }
    });
  });
})();
