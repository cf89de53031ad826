/* Layer toggles clicked while the page has lost its server (a restart) are held, and applied when it is back.
 *
 * Streamlit disables every widget while its connection is down, and a click on a disabled checkbox does
 * nothing: a reader who toggled a layer during a restart saw nothing happen and no reason why (3 of 7 runs
 * of six clicks ended in the wrong state). This script runs in a small frame of the page and watches the
 * page around it (same origin): while the layer toggles are disabled it says so in a status line, holds
 * each toggle's clicks (an even number cancels out), and once the toggles are enabled again clicks each
 * held one once. Labels reach the status line as text (textContent), never as HTML.
 *
 * Its script tag names the toggles' container and keys (data-toggles, data-prefix: settings.KEY_TOGGLES and
 * settings.KEY_LAYER_PREFIX).
 */
(function (togglesKey, layerPrefix) {
  "use strict";
  const page = window.parent.document;
  const held = new Map(); // checkbox key -> [clicks held, label]
  let note = null;

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

  function describe() {
    const names = [];
    held.forEach(function (entry) {
      if (entry[0] % 2 === 1) names.push(entry[1]);
    });
    if (!names.length) return "Reconnecting to the server… the controls come back when it is.";
    return "Reconnecting to the server… " + names.join(", ") + " will switch when it is back.";
  }

  page.addEventListener(
    "click",
    function (e) {
      const toggle = toggleOf(e.target);
      if (!toggle || !toggle.input || !toggle.input.disabled) return;
      e.preventDefault();
      const entry = held.get(toggle.key) || [0, toggle.box.textContent.trim()];
      entry[0] += 1;
      held.set(toggle.key, entry);
      say(describe());
    },
    true,
  );

  window.setInterval(function () {
    if (disconnected()) {
      say(describe());
      return;
    }
    held.forEach(function (entry, key) {
      const input = page.querySelector("." + key + " input[type='checkbox']");
      if (input && entry[0] % 2 === 1) input.click();
    });
    held.clear();
    quiet();
  }, 250);
})(document.currentScript.dataset.toggles, document.currentScript.dataset.prefix);
