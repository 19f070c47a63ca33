// Small progressive enhancements; every page works without JavaScript.
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", () => {
  // The language switcher submits when a language is picked.
  document.querySelectorAll("select.autosubmit").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });

  // The Menu button on narrow screens: a real button that says whether the menu is open.
  // Without JavaScript it stays hidden and the menu is always shown.
  const toggle = document.querySelector(".nav-toggle-label[aria-controls]");
  const nav = toggle && document.getElementById(toggle.getAttribute("aria-controls"));
  if (toggle && nav) {
    const setOpen = (open) => {
      toggle.setAttribute("aria-expanded", String(open));
      nav.classList.toggle("is-open", open);
    };
    toggle.hidden = false;
    toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
    nav.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }
});
