// The conversation form of a complaint: say how many photos are chosen (the file input
// itself is hidden behind the "照片" button).
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!input.matches || !input.matches(".chat-file")) return;
  const label = document.querySelector(`label[for="${input.id}"] .chat-file-count`);
  if (label) label.textContent = input.files.length ? ` ${input.files.length}` : "";
});
