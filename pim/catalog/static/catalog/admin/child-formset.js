/* "Add row" for the child tables of the catalog editors (family attributes, options):
   clones the formset's empty form, numbers it and runs the widgets' init scripts. */
(function () {
  'use strict';

  function addRow(container) {
    const prefix = container.dataset.pimFormset;
    const total = container.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
    const template = container.querySelector('template[data-pim-formset-template]');
    const rows = container.querySelector('[data-pim-formset-rows]');
    const index = parseInt(total.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    const holder = document.createElement('tbody');
    holder.innerHTML = html;
    const scripts = [];
    Array.from(holder.children).forEach((row) => {
      rows.appendChild(row);
      row.querySelectorAll('script').forEach((script) => scripts.push(script));
    });
    // Scripts inserted through innerHTML do not run: replace them by fresh elements.
    scripts.forEach((old) => {
      const script = document.createElement('script');
      script.textContent = old.textContent;
      old.replaceWith(script);
    });
    total.value = String(index + 1);
  }

  document.addEventListener('click', (event) => {
    const button = event.target.closest('[data-pim-formset-add]');
    if (!button) {
      return;
    }
    event.preventDefault();
    addRow(button.closest('[data-pim-formset]'));
  });
})();
