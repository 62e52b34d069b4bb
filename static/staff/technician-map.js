/* The technician's last position on a repair order (staff): Leaflet with the tiles that
   settings.MAP_TILE_URL names, read from the map box's data attributes. */
(function () {
  "use strict";

  var box = document.getElementById("technician-map");
  if (!box || !window.L) return;
  var at = [parseFloat(box.dataset.lat), parseFloat(box.dataset.lng)];
  var map = L.map(box).setView(at, 17);
  map.attributionControl.setPrefix(false);
  L.tileLayer(box.dataset.tiles, {
    subdomains: box.dataset.subdomains,
    attribution: box.dataset.attribution,
    maxZoom: 19,
  }).addTo(map);
  L.marker(at).addTo(map);
})();
