/* Scan stations: one input that keeps focus; every Enter becomes a scan with a client-made scan id,
   queued and sent one at a time in order, so scans typed faster than the server answers are neither
   dropped nor reordered. The queue is kept in localStorage, so scans waiting survive a reload.
   Only a lost connection (no answer, or a gateway saying the application is away) re-sends a scan,
   with the same id: the server applies it once. Any answer from the application, a refusal or an
   error, is shown in the panel and the queue goes on. The answer (an HTML panel) is swapped in
   through htmx; refusals beep. */
(function () {
  "use strict";

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  var audio;
  function tone(freq, ms, type) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = type || "square";
      osc.frequency.value = freq;
      gain.gain.value = 0.2;
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + ms / 1000);
    } catch (e) { /* no audio device: the red panel still shows */ }
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function start(station) {
    var form = station.querySelector("form[data-scan-form]");
    var input = form.querySelector("[data-scan-input]");
    var panel = station.querySelector("[data-station-panel]");
    var waiting = station.querySelector("[data-scan-waiting]");
    var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var allowEmpty = form.hasAttribute("data-allow-empty");
    var storeKey = "scan-station-queue:" + form.action;
    var queue = restore();
    var busy = false;
    var lastEmptyAt = 0;

    function restore() {
      try {
        var saved = JSON.parse(window.localStorage.getItem(storeKey) || "[]");
        return Array.isArray(saved) ? saved.filter(function (item) { return item && typeof item.code === "string" && item.scanId; }) : [];
      } catch (e) { return []; }
    }

    function persist() {
      try {
        if (queue.length) window.localStorage.setItem(storeKey, JSON.stringify(queue));
        else window.localStorage.removeItem(storeKey);
      } catch (e) { /* storage full or disabled: the queue still lives in the page */ }
    }

    function escapeHtml(text) {
      return text.replace(/[&<>"']/g, function (c) {
        return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
      });
    }

    function showWaiting(note) {
      var n = queue.length;
      station.dataset.pending = String(n);
      if (waiting) waiting.textContent = note || (n > 1 ? n + " scans waiting" : "");
    }

    function swap(html) {
      if (window.htmx && htmx.swap) htmx.swap(panel, html, { swapStyle: "innerHTML" });
      else panel.innerHTML = html;
      var result = panel.querySelector("[data-scan-result]");
      if (result && result.getAttribute("data-scan-result") === "error") tone(220, 350);
      else if (result) tone(1200, 60, "sine");
    }

    function send(item) {
      var body = new URLSearchParams({ code: item.code, scan_id: item.scanId });
      return fetch(form.action, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrf, "HX-Request": "true" },
      }).then(function (resp) {
        return resp.text().then(function (text) {
          // A gateway with nothing behind it: the application never saw the scan, so it is sent again.
          if ([502, 503, 504].indexOf(resp.status) >= 0 && !text.trim()) throw new Error("server " + resp.status);
          if (resp.ok) return text;
          var words = text.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, " ").replace(/<[^>]*>/g, " ")
            .replace(/\s+/g, " ").trim().slice(0, 200);
          var what = resp.status === 403 ? "Not allowed" : resp.status >= 500 ? "The scan failed (" + resp.status + ")" : "Refused";
          return '<div data-scan-result="error" role="alert">' + escapeHtml(what + ": " + (words || "scan it again or ask a supervisor") +
            " [" + item.code.slice(0, 40) + "]") + "</div>";
        });
      });
    }

    async function pump() {
      if (busy) return;
      busy = true;
      var delay = 500;
      while (queue.length) {
        try {
          swap(await send(queue[0]));
          queue.shift();
          persist();
          delay = 500;
          showWaiting();
        } catch (err) {
          showWaiting("Connection lost: " + queue.length + " scan(s) kept, retrying…");
          await sleep(delay);
          delay = Math.min(delay * 2, 8000);
        }
      }
      busy = false;
      station.dataset.idle = "true";
      input.focus();
    }

    function enqueue(code) {
      station.dataset.idle = "false";
      queue.push({ code: code, scanId: uuid() });
      persist();
      showWaiting();
      pump();
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var code = input.value;
      input.value = "";
      if (!code.trim()) {
        // Where Enter means "confirm" it is sent, but a doubled Enter (a scanner's suffix plus a key
        // press) must not confirm twice: an empty Enter right after another empty one is dropped.
        var now = Date.now();
        var doubled = now - lastEmptyAt < 600;
        lastEmptyAt = now;
        if (!allowEmpty || doubled) return;
      } else {
        lastEmptyAt = 0;
      }
      enqueue(code);
    });

    station.addEventListener("click", function (event) {
      var button = event.target.closest("[data-scan-value]");
      if (button) {
        event.preventDefault();
        enqueue(button.getAttribute("data-scan-value"));
      }
    });

    // Function keys stand in for command barcodes (F2 bin empty, ...): one key, no click.
    input.addEventListener("keydown", function (event) {
      if (!/^F\d+$/.test(event.key)) return;
      var button = station.querySelector('[data-scan-key="' + event.key + '"]');
      if (button) {
        event.preventDefault();
        enqueue(button.getAttribute("data-scan-value"));
      }
    });

    // Side fields (a scale's weight) send their value with a prefix, then hand focus back to the scan input.
    station.addEventListener("keydown", function (event) {
      var field = event.target.closest && event.target.closest("input[data-scan-prefix]");
      if (!field || event.key !== "Enter") return;
      event.preventDefault();
      if (field.value.trim()) enqueue(field.getAttribute("data-scan-prefix") + field.value.trim());
      field.value = "";
      input.focus();
    });

    // The input keeps focus: a picker never has to click back into it between scans.
    document.addEventListener("click", function (event) {
      if (!event.target.closest("a, button, select, textarea, input")) input.focus();
    });
    input.addEventListener("blur", function () {
      setTimeout(function () {
        var active = document.activeElement;
        if (!active || active === document.body) input.focus();
      }, 0);
    });
    station.dataset.idle = "true";
    input.focus();
    if (queue.length) {  // scans kept from before a reload: sent first, with their ids
      station.dataset.idle = "false";
      showWaiting();
      pump();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-station]").forEach(start);
  });
})();
