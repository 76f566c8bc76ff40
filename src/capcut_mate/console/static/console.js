// capcut-mate console: loads server-rendered fragments with the API key of this browser session, follows
// render progress over server-sent events (read with fetch, since EventSource cannot send the key), and
// moves the playhead. No library: every dynamic part below needs the key header, which is most of the work.
"use strict";

const KEY = "capcut-mate-api-key";
const body = document.body;

function headers(extra) {
  const key = sessionStorage.getItem(KEY);
  return Object.assign(key ? { Authorization: "Bearer " + key } : {}, extra || {});
}

function say(text) {
  const box = document.getElementById("message");
  box.textContent = text || "";
  box.hidden = !text;
}

async function call(url, options) {
  const opts = Object.assign({}, options || {});
  opts.headers = headers(opts.headers);
  const response = await fetch(url, opts);
  if (response.status === 401) say(body.dataset.needKey);
  return response;
}

async function errorText(response) {
  try {
    const data = await response.json();
    return data.error ? data.error.message + " " + (data.error.details || "") : data.message || response.statusText;
  } catch (e) {
    return response.statusText;
  }
}

async function load(box, query) {
  const url = box.dataset.fragment + (query || "");
  const response = await call(url);
  if (!response.ok) {
    if (response.status !== 401) say(await errorText(response));
    return false;
  }
  box.innerHTML = await response.text();
  return true;
}

// Server-sent events over fetch: calls onEvent(name, data) per event until the server ends the stream.
async function follow(url, onEvent) {
  const response = await call(url);
  if (!response.ok || !response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      let data = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      onEvent(name, data ? JSON.parse(data) : null);
    }
  }
}

// One task's bar, status and error in place; unknown tasks wait for the fragment reload at the end.
function showTask(root, task) {
  const box = root.querySelector('[data-task="' + task.task_id + '"]');
  if (!box) return;
  box.dataset.status = task.status;
  const bar = box.querySelector(".bar");
  bar.setAttribute("aria-valuenow", task.progress);
  bar.querySelector(".fill").style.width = task.progress + "%";
  bar.querySelector(".pct").textContent = task.progress + " %";
  const status = box.querySelector(".status");
  status.className = "status status-" + task.status;
  status.textContent = task.status_label;
  const error = box.querySelector(".error");
  error.textContent = task.error_message;
  error.hidden = !task.error_message;
}

async function watch(box, onIdle) {
  let unknown = false;
  await follow(box.dataset.stream, (name, task) => {
    if (name === "task") {
      if (!box.querySelector('[data-task="' + task.task_id + '"]')) unknown = true;
      showTask(box, task);
    }
  });
  await onIdle(unknown);
}

// --- the list page ---

function listPage() {
  const drafts = document.getElementById("drafts");
  const tasks = document.getElementById("tasks");
  const filter = document.getElementById("filter");
  const refresh = () => load(drafts, "?q=" + encodeURIComponent(filter.value.trim()));
  let timer = null;
  filter.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  const live = async () => {
    if (!(await load(tasks))) return;
    if (tasks.querySelector('[data-status="pending"], [data-status="processing"]')) {
      await watch(tasks, async () => {
        await load(tasks);
        await refresh();
      });
    }
  };
  return () => Promise.all([refresh(), live()]);
}

// --- the draft page ---

function draftPage() {
  const root = document.getElementById("draft");
  let time = 0;
  let asked = 0;

  async function preview(at) {
    const img = document.getElementById("preview");
    const ticket = ++asked;
    const response = await call(body.dataset.api + "/gen_preview", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ draft_url: img.dataset.draftUrl, time: at, width: 480 }),
    });
    if (ticket !== asked) return; // a newer position was asked for meanwhile
    if (!response.ok) {
      say(await errorText(response));
      return;
    }
    const blob = await response.blob();
    if (ticket !== asked) return;
    if (img.src) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(blob);
    img.dataset.time = at;
    document.getElementById("preview-time").textContent = (at / 1e6).toFixed(2) + " s";
  }

  function scrubber() {
    const timeline = root.querySelector(".timeline");
    const area = timeline.querySelector(".area");
    const head = area.querySelector(".playhead");
    const duration = Number(timeline.dataset.duration);
    const place = (event) => {
      const rect = area.getBoundingClientRect();
      const fraction = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
      time = Math.round(fraction * duration);
      head.style.left = fraction * 100 + "%";
      return time;
    };
    head.style.left = (duration ? (100 * time) / duration : 0) + "%";
    let dragging = false;
    let pending = null;
    area.addEventListener("pointerdown", (event) => {
      dragging = true;
      area.setPointerCapture(event.pointerId);
      preview(place(event));
    });
    area.addEventListener("pointermove", (event) => {
      if (!dragging) return;
      place(event);
      clearTimeout(pending); // while dragging, draw the frame where the pointer rests
      pending = setTimeout(() => preview(time), 120);
    });
    area.addEventListener("pointerup", () => {
      dragging = false;
    });
  }

  function controls() {
    document.getElementById("copy-url").addEventListener("click", async () => {
      const input = document.getElementById("draft-url");
      input.select();
      if (navigator.clipboard && window.isSecureContext) await navigator.clipboard.writeText(input.value);
      else document.execCommand("copy");
      say(body.dataset.copied);
    });
    const form = document.getElementById("render-form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const choice = { draft_url: form.dataset.draftUrl };
      for (const select of form.querySelectorAll("select")) {
        if (select.value) choice[select.name] = select.name === "fps" ? Number(select.value) : select.value;
      }
      const response = await call(body.dataset.api + "/gen_video", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(choice),
      });
      if (!response.ok) {
        say(await errorText(response));
        return;
      }
      say("");
      await load(document.getElementById("task"));
      live();
    });
  }

  async function live() {
    const box = document.getElementById("task");
    await watch(box, async () => {
      await show(); // the finished task brings its video and the report's warnings
    });
  }

  async function show() {
    const drawn = document.getElementById("preview");
    if (!(await load(root))) return;
    scrubber();
    controls();
    // the draft did not change while it rendered: keep the frame on screen rather than drawing it again
    if (drawn && drawn.dataset.time) document.getElementById("preview").replaceWith(drawn);
    else await preview(time);
    if (root.querySelector('#task [data-status="pending"], #task [data-status="processing"]')) live();
  }
  return show;
}

document.addEventListener("DOMContentLoaded", () => {
  const input = document.getElementById("api-key");
  input.value = sessionStorage.getItem(KEY) || "";
  const start = document.getElementById("draft") ? draftPage() : listPage();
  document.getElementById("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value.trim()) sessionStorage.setItem(KEY, input.value.trim());
    else sessionStorage.removeItem(KEY);
    say("");
    start();
  });
  start();
});
