// A passage whose words a reader selects: the selection goes back to the editor (a Streamlit component).
// The passage is set as text (textContent), never as HTML: it comes from the story folder.
(function () {
    "use strict";
    const passage = document.getElementById("passage");
    let sent = "";

    function send(type, data) {
        window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data), "*");
    }

    function fitHeight() {
        send("streamlit:setFrameHeight", { height: document.documentElement.scrollHeight });
    }

    function selected() {
        const selection = window.getSelection();
        if (!selection || selection.rangeCount === 0 || !passage.contains(selection.anchorNode)) return "";
        return selection.toString().replace(/\s+/g, " ").trim();
    }

    function report() {
        const words = selected();
        if (words && words !== sent) {
            sent = words;
            send("streamlit:setComponentValue", { value: words, dataType: "json" });
        }
    }

    window.addEventListener("message", function (event) {
        const message = event.data || {};
        if (message.type !== "streamlit:render") return;
        const text = String((message.args && message.args.text) || "");
        if (passage.textContent !== text) {
            passage.textContent = text;
            sent = "";
        }
        fitHeight();
    });
    document.addEventListener("mouseup", report);
    document.addEventListener("keyup", report);
    window.addEventListener("resize", fitHeight);
    send("streamlit:componentReady", { apiVersion: 1 });
})();
