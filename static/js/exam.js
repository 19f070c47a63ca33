// Exam page: autosave each answer as it changes, a countdown, and a confirmation before submitting.
// Without JavaScript the page still works: the Save and Submit buttons post the whole form.
(() => {
  const form = document.getElementById("attempt-form");
  if (!form) return;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const state = document.getElementById("save-state");
  const pending = new Map(); // slot id -> response not yet confirmed by the server
  let closed = false;

  const show = (key) => { if (state) state.textContent = state.dataset[key]; };

  function responseOf(fieldset) {
    const type = fieldset.dataset.type;
    if (type === "single" || type === "truefalse") {
      const picked = fieldset.querySelector("input:checked");
      return { choice: picked ? picked.value : null };
    }
    if (type === "multi") {
      return { choices: [...fieldset.querySelectorAll("input:checked")].map((i) => i.value) };
    }
    if (type === "matching") {
      const pairs = {};
      fieldset.querySelectorAll("select").forEach((s) => { pairs[s.dataset.prompt] = s.value; });
      return { pairs };
    }
    const box = fieldset.querySelector("input, textarea");
    return { text: box ? box.value : "" };
  }

  // One request per question at a time, so answers reach the server in the order they were given: a newer
  // answer waits for the older request and is then sent (an older save can never overwrite a newer one).
  const inFlight = new Set();

  async function send(slot) {
    if (inFlight.has(slot) || !pending.has(slot)) return;
    inFlight.add(slot);
    const response = pending.get(slot);
    show("saving");
    let retryLater = false;
    try {
      const reply = await fetch(form.dataset.autosaveUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ slot: Number(slot), response }),
        credentials: "same-origin",
      });
      const body = await reply.json();
      if (body.ok) {
        if (pending.get(slot) === response) pending.delete(slot);
      } else if (body.open === false) {
        closed = true; show("closed"); window.location.reload(); return;
      } else {
        retryLater = true;
      }
    } catch (e) {
      retryLater = true;
    } finally {
      inFlight.delete(slot);
    }
    if (retryLater) { show("failed"); return; }
    if (pending.has(slot)) { send(slot); return; }  // a newer answer came while this one was on its way
    if (pending.size === 0 && inFlight.size === 0) show("saved");
  }

  const timers = new Map();
  function queue(fieldset, delay) {
    if (closed) return;
    const slot = fieldset.dataset.slot;
    pending.set(slot, responseOf(fieldset));
    clearTimeout(timers.get(slot));
    timers.set(slot, setTimeout(() => send(slot), delay));
  }

  form.querySelectorAll("fieldset[data-slot]").forEach((fieldset) => {
    fieldset.addEventListener("change", () => queue(fieldset, 0));
    fieldset.addEventListener("input", (e) => {
      if (e.target.matches("input[type=text], textarea")) queue(fieldset, 600);
    });
  });

  // Retry whatever is unsaved when the connection comes back, and every few seconds meanwhile.
  const retry = () => { [...pending.keys()].forEach(send); };
  window.addEventListener("online", retry);
  setInterval(() => { if (pending.size) retry(); }, 5000);
  window.addEventListener("beforeunload", (e) => { if (pending.size && !closed) { e.preventDefault(); } });

  const submit = document.getElementById("submit-attempt");
  if (submit) {
    submit.addEventListener("click", (e) => {
      if (!window.confirm(submit.dataset.confirm)) e.preventDefault();
      else pending.clear();
    });
  }

  // The visible clock ticks every second outside any live region; a screen reader hears only the milestones
  // (10, 5 and 1 minute left) that pass while the page is open, through a separate polite status.
  const countdown = document.getElementById("countdown");
  if (countdown) {
    const value = document.getElementById("countdown-value");
    const announcer = document.getElementById("countdown-milestone");
    const milestones = [...document.querySelectorAll("#countdown-milestones li")]
      .map((li) => ({ seconds: Number(li.dataset.seconds), text: li.textContent.trim() }));
    const end = Date.now() + Number(countdown.dataset.secondsLeft) * 1000;
    let previous = Number(countdown.dataset.secondsLeft);
    const tick = () => {
      const left = Math.max(0, Math.round((end - Date.now()) / 1000));
      const m = Math.floor(left / 60), s = left % 60;
      value.textContent = `${m}:${String(s).padStart(2, "0")}`;
      // The smallest milestone crossed since the last tick (a sleeping laptop may skip several at once).
      const crossed = milestones.filter((mark) => previous > mark.seconds && left <= mark.seconds);
      if (crossed.length && announcer) {
        announcer.textContent = crossed.reduce((a, b) => (a.seconds < b.seconds ? a : b)).text;
      }
      previous = left;
      if (left <= 60) countdown.classList.add("urgent");
      if (left === 0) {
        clearInterval(timer);
        closed = true;
        // The server has closed the attempt with every saved answer; show the result.
        window.location.reload();
      }
    };
    const timer = setInterval(tick, 1000);
    tick();
  }
})();
