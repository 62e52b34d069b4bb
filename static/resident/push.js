/* Web Push on this device (templates/_push_subscription.html, on 消息设置 of both portals): registers the
   service worker at /sw.js, subscribes with the VAPID public key and tells the server. */
(function () {
  "use strict";

  function urlBase64ToUint8Array(base64) {
    const padding = "=".repeat((4 - (base64.length % 4)) % 4);
    const raw = atob((base64 + padding).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }

  function init(card) {
    const status = card.querySelector("[data-push-status]");
    const button = card.querySelector("[data-push-toggle]");
    const wechatNote = card.querySelector("[data-push-wechat]");
    const texts = {};
    const template = card.querySelector("template[data-push-messages]");
    if (template) {
      template.content.querySelectorAll("[data-key]").forEach((el) => {
        texts[el.dataset.key] = el.textContent.trim();
      });
    }
    const say = (key) => {
      status.textContent = texts[key] || key;
    };

    if (/MicroMessenger/i.test(navigator.userAgent)) {
      wechatNote.hidden = false;
      say("wechat");
      return;
    }
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      say("unsupported");
      return;
    }

    const post = (url, body) =>
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": card.dataset.csrf },
        body: JSON.stringify(body),
      }).then((response) => {
        if (response.ok) return response.json();
        // The server's refusal (e.g. a push service it does not accept) is said as it is.
        return response
          .json()
          .catch(() => ({}))
          .then((data) => {
            const error = new Error("HTTP " + response.status);
            error.serverMessage = data && data.error;
            throw error;
          });
      });

    const publicKey = () =>
      card.dataset.vapidKey
        ? Promise.resolve(card.dataset.vapidKey)
        : fetch(card.dataset.subscribeUrl, { credentials: "same-origin" })
            .then((response) => response.json())
            .then((data) => data.publicKey);

    let registration = null;

    function show(subscription) {
      const on = Boolean(subscription);
      button.hidden = false;
      button.disabled = false;
      button.textContent = on ? button.dataset.labelDisable : button.dataset.labelEnable;
      button.setAttribute("aria-pressed", on ? "true" : "false");
      if (!on && Notification.permission === "denied") say("denied");
      else say(on ? "on" : "off");
    }

    function enable() {
      return Notification.requestPermission()
        .then((permission) => {
          if (permission !== "granted") throw new Error("denied");
          return publicKey();
        })
        .then((key) =>
          registration.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: urlBase64ToUint8Array(key),
          })
        )
        .then((subscription) => post(card.dataset.subscribeUrl, subscription.toJSON()).then(() => subscription));
    }

    function disable(subscription) {
      const endpoint = subscription.endpoint;
      return subscription
        .unsubscribe()
        .then(() => post(card.dataset.unsubscribeUrl, { endpoint: endpoint }))
        .then(() => null);
    }

    navigator.serviceWorker
      .register(card.dataset.swUrl, { scope: "/" })
      .then(() => navigator.serviceWorker.ready)
      .then((ready) => {
        registration = ready;
        return registration.pushManager.getSubscription();
      })
      .then((subscription) => {
        // Tell the server again: the account on this device may have changed.
        if (subscription) post(card.dataset.subscribeUrl, subscription.toJSON()).catch(() => {});
        show(subscription);
      })
      .catch(() => say("unsupported"));

    // Busy like every button that starts work (static/shared/busy-submit.js).
    const busy = (on) => {
      if (!window.linliBusy) button.disabled = on;
      else if (on) window.linliBusy.start(button);
      else window.linliBusy.stop(button);
    };

    button.addEventListener("click", () => {
      busy(true);
      say("working");
      registration.pushManager
        .getSubscription()
        .then((subscription) => (subscription ? disable(subscription) : enable()))
        .then((subscription) => {
          busy(false);
          show(subscription);
        })
        .catch((error) => {
          busy(false);
          if (error && error.serverMessage) status.textContent = error.serverMessage;
          else say(error && error.message === "denied" ? "denied" : "error");
        });
    });
  }

  function start() {
    document.querySelectorAll("[data-push]").forEach(init);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
