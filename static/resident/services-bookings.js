// The booking page: choosing another room puts that room's address in the address field,
// unless the resident has typed an address of their own.
(function () {
  "use strict";
  const rooms = document.getElementById("id_residency");
  const address = document.getElementById("id_address");
  if (!rooms || !address) return;
  let previous = rooms.selectedOptions[0] ? rooms.selectedOptions[0].dataset.address : "";
  rooms.addEventListener("change", function () {
    const chosen = rooms.selectedOptions[0];
    if (!chosen) return;
    if (address.value.trim() === "" || address.value === previous) {
      address.value = chosen.dataset.address;
    }
    previous = chosen.dataset.address;
  });
})();
