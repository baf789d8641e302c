// The organisation's enrollment key: rotating it issues a new one, shown once.
import { api } from '../api.js';
import { h, put } from '../dom.js';
import { announce, busy, confirmAction, messageArea, pageHead, secretOnce } from '../ui.js';

export async function render(root) {
  const area = messageArea();
  const slot = h('div');
  const rotate = h('button', { type: 'button', class: 'btn btn-danger' }, 'Rotate enrollment key');
  rotate.addEventListener('click', async () => {
    const ok = await confirmAction({
      title: 'Rotate the enrollment key?',
      message:
        'New agents must use the new key at once: update installers, MDM profiles and scripts. Agents already enrolled keep working.',
      confirmLabel: 'Rotate key',
    });
    if (!ok) return;
    const result = await busy(rotate, area, () => api('POST', '/admin/v1/enrollment-key'));
    if (!result) return;
    announce('A new enrollment key was issued. Copy it now; it is shown once.');
    slot.replaceChildren(
      secretOnce({
        title: 'New enrollment key',
        warning: 'Copy it into your installers and MDM payloads now. DevTrust stores only its hash and cannot show it again.',
        values: [{ label: 'Enrollment key', value: result.enrollmentKey }],
      }),
    );
  });
  put(
    root,
    pageHead('Enrollment key', 'Agents present this key once, when they enroll. It cannot be read back, only replaced.'),
    slot,
    h(
      'section',
      { class: 'panel', 'aria-label': 'Rotate' },
      h('h2', {}, 'Rotate'),
      h('p', {}, 'Rotate the key when it may have leaked or when someone who knew it leaves.'),
      h('div', { class: 'actions' }, rotate),
      area.el,
    ),
  );
}
