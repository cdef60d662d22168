// Live parts of a page: an element with data-poll="url" is replaced every 2 s by the server's rendering of itself,
// until the rendering says data-final="true".
(() => {
  for (const el of document.querySelectorAll('[data-poll]')) {
    const tick = async () => {
      if (el.dataset.final === 'true') return;
      try {
        const response = await fetch(el.dataset.poll, { headers: { 'Accept': 'text/html' }, credentials: 'same-origin' });
        // A login that expired answers with the login page: show it rather than paste it into this one.
        if (response.redirected) { location.reload(); return; }
        if (response.ok) {
          const fresh = new DOMParser().parseFromString(await response.text(), 'text/html').body.firstElementChild;
          if (fresh) { el.innerHTML = fresh.innerHTML; el.dataset.final = fresh.dataset.final || 'false'; }
        }
      } catch { /* the next tick tries again */ }
      setTimeout(tick, 2000);
    };
    setTimeout(tick, 2000);
  }
})();
