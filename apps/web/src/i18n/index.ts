/**
 * A tiny typed i18n: two catalogs, one reactive locale, `t(key, params)`.
 * No library: vue-i18n would cost more than this whole module against the
 * 60 KB first-screen budget, and we need no plurals beyond `{n}`.
 */
import { ref, type Ref } from 'vue';
import { en, type MessageKey, type Messages } from './messages-en';
import { zhCN } from './messages-zh';
import { readStored, writeStored, StorageKeys } from '../utils/storage';

export type { MessageKey } from './messages-en';

/** Supported locales. */
export type Locale = 'en' | 'zh-CN';

/** Locales with their names in their own language, for the switcher. */
export const LOCALES: ReadonlyArray<{ id: Locale; label: string }> = [
  { id: 'en', label: 'English' },
  { id: 'zh-CN', label: '简体中文' },
];

const CATALOGS: Readonly<Record<Locale, Messages>> = { en, 'zh-CN': zhCN };

/**
 * Picks the locale: a saved choice wins, then the first browser language we speak.
 * Any Chinese (`zh`, `zh-TW`, `zh-Hant`) maps to 简体中文, the closest we have.
 */
export function detectLocale(saved: string | null, languages: readonly string[]): Locale {
  if (saved === 'en' || saved === 'zh-CN') return saved;
  for (const lang of languages) {
    const l = lang.toLowerCase();
    if (l.startsWith('zh')) return 'zh-CN';
    if (l.startsWith('en')) return 'en';
  }
  return 'en';
}

/** Replaces `{name}` placeholders; unknown placeholders are left visible to catch mistakes. */
export function format(template: string, params?: Readonly<Record<string, string | number>>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

function browserLanguages(): readonly string[] {
  const nav = globalThis.navigator;
  return nav?.languages?.length ? nav.languages : nav?.language ? [nav.language] : [];
}

const locale: Ref<Locale> = ref(detectLocale(readStored(StorageKeys.locale), browserLanguages()));

/** Translates `key` in the current locale. Reactive: templates re-render on a switch. */
export function t(key: MessageKey, params?: Readonly<Record<string, string | number>>): string {
  return format(CATALOGS[locale.value][key] ?? en[key], params);
}

/** Switches and remembers the locale, and sets `<html lang>` for screen readers and fonts. */
export function setLocale(next: Locale): void {
  locale.value = next;
  writeStored(StorageKeys.locale, next);
  if (globalThis.document) document.documentElement.lang = next;
}

/** The i18n API for components. */
export function useI18n(): { t: typeof t; locale: Readonly<Ref<Locale>>; setLocale: typeof setLocale } {
  return { t, locale, setLocale };
}

/** Applies the initial locale to the document; called once at startup. */
export function initLocale(): void {
  if (globalThis.document) document.documentElement.lang = locale.value;
}
