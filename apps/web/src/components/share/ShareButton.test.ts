import { describe, expect, it } from 'vitest';
import { createSSRApp, ref, shallowRef } from 'vue';
import { renderToString, type SSRContext } from 'vue/server-renderer';
import ShareButton from './ShareButton.vue';
import type { UseScreenShareReturn } from '../../composables/useScreenShare';
import { ShareError } from '../../media/share-error';
import { en } from '../../i18n/messages-en';
import { setLocale } from '../../i18n';

function share(state: { sharing: boolean; audioMissing: boolean; error?: ShareError }): UseScreenShareReturn {
  return {
    stream: shallowRef(null),
    sharing: ref(state.sharing),
    audioMissing: ref(state.audioMissing),
    busy: ref(false),
    error: ref(state.error ?? null),
    start: async () => undefined,
    stop: async () => undefined,
  };
}

/** The button's own HTML and what it teleports to `<body>` (its notices). */
async function render(s: UseScreenShareReturn): Promise<{ html: string; body: string }> {
  setLocale('en');
  const ctx: SSRContext = {};
  const html = await renderToString(createSSRApp(ShareButton, { share: s }), ctx);
  return { html, body: (ctx.teleports as Record<string, string> | undefined)?.body ?? '' };
}

describe('ShareButton', () => {
  it('tells the user a share went out without sound', async () => {
    const { html, body } = await render(share({ sharing: true, audioMissing: true }));
    expect(html).toContain(en['share.stop']);
    expect(body).toContain('data-testid="share-no-audio"');
    expect(body).toContain(en['share.noAudio']);
  });

  it('says nothing about sound when the share has it, or when nothing is shared', async () => {
    for (const state of [{ sharing: true, audioMissing: false }, { sharing: false, audioMissing: false }]) {
      const { body } = await render(share(state));
      expect(body).not.toContain('share-no-audio');
    }
    expect((await render(share({ sharing: false, audioMissing: false }))).html).toContain(en['share.start']);
  });

  it("shows what to do about a failed share, by the error's code", async () => {
    const { body } = await render(share({ sharing: false, audioMissing: false, error: new ShareError('PERMISSION_DENIED', 'x') }));
    expect(body).toContain('role="alert"');
    expect(body).toContain(en['share.err.PERMISSION_DENIED']);
  });
});
