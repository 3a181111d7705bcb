// Live regions: an element with data-live="URL" shows the HTML that URL's server-sent
// events carry (the wallboard, the desk's screen pop), and htmx wires up the buttons in
// it. The browser's EventSource reconnects by itself when the stream drops.
(() => {
  function connect(element) {
    const source = new EventSource(element.dataset.live);
    source.onmessage = (event) => {
      element.innerHTML = event.data;
      htmx.process(element);
    };
  }
  function start() {
    document.querySelectorAll("[data-live]").forEach(connect);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
