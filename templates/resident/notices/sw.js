{% load static %}/* 邻里 service worker (served at /sw.js, scope "/"): shows Web Push messages and opens their
   link when tapped. The payload is JSON {title, body, url, tag} (notices.channels.webpush). */
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data ? event.data.text() : "" };
  }
  const title = data.title || "邻里";
  const options = {
    body: data.body || "",
    tag: data.tag || undefined,
    renotify: Boolean(data.tag),
    icon: "{% static 'resident/icon-192.png' %}",
    badge: "{% static 'resident/icon-192.png' %}",
    lang: "zh-CN",
    data: { url: data.url || "/messages/" },
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (client.url === target && "focus" in client) return client.focus();
      }
      for (const client of windows) {
        if (new URL(client.url).origin === self.location.origin && "navigate" in client) {
          return client.navigate(target).then((c) => (c ? c.focus() : self.clients.openWindow(target)));
        }
      }
      return self.clients.openWindow(target);
    })
  );
});
