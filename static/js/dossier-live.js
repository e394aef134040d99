// Live help on the forms of an editable dossier, built on what the server renders; every page works without it.
// - Each text with data-min-length (the completeness rules' minimum, rendered by dossiers/forms.py) gets a
//   counter ("45 / at least 80 characters") and the warning that the server gives after a save, updated as the
//   applicant types; a screen reader hears them once typing pauses, not at every key.
// - A form[data-autosave] (the CV summary, the self-assessment, an existing entry) is sent in the background two
//   seconds after the last change: the same POST to the same URL, with its CSRF token, marked "X-Autosave: 1".
//   The server saves it through the same service and answers JSON: when it was saved, or the errors, shown next
//   to the fields. What was typed is never replaced; until it is saved, leaving the page asks first.
// - A form[data-local-draft] (a new entry) is kept in this browser (localStorage, keyed by dossier and section)
//   as it is typed, restored when the page is opened again, and forgotten once the server has accepted it.
// - A link to a field (the overview's checklist: …/cv/#id_cv_summary) puts the cursor in it.
// Translated texts come from <template id="dossier-live-texts">; every value is written with textContent only.
(function () {
  "use strict";
  var template = document.getElementById("dossier-live-texts");
  if (!template) { return; }
  var AUTOSAVE_DELAY = 2000;
  var ANNOUNCE_DELAY = 1000;
  var LOCAL_DELAY = 500;

  function text(name, values) {
    var element = template.content.querySelector('[data-text="' + name + '"]');
    return (element ? element.textContent : "").replace(/%\((\w+)\)[sd]/g, function (whole, key) {
      return values && Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function debounce(action, delay) {
    var timer = null;
    return function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(action, delay);
    };
  }

  function describedBy(field, id, present) {
    var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) { return x && x !== id; });
    if (present) { ids.push(id); }
    if (ids.length) { field.setAttribute("aria-describedby", ids.join(" ")); } else { field.removeAttribute("aria-describedby"); }
  }

  function make(tag, className, id) {
    var element = document.createElement(tag);
    element.className = className;
    if (id) { element.id = id; }
    return element;
  }

  // --- counters and warnings ----------------------------------------------------------------------------------

  // As the server counts (completeness.FieldRule): characters, not UTF-16 units, spaces at either end left out.
  function length(value) { return Array.from(value.replace(/\r\n/g, "\n").trim()).length; }

  function warningElement(field) {
    var id = field.id + "_warning";
    var element = document.getElementById(id);
    if (!element) {
      element = make("p", "field-warning", id);
      element.hidden = true;
      field.insertAdjacentElement("afterend", element);
    }
    return element;
  }

  function setWarning(field, message) {
    var element = warningElement(field);
    element.textContent = message || "";
    element.hidden = !message;
    describedBy(field, element.id, Boolean(message));
  }

  function counter(field) {
    var min = parseInt(field.getAttribute("data-min-length"), 10);
    var count = make("span", "counter", field.id + "_counter");
    var live = make("span", "visually-hidden", field.id + "_live");
    live.setAttribute("aria-live", "polite");
    warningElement(field).insertAdjacentElement("afterend", count);
    count.insertAdjacentElement("afterend", live);
    describedBy(field, count.id, true);
    var announce = debounce(function () {
      var warning = warningElement(field);
      live.textContent = warning.hidden ? count.textContent : warning.textContent;
    }, ANNOUNCE_DELAY);

    function update() {
      var n = length(field.value);
      count.textContent = text("counter", { count: n, min: min });
      count.classList.toggle("met", n >= min);
      setWarning(field, n > 0 && n < min ? text("short", { count: n, min: min }) : "");
    }
    field.addEventListener("input", function () { update(); announce(); });
    update();
    return update;
  }

  var counters = {};
  document.querySelectorAll("textarea[data-min-length], input[data-min-length]").forEach(function (field) {
    if (field.form && field.id) { counters[field.id] = counter(field); }
  });

  function refreshCounters(form) {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (counters[field.id]) { counters[field.id](); }
    });
  }

  // --- errors from an autosave, next to their fields -------------------------------------------------------------

  function fieldNamed(form, name) {
    var found = form.elements.namedItem(name);
    return found && found.length !== undefined && !found.tagName ? found[0] : found;
  }

  function errorList(messages, id) {
    var list = make("ul", "errorlist", id);
    list.setAttribute("data-live-error", "");
    messages.forEach(function (message) {
      var item = document.createElement("li");
      item.textContent = message;
      list.appendChild(item);
    });
    return list;
  }

  function clearErrors(form) {
    // The server wraps a field's list in a div.errors that carries the id; the lists made here carry it themselves.
    form.querySelectorAll(".errors, .errorlist").forEach(function (list) {
      if (list.id) {
        var field = document.getElementById(list.id.replace(/_error$/, ""));
        if (field) { describedBy(field, list.id, false); }
      }
      list.remove();
    });
    form.querySelectorAll(".message.error").forEach(function (box) { box.remove(); });
    form.querySelectorAll(".has-error").forEach(function (element) { element.classList.remove("has-error"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (element) { element.removeAttribute("aria-invalid"); });
  }

  function showErrors(form, errors) {
    clearErrors(form);
    Object.keys(errors).forEach(function (name) {
      var messages = errors[name];
      if (/-__all__$/.test(name)) {
        // The errors of one competence as a whole: at the top of its fieldset.
        var prefix = name.replace(/__all__$/, "");
        var member = Array.prototype.find.call(form.elements, function (el) { return el.name && el.name.indexOf(prefix) === 0; });
        var group = member && member.closest("fieldset.card");
        if (group) {
          var legend = group.querySelector(":scope > legend");
          if (legend) { legend.insertAdjacentElement("afterend", errorList(messages)); } else { group.prepend(errorList(messages)); }
        }
        return;
      }
      var field = fieldNamed(form, name);
      if (!field) { return; }
      var box = field.closest(".field") || field.parentNode;
      var list = errorList(messages, field.id ? field.id + "_error" : "");
      box.appendChild(list); // after the input, its warning and its counter, where the server puts errors
      box.classList.add("has-error");
      if (field.type !== "checkbox" && field.type !== "radio") {
        field.setAttribute("aria-invalid", "true");
        if (field.id) { describedBy(field, list.id, true); }
      }
    });
  }

  // --- the dossier's progress --------------------------------------------------------------------------------------

  function showProgress(progress) {
    if (!progress) { return; }
    document.querySelectorAll("[data-progress-percent]").forEach(function (element) {
      element.textContent = progress.percent + "%";
    });
    document.querySelectorAll("[data-progress-bar]").forEach(function (bar) {
      bar.value = progress.percent;
      bar.textContent = progress.percent + "%";
    });
    Object.keys(progress.sections || {}).forEach(function (key) {
      var done = progress.sections[key];
      document.querySelectorAll('[data-progress-section="' + key + '"]').forEach(function (step) {
        step.classList.toggle("done", done);
        step.querySelector(".step-mark").textContent = done ? "\u2713" : "\u25CB";
        step.querySelector(".step-state").textContent = text(done ? "done" : "todo");
      });
    });
  }

  // --- autosave --------------------------------------------------------------------------------------------------

  function serialize(form) {
    return new URLSearchParams(new FormData(form)).toString();
  }

  function autosave(form) {
    var status = make("p", "autosave-status");
    status.setAttribute("role", "status");
    form.appendChild(status);
    var saved = serialize(form);
    var sending = false;
    var again = false;
    var submitting = false;
    var schedule = debounce(send, AUTOSAVE_DELAY);

    function say(message, isError) {
      status.textContent = message;
      status.classList.toggle("error", Boolean(isError));
    }

    function send() {
      var body = serialize(form);
      if (submitting || body === saved) { return; }
      if (sending) { again = true; return; }
      sending = true;
      say(text("saving"));
      var sent = {};
      Array.prototype.forEach.call(form.elements, function (field) { if (field.id) { sent[field.id] = field.value; } });
      fetch(form.getAttribute("action") || window.location.pathname, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        redirect: "error",  // a redirect would be the login page: the session has ended
        headers: { "X-Autosave": "1", Accept: "application/json" },
      })
        .then(function (response) {
          if ((response.headers.get("Content-Type") || "").indexOf("application/json") === -1) {
            throw new Error(String(response.status));
          }
          return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
        })
        .then(function (result) {
          var answer = result.answer;
          if (submitting) { return; }
          showErrors(form, answer.errors || {});
          if (answer.saved) {
            saved = body;
            refreshCounters(form);
            // The server's warnings, for the texts that have not changed since they were sent.
            Object.keys(answer.warnings || {}).forEach(function (name) {
              var field = fieldNamed(form, name);
              if (field && field.id && sent[field.id] === field.value) { setWarning(field, answer.warnings[name]); }
            });
            showProgress(answer.progress);
          }
          say(answer.message, !result.ok);
        })
        .catch(function () { say(text("failed"), true); })
        .then(function () {
          sending = false;
          if (again) { again = false; schedule(); }
        });
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && serialize(form) !== saved) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  // --- drafts of new entries, in this browser ----------------------------------------------------------------------

  function storage() {
    try {
      var store = window.localStorage;
      store.getItem("aipia");
      return store;
    } catch (error) {
      return null;  // storage switched off: the form still works, without a draft
    }
  }

  function draftFields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && field.name !== "csrfmiddlewaretoken" && ["file", "hidden", "submit", "button"].indexOf(field.type) === -1;
    });
  }

  function readDraft(form) {
    var values = {};
    var filled = false;
    draftFields(form).forEach(function (field) {
      values[field.name] = values[field.name] || [];
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked) { values[field.name].push(field.value); filled = true; }
      } else if (field.value.trim()) {
        values[field.name].push(field.value);
        filled = true;
      }
    });
    return filled ? values : null;
  }

  function writeDraft(form, values) {
    draftFields(form).forEach(function (field) {
      var wanted = values[field.name] || [];
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = wanted.indexOf(field.value) !== -1;
      } else if (wanted.length) {
        field.value = wanted[0];
      }
    });
  }

  function localDraft(form) {
    var store = storage();
    if (!store) { return; }
    var key = "aipia-dossier-draft:" + form.getAttribute("data-local-draft");
    var sentKey = key + ":sent";
    var sent = false;
    try { sent = window.sessionStorage.getItem(sentKey) === "1"; window.sessionStorage.removeItem(sentKey); } catch (error) { /* none */ }
    // The server shows the form filled in again only when it refused it; an empty form after sending means that
    // the entry was added.
    var refused = form.hasAttribute("data-bound");
    if (sent && !refused) {
      store.removeItem(key);
    } else if (!refused) {
      var draft = null;
      try { draft = JSON.parse(store.getItem(key) || "null"); } catch (error) { store.removeItem(key); }
      if (draft && draft.values) {
        writeDraft(form, draft.values);
        refreshCounters(form);
        var notice = make("div", "message notice draft-notice");
        notice.setAttribute("role", "status");
        var words = document.createElement("span");
        words.textContent = text("restored") + " ";
        var discard = make("button", "link");
        discard.type = "button";
        discard.textContent = text("discard");
        discard.addEventListener("click", function () {
          store.removeItem(key);
          form.reset();
          refreshCounters(form);
          notice.remove();
        });
        notice.appendChild(words);
        notice.appendChild(discard);
        form.insertBefore(notice, form.firstChild);
      }
    }
    var save = debounce(function () {
      var values = readDraft(form);
      if (values) { store.setItem(key, JSON.stringify({ values: values })); } else { store.removeItem(key); }
    }, LOCAL_DELAY);
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function () {
      var values = readDraft(form);
      if (values) { store.setItem(key, JSON.stringify({ values: values })); }
      try { window.sessionStorage.setItem(sentKey, "1"); } catch (error) { /* the draft stays until discarded */ }
    });
  }

  document.querySelectorAll("form[data-autosave]").forEach(autosave);
  document.querySelectorAll("form[data-local-draft]").forEach(localDraft);

  // --- a link to a field puts the cursor in it ----------------------------------------------------------------------

  function focusTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) {
      target.focus();
    }
  }
  window.addEventListener("hashchange", focusTarget);
  focusTarget();
})();
