import { describe, expect, it } from 'vitest';
import { schemas } from '@meshmeet/protocol';
import { en } from '../i18n/messages-en';
import { parseVideoChoices } from './useVideoBudget';

describe('video choices', () => {
  it('reads remembered choices and falls back to off for anything else', () => {
    expect(parseVideoChoices(JSON.stringify({ incomingVideoOff: true, dataSaver: true }))).toEqual({ incomingVideoOff: true, dataSaver: true });
    expect(parseVideoChoices(JSON.stringify({ incomingVideoOff: 'yes', dataSaver: 1 }))).toEqual({ incomingVideoOff: false, dataSaver: false });
    expect(parseVideoChoices('{not json')).toEqual({ incomingVideoOff: false, dataSaver: false });
    expect(parseVideoChoices(null)).toEqual({ incomingVideoOff: false, dataSaver: false });
  });

  it('has words for every reason a sender can give', () => {
    for (const reason of schemas.BudgetReason.options) expect(en).toHaveProperty(`budget.${reason}`);
  });
});
