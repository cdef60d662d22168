// Hangfire's list commands (Trigger now, Requeue, Delete) run on one click, or ask a question that names nothing.
// Before Hangfire's own click handler reads it, this sets the question to what the command will touch: the count and
// the ids of the ticked jobs. Hangfire then asks with window.confirm and does nothing when declined.
document.addEventListener('click', e => {
  const button = e.target instanceof Element ? e.target.closest('.js-jobs-list-command') : null;
  const list = button?.closest('.js-jobs-list');
  if (!button || !list || !window.jQuery) return;
  const ids = [...list.querySelectorAll("input[name='jobs[]']:checked")].map(i => i.value);
  const url = button.dataset.url || '';
  const effect = /\/trigger$/.test(url) ? 'Each runs at once, besides its schedule.'
    : /\/delete$/.test(url) ? 'They are removed and will not run.'
    : /\/requeue$/.test(url) ? 'Each runs again.' : '';
  const noun = ids.length === 1 ? 'job' : 'jobs';
  window.jQuery(button).data('confirm', `${button.textContent.trim()}: ${ids.length} ${noun} (${ids.join(', ')})? ${effect}`.trim());
}, true);
