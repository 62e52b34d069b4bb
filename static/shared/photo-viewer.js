/* Photos open in a viewer with swipe and pinch zoom (templates/resident/_photo_viewer.html).
 *
 * A link marked data-viewer (href: the full photo, usually around a thumbnail) opens the
 * viewer on the photos of its group, the nearest [data-gallery] (or just itself).
 * - Inside WeChat, WeChat's own previewer: WeixinJSBridge.invoke("imagePreview"), which needs
 *   absolute addresses and no JS-SDK configuration.
 * - Elsewhere, or when the bridge is not there, PhotoSwipe (npm, vendor/photoswipe), loaded on
 *   the first tap only so that pages do not carry it.
 * PhotoSwipe wants each photo's size before it opens: the thumbnail's proportions give it (the
 * full photo is at most data-full-side pixels long, kit.uploads.PHOTO_MAX_SIDE); a photo whose
 * thumbnail is not loaded yet is loaded first. Without this script the link opens the photo.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var config = {
    js: script.getAttribute("data-photoswipe"),
    css: script.getAttribute("data-photoswipe-css"),
    fullSide: parseInt(script.getAttribute("data-full-side"), 10) || 1920,
  };
  function msg(name) { return script.getAttribute("data-msg-" + name) || ""; }
  var loading = null;

  function isWeChat() { return /MicroMessenger/i.test(navigator.userAgent); }

  function absolute(href) { return new URL(href, window.location.href).href; }

  function loadPhotoSwipe() {
    if (window.PhotoSwipe) return Promise.resolve(window.PhotoSwipe);
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      var sheet = document.createElement("link");
      sheet.rel = "stylesheet";
      sheet.href = config.css;
      document.head.appendChild(sheet);
      var code = document.createElement("script");
      code.src = config.js;
      code.onload = function () { resolve(window.PhotoSwipe); };
      code.onerror = function () { loading = null; reject(new Error("PhotoSwipe did not load")); };
      document.head.appendChild(code);
    });
    return loading;
  }

  function naturalSize(href) {
    return new Promise(function (resolve) {
      var img = new Image();
      img.onload = function () { resolve({ width: img.naturalWidth, height: img.naturalHeight }); };
      img.onerror = function () { resolve(null); };
      img.src = href;
    });
  }

  /* The size of the full photo behind a link, from its thumbnail where it can. */
  function sizeOf(link) {
    var thumb = link.querySelector("img");
    if (thumb && thumb.complete && thumb.naturalWidth) {
      var width = thumb.naturalWidth;
      var height = thumb.naturalHeight;
      if (absolute(thumb.currentSrc || thumb.src) === absolute(link.href)) {
        return Promise.resolve({ width: width, height: height });
      }
      var scale = config.fullSide / Math.max(width, height);
      return Promise.resolve({ width: Math.round(width * scale), height: Math.round(height * scale) });
    }
    return naturalSize(link.href).then(function (size) {
      return size || { width: config.fullSide, height: Math.round(config.fullSide * 0.75) };
    });
  }

  function openPhotoSwipe(links, index) {
    return Promise.all([loadPhotoSwipe(), Promise.all(links.map(sizeOf))]).then(function (done) {
      var PhotoSwipe = done[0];
      var sizes = done[1];
      var viewer = new PhotoSwipe({
        dataSource: links.map(function (link, i) {
          var thumb = link.querySelector("img");
          return {
            src: link.href,
            msrc: thumb ? thumb.currentSrc || thumb.src : undefined,
            width: sizes[i].width,
            height: sizes[i].height,
            alt: thumb ? thumb.alt : "",
          };
        }),
        index: index,
        showHideAnimationType: "fade",
        bgOpacity: 0.92,
        wheelToZoom: true,
        closeTitle: msg("close"),
        zoomTitle: msg("zoom"),
        arrowPrevTitle: msg("previous"),
        arrowNextTitle: msg("next"),
        errorMsg: msg("error"),
        indexIndicatorSep: " / ",
      });
      viewer.init();
      return viewer;
    });
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest && event.target.closest("a[data-viewer]");
    if (!link) return;
    var group = link.closest("[data-gallery]");
    var links = group ? Array.prototype.slice.call(group.querySelectorAll("a[data-viewer]")) : [link];
    var index = Math.max(0, links.indexOf(link));
    event.preventDefault();
    var bridge = window.WeixinJSBridge;
    if (isWeChat() && bridge && typeof bridge.invoke === "function") {
      var urls = links.map(function (a) { return absolute(a.href); });
      bridge.invoke("imagePreview", { current: urls[index], urls: urls });
      return;
    }
    link.setAttribute("aria-busy", "true");
    openPhotoSwipe(links, index)
      .catch(function () { window.location.assign(link.href); }) // the photo itself, at least
      .then(function () { link.removeAttribute("aria-busy"); });
  });

  window.LinliPhotoViewer = { open: openPhotoSwipe };
})();
