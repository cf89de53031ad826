/* Layer toggles clicked while the page has lost its server (a restart) are held, and applied when it is back.
 *
 * Streamlit disables every widget while its connection is down, and a click on a disabled checkbox does
 * nothing: a reader who toggled a layer during a restart saw nothing happen and no reason why (3 of 7 runs
 * of six clicks ended in the wrong state). This script runs in a small frame of the page and watches the
 * page around it (same origin): while the layer toggles are disabled it says so in a status line and holds
 * the state each clicked toggle should end in (an even number of clicks cancels out). Once the toggles are
 * enabled again and no run is going, it clicks each toggle that does not show its held state, and checks
 * again after that run (the first run of a restarted server can set a toggle back from the page's older
 * values: a CI run once ended with the toggle unswitched when it clicked at once). A toggle still wrong
 * after 5 tries is said in the status line, never dropped silently. Labels reach the status line as text
 * (textContent), never as HTML.
 *
 * Its script tag names the toggles' container and keys (data-toggles, data-prefix: settings.KEY_TOGGLES and
 * settings.KEY_LAYER_PREFIX).
 */
(function (togglesKey, layerPrefix) {
  "use strict";
  const page = window.parent.document;
  const held = new Map(); // checkbox key -> {want: the state the reader asked for, label, tries}
  const MAX_TRIES = 5;
  let note = null;
  let quietTicks = 0; // consecutive ticks with the server back and no run going
  let keepNoteUntil = 0; // a toggle that could not be switched is said for a while

  function toggleOf(target) {
    const box = target && target.closest && target.closest("[data-testid='stCheckbox']");
    if (!box || !box.closest(".st-key-" + togglesKey)) return null;
    const keyed = box.closest("[class*='st-key-" + layerPrefix + "']");
    const key = keyed && Array.from(keyed.classList).find((c) => c.startsWith("st-key-" + layerPrefix));
    return key ? { key: key, box: box, input: box.querySelector("input[type='checkbox']") } : null;
  }

  function say(text) {
    if (!note) {
      note = page.createElement("div");
      note.className = "mapapp-held";
      note.setAttribute("role", "status");
      page.body.appendChild(note);
    }
    note.textContent = text;
  }

  function quiet() {
    if (note) note.remove();
    note = null;
  }

  function disconnected() {
    const first = page.querySelector(".st-key-" + togglesKey + " input[type='checkbox']");
    return !!(first && first.disabled);
  }

  // Streamlit shows its status widget while a run is going and fades the elements of an unfinished run.
  function running() {
    return !!(page.querySelector("[data-testid='stStatusWidget']") || page.querySelector("[data-stale='true']"));
  }

  function inputOf(key) {
    return page.querySelector("." + key + " input[type='checkbox']");
  }

  function pending() {
    const names = [];
    held.forEach(function (entry, key) {
      const input = inputOf(key);
      if (input && input.checked !== entry.want) names.push(entry.label);
    });
    return names;
  }

  function describe() {
    const names = pending();
    if (!names.length) return "Reconnecting to the server… the controls come back when it is.";
    return "Reconnecting to the server… " + names.join(", ") + " will switch when it is back.";
  }

  page.addEventListener(
    "click",
    function (e) {
      const toggle = toggleOf(e.target);
      if (!toggle || !toggle.input || !toggle.input.disabled) return;
      e.preventDefault();
      const entry = held.get(toggle.key) || { want: toggle.input.checked, label: toggle.box.textContent.trim(), tries: 0 };
      entry.want = !entry.want;
      held.set(toggle.key, entry);
      say(describe());
    },
    true,
  );

  // What is held is the state the reader asked for, not a count of clicks: the first run after a restart
  // may set the toggles from the page's older values, so a toggle is clicked only once no run is going,
  // and checked again after that run, until it shows what the reader asked for.
  window.setInterval(function () {
    if (disconnected()) {
      quietTicks = 0;
      say(describe());
      return;
    }
    if (!held.size) {
      if (Date.now() > keepNoteUntil) quiet();
      return;
    }
    quietTicks = running() ? 0 : quietTicks + 1;
    if (quietTicks < 2) return; // half a second with nothing running: the reconnecting run is over
    let clicked = false;
    const failed = [];
    held.forEach(function (entry, key) {
      const input = inputOf(key);
      if (!input || input.checked === entry.want) return;
      if (entry.tries >= MAX_TRIES) {
        failed.push(entry.label);
        return;
      }
      entry.tries += 1;
      input.click();
      clicked = true;
    });
    quietTicks = 0;
    if (clicked) return; // checked again once its run is over
    held.clear();
    if (failed.length) {
      say(failed.join(", ") + " could not be switched after the restart: please switch again.");
      keepNoteUntil = Date.now() + 15000;
    } else quiet();
  }, 250);
})(document.currentScript.dataset.toggles, document.currentScript.dataset.prefix);
