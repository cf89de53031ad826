/* Layer toggles clicked while the page has lost its server (a restart) are held, and applied when it is back.
 *
 * Streamlit disables every widget while its connection is down, and a click on a disabled checkbox does
 * nothing: a reader who toggled a layer during a restart saw nothing happen and no reason why (3 of 7 runs
 * of six clicks ended in the wrong state). This script runs in a small frame of the page and watches the
 * page around it (same origin): while the layer toggles are disabled it says so in a status line and holds
 * the state each clicked toggle should end in (an even number of clicks cancels out). Labels reach the
 * status line as text (textContent), never as HTML.
 *
 * When to apply them: clicked as soon as the toggles were enabled again, a held toggle raced the restarted
 * server's first run, which starts from the values the page sent on reconnecting (the older ones): a CI run
 * once ended with the toggle unticked and the link (written by the server) still listing the layer. So the
 * frame carries its session's token (data-session): a new session's first run replaces the frame once it
 * has drawn the map and its toggles, and the new frame, which finds the held state on the page
 * (window.mapappHeldToggles), applies it once no run is going. A frame from before the hold (the same
 * session came back) waits longer for that. A toggle is clicked only when it does not show its held state,
 * and checked again after its run; one still wrong after 5 tries is said in the status line, never dropped
 * silently.
 *
 * Its script tag names the toggles' container and keys (data-toggles, data-prefix: settings.KEY_TOGGLES and
 * settings.KEY_LAYER_PREFIX).
 */
(function (togglesKey, layerPrefix) {
  "use strict";
  const page = window.parent.document;
  const MAX_TRIES = 5;
  const FIRST_QUIET = { newFrame: 2, sameFrame: 12 }; // ticks of 250 ms with no run before the first click
  if (!window.parent.mapappHeldToggles) {
    window.parent.mapappHeldToggles = {
      held: new Map(), // checkbox key -> {want: the state the reader asked for, label, tries}
      since: 0, // when the first held click was made
      keepNoteUntil: 0, // a toggle that could not be switched is said for a while
      owner: null,
    };
  }
  const shared = window.parent.mapappHeldToggles;
  const me = {};
  const born = Date.now();
  shared.owner = me; // the newest frame acts; an older one's listener stays quiet
  let quietTicks = 0; // consecutive ticks with the server back and no run going

  function toggleOf(target) {
    const box = target && target.closest && target.closest("[data-testid='stCheckbox']");
    if (!box || !box.closest(".st-key-" + togglesKey)) return null;
    const keyed = box.closest("[class*='st-key-" + layerPrefix + "']");
    const key = keyed && Array.from(keyed.classList).find((c) => c.startsWith("st-key-" + layerPrefix));
    return key ? { key: key, box: box, input: box.querySelector("input[type='checkbox']") } : null;
  }

  function say(text) {
    let note = page.querySelector(".mapapp-held");
    if (!note) {
      note = page.createElement("div");
      note.className = "mapapp-held";
      note.setAttribute("role", "status");
      page.body.appendChild(note);
    }
    note.textContent = text;
  }

  function quiet() {
    const note = page.querySelector(".mapapp-held");
    if (note) note.remove();
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

  function describe() {
    const names = [];
    shared.held.forEach(function (entry, key) {
      const input = inputOf(key);
      if (input && input.checked !== entry.want) names.push(entry.label);
    });
    if (!names.length) return "Reconnecting to the server… the controls come back when it is.";
    return "Reconnecting to the server… " + names.join(", ") + " will switch when it is back.";
  }

  page.addEventListener(
    "click",
    function (e) {
      if (shared.owner !== me) return;
      const toggle = toggleOf(e.target);
      if (!toggle || !toggle.input || !toggle.input.disabled) return;
      e.preventDefault();
      if (!shared.held.size) shared.since = Date.now();
      const entry = shared.held.get(toggle.key) || {
        want: toggle.input.checked,
        label: toggle.box.textContent.trim(),
        tries: 0,
      };
      entry.want = !entry.want;
      shared.held.set(toggle.key, entry);
      say(describe());
    },
    true,
  );

  function firstQuiet() {
    let tried = false;
    shared.held.forEach(function (entry) {
      tried = tried || entry.tries > 0;
    });
    return tried || born > shared.since ? FIRST_QUIET.newFrame : FIRST_QUIET.sameFrame;
  }

  window.setInterval(function () {
    if (shared.owner !== me) return;
    if (disconnected()) {
      quietTicks = 0;
      say(describe());
      return;
    }
    if (!shared.held.size) {
      if (Date.now() > shared.keepNoteUntil) quiet();
      return;
    }
    quietTicks = running() ? 0 : quietTicks + 1;
    if (quietTicks < firstQuiet()) return;
    let clicked = false;
    const failed = [];
    shared.held.forEach(function (entry, key) {
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
    shared.held.clear();
    if (failed.length) {
      say(failed.join(", ") + " could not be switched after the restart: please switch again.");
      shared.keepNoteUntil = Date.now() + 15000;
    } else quiet();
  }, 250);
})(document.currentScript.dataset.toggles, document.currentScript.dataset.prefix);
