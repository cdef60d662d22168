// Live parts of a page: an element with data-poll="url" is replaced every 2 s by the server's rendering of itself,
// until the rendering says data-final="true". A line above it says whether it is live and when it last changed, so a
// person can tell a settled page from a stale one.
(() => {
  const utc = () => new Date().toISOString().slice(11, 19) + ' UTC';
  for (const el of document.querySelectorAll('[data-poll]')) {
    const label = document.createElement('p');
    label.className = 'live muted';
    el.before(label);
    const say = () => {
      const final = el.dataset.final === 'true';
      label.dataset.live = final ? 'false' : 'true';
      label.textContent = final ? `Settled · as of ${utc()}` : `Live · updated ${utc()}`;
    };
    say();
    const tick = async () => {
      if (el.dataset.final === 'true') return;
      try {
        const response = await fetch(el.dataset.poll, { headers: { 'Accept': 'text/html' }, credentials: 'same-origin' });
        // A login that expired answers with the login page: show it rather than paste it into this one.
        if (response.redirected) { location.reload(); return; }
        if (response.ok) {
          const fresh = new DOMParser().parseFromString(await response.text(), 'text/html').body.firstElementChild;
          if (fresh) { el.innerHTML = fresh.innerHTML; el.dataset.final = fresh.dataset.final || 'false'; say(); }
        }
      } catch { /* the next tick tries again */ }
      setTimeout(tick, 2000);
    };
    setTimeout(tick, 2000);
  }
})();
