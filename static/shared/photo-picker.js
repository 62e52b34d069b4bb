/* The photo picker of the resident pages (templates/resident/_photo_picker.html).
 *
 * - Checks on the phone what the server would refuse, with the server's own numbers
 *   (data-max: how many, data-max-bytes: how large each): a file too large or one too many is
 *   left out at once, with a message next to the field, and nothing is uploaded for it.
 * - Shrinks a large JPEG or PNG photo before it is sent (data-max-side, data-quality): a 17 MB
 *   camera photo becomes a JPEG of about 1 MB. The server still checks and re-encodes it.
 * - Previews with the size, a remove button, files added in several rounds add up; a picker of
 *   one file (avatar, proof) replaces its photo.
 * - Keeps the chosen files when the form is refused: a form sent by a script (repairs.js) hands
 *   them to the form that comes back (LinliPhotoPicker.files / .setup); a form posted normally
 *   leaves them on the phone (IndexedDB, at most ten minutes, read once) and a refused page
 *   (data-restore) puts them back.
 * Without DataTransfer (very old browsers) the input keeps only the last choice, as before.
 */
(function () {
  "use strict";

  var STASH_DB = "linli-photo-picker";
  var STASH_STORE = "forms";
  var STASH_MAX_AGE_MS = 10 * 60 * 1000;
  var SHRINK_TYPES = /^image\/(jpeg|png)$/;

  var canSetFiles = (function () {
    try { return typeof DataTransfer === "function" && !!new DataTransfer().items; }
    catch (e) { return false; }
  })();
  var states = new WeakMap(); // .media-picker element -> its state

  function formatSize(bytes) {
    if (bytes >= 1024 * 1024) return (bytes / 1024 / 1024).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function fill(text, values) {
    return text
      .replace("%(name)s", values.name || "")
      .replace("%(size)d", values.size || "")
      .replace("%(count)s", values.count || "");
  }

  // ---- Shrinking a photo ----------------------------------------------------------------------

  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { resolve({ img: img, url: url }); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("not decodable")); };
      img.src = url;
    });
  }

  /* A JPEG no longer than maxSide on its long side, or the file itself when it is already small
     enough, is not a JPEG or PNG, or cannot be decoded here. The browser draws the photo the
     right way up (EXIF orientation) and leaves the rest of EXIF (GPS) behind. */
  function shrink(file, maxSide, quality, maxBytes) {
    if (!maxSide || !SHRINK_TYPES.test(file.type || "")) return Promise.resolve(file);
    return loadImage(file).then(function (loaded) {
      var img = loaded.img;
      var width = img.naturalWidth;
      var height = img.naturalHeight;
      var longest = Math.max(width, height);
      // Small already: 1 MB covers a good 2048-px JPEG.
      if (longest <= maxSide && file.size <= Math.min(maxBytes, 1024 * 1024)) {
        URL.revokeObjectURL(loaded.url);
        return file;
      }
      var scale = Math.min(1, maxSide / longest);
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      var context = canvas.getContext("2d");
      context.fillStyle = "#fff"; // a transparent PNG on white, as the server flattens it
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(img, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(loaded.url);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          try { resolve(new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified })); }
          catch (e) { blob.name = name; resolve(blob); } // old WebViews without the File constructor
        }, "image/jpeg", quality);
      });
    }).catch(function () { return file; });
  }

  // ---- Files kept on the phone across a refused post ------------------------------------------

  function openStash() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var request = window.indexedDB.open(STASH_DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STASH_STORE); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function stashKey(form) {
    return window.location.pathname + "#" + (form.id || form.getAttribute("action") || "");
  }

  function stashPut(key, value) {
    return openStash().then(function (db) {
      return new Promise(function (resolve) {
        var tx = db.transaction(STASH_STORE, "readwrite");
        tx.objectStore(STASH_STORE).put(value, key);
        tx.oncomplete = tx.onerror = tx.onabort = function () { db.close(); resolve(); };
      });
    });
  }

  /* The files left for this form, removed at once: they are read back only once. */
  function stashTake(key) {
    return openStash().then(function (db) {
      return new Promise(function (resolve) {
        var tx = db.transaction(STASH_STORE, "readwrite");
        var store = tx.objectStore(STASH_STORE);
        var request = store.get(key);
        var value = null;
        request.onsuccess = function () { value = request.result || null; store.delete(key); };
        tx.oncomplete = tx.onerror = tx.onabort = function () {
          db.close();
          resolve(value && Date.now() - value.at < STASH_MAX_AGE_MS ? value.files : null);
        };
      });
    }).catch(function () { return null; });
  }

  // ---- One picker -----------------------------------------------------------------------------

  function setupPicker(picker, kept) {
    if (states.has(picker)) return states.get(picker);
    var input = picker.querySelector("input[type=file]");
    var previews = picker.querySelector("[data-previews]");
    var addTile = previews.querySelector(".media-add");
    var counter = picker.querySelector("[data-count]");
    var warning = picker.querySelector("[data-media-warning]");
    var again = picker.querySelector("[data-media-again]");
    var addLabel = addTile.querySelector("span");
    var addText = addLabel ? addLabel.textContent : "";
    var max = parseInt(picker.getAttribute("data-max"), 10) || 1;
    var maxBytes = parseInt(picker.getAttribute("data-max-bytes"), 10) || Infinity;
    var maxSide = parseInt(picker.getAttribute("data-max-side"), 10) || 0;
    var quality = parseFloat(picker.getAttribute("data-quality")) || 0.85;
    var isVideo = picker.getAttribute("data-media") === "videos";
    var state = { picker: picker, input: input, chosen: [], busy: false, pending: Promise.resolve() };
    var urls = [];
    states.set(picker, state);
    picker.classList.add("is-enhanced");

    function say(messages) {
      warning.textContent = messages.join(" ");
      warning.hidden = !messages.length;
    }

    function render() {
      urls.forEach(function (url) { URL.revokeObjectURL(url); });
      urls = [];
      previews.querySelectorAll(".media-tile").forEach(function (tile) { tile.remove(); });
      state.chosen.forEach(function (entry, index) {
        var file = entry.file;
        var tile = document.createElement("div");
        tile.className = "media-tile";
        var url = URL.createObjectURL(file);
        urls.push(url);
        var media = document.createElement(isVideo ? "video" : "img");
        media.src = url;
        if (isVideo) { media.muted = true; media.playsInline = true; media.preload = "metadata"; }
        else { media.alt = file.name || ""; }
        tile.appendChild(media);
        var size = document.createElement("span");
        size.className = "media-size";
        size.textContent = formatSize(file.size);
        tile.appendChild(size);
        if (canSetFiles) {
          var remove = document.createElement("button");
          remove.type = "button";
          remove.className = "media-remove";
          remove.setAttribute("aria-label", picker.getAttribute("data-msg-remove") + " " + (file.name || ""));
          remove.innerHTML = '<i class="bi bi-x-lg" aria-hidden="true"></i>';
          remove.addEventListener("click", function () {
            state.chosen.splice(index, 1);
            say([]);
            sync();
            input.focus();
          });
          tile.appendChild(remove);
        }
        previews.insertBefore(tile, addTile);
      });
      if (counter) counter.textContent = state.chosen.length;
      addTile.classList.toggle("is-full", max > 1 && state.chosen.length >= max);
      // One picture: the tile next to it changes it.
      if (max === 1 && addLabel) addLabel.textContent = state.chosen.length ? picker.getAttribute("data-msg-change") : addText;
    }

    function sync() {
      if (canSetFiles) {
        var transfer = new DataTransfer();
        state.chosen.forEach(function (entry) { transfer.items.add(entry.file); });
        input.files = transfer.files;
      }
      render();
    }

    function sameFile(a, b) {
      return a.name === b.name && a.size === b.size && a.lastModified === b.lastModified;
    }

    function add(files) {
      var messages = [];
      var tooLarge = picker.getAttribute("data-msg-too-large");
      var mb = Math.max(1, Math.floor(maxBytes / 1024 / 1024));
      // One picture: the new one replaces the old.
      var next = canSetFiles && max > 1 ? state.chosen.slice() : [];
      var room = max - next.length;
      var leftOut = 0;
      var work = [];
      files.forEach(function (file) {
        if (next.some(function (entry) { return sameFile(entry.original, file); })) return;
        if (room <= 0) { leftOut += 1; return; }
        room -= 1;
        work.push(shrink(file, maxSide, quality, maxBytes).then(function (sent) {
          if (sent.size > maxBytes) {
            messages.push(fill(tooLarge, { name: file.name, size: mb }));
            return null;
          }
          return { original: { name: file.name, size: file.size, lastModified: file.lastModified }, file: sent };
        }));
      });
      if (leftOut) messages.push(fill(picker.getAttribute("data-msg-too-many"), { count: max }));
      picker.setAttribute("aria-busy", "true");
      state.busy = true;
      state.pending = Promise.all(work).then(function (entries) {
        state.busy = false;
        entries.forEach(function (entry) { if (entry) next.push(entry); });
        state.chosen = next;
        picker.removeAttribute("aria-busy");
        say(messages);
        if (!canSetFiles && messages.length) input.value = ""; // cannot take one file out
        sync();
      });
      return state.pending;
    }

    input.addEventListener("change", function () {
      var picked = Array.prototype.slice.call(input.files || []);
      // Without DataTransfer the input holds only the last pick: show just that.
      add(picked);
    });

    state.add = add;
    state.restore = function (files) {
      if (!files || !files.length || !canSetFiles) return;
      add(files).then(function () {
        if (again && state.chosen.length) {
          again.classList.remove("alert-warning");
          again.classList.add("alert-success");
          again.querySelector("span").textContent = picker.getAttribute("data-msg-kept");
          again.querySelector(".bi").className = "bi bi-check-circle";
        }
      });
    };
    render();
    if (kept) state.restore(kept);
    return state;
  }

  function pickersOf(root) {
    return Array.prototype.slice.call(root.querySelectorAll(".media-picker[data-max]"));
  }

  /* The files chosen in the pickers of `root`, by input name (the originals are not kept: what
     was chosen after shrinking is what is sent again). */
  function files(root) {
    var byName = {};
    pickersOf(root).forEach(function (picker) {
      var state = states.get(picker);
      if (state && state.chosen.length) byName[state.input.name] = state.chosen.map(function (e) { return e.file; });
    });
    return byName;
  }

  function setup(root, kept) {
    pickersOf(root).forEach(function (picker) {
      var name = picker.querySelector("input[type=file]").name;
      setupPicker(picker, kept && picker.hasAttribute("data-restore") ? kept[name] : null);
    });
  }

  /* Resolves when every picker of `root` has finished shrinking what was chosen. */
  function ready(root) {
    return Promise.all(pickersOf(root).map(function (picker) {
      var state = states.get(picker);
      return state ? state.pending : null;
    }));
  }

  // A form posted the ordinary way: wait for the shrinking, leave the files on the phone, post.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented || form.linliPickerPosting) return;
    var busy = pickersOf(form).some(function (picker) {
      var state = states.get(picker);
      return state && (state.busy || state.chosen.length);
    });
    if (!busy || !window.Promise) return; // nothing chosen: the post goes as it is
    var submitter = event.submitter && event.submitter.form === form ? event.submitter : null;
    event.preventDefault();
    ready(form).then(function () {
      var chosen = files(form);
      if (!Object.keys(chosen).length) return null;
      return stashPut(stashKey(form), { at: Date.now(), files: chosen }).catch(function () { return null; });
    }).then(function () {
      // In a task of its own: after the other submit handlers saw this submit cancelled.
      window.setTimeout(function () {
        form.linliPickerPosting = true;
        if (form.requestSubmit) form.requestSubmit(submitter || undefined);
        else form.submit();
        form.linliPickerPosting = false;
      }, 0);
    });
  });

  function start() {
    var refused = [];
    Array.prototype.forEach.call(document.forms, function (form) {
      if (form.querySelector(".media-picker[data-restore]")) refused.push(form);
      // A fresh form: whatever an earlier post left on the phone is not wanted any more.
      else if (pickersOf(form).length) stashTake(stashKey(form));
    });
    setup(document);
    refused.forEach(function (form) {
      stashTake(stashKey(form)).then(function (kept) {
        if (!kept) return;
        pickersOf(form).forEach(function (picker) {
          var state = states.get(picker);
          if (state && picker.hasAttribute("data-restore") && !state.chosen.length) state.restore(kept[state.input.name]);
        });
      });
    });
  }

  window.LinliPhotoPicker = { setup: setup, files: files, ready: ready };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
