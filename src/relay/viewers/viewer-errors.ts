/** The error events a viewer is told about its own request: values that are not tokens, tokens past the cap. */
import { TOKEN_RULE } from '../../shared/messages.js';
import { encodeError } from '../../shared/protocol.js';

/**
 * One `bad-token` event for all the values of a request that are not tokens (however many a
 * hostile query holds): how many, the first three named; `outcome` says what became of them.
 */
export function badTokensEvent(values: readonly string[], outcome: 'not subscribed' | 'ignored'): string {
  const named = values
    .slice(0, 3)
    .map((value) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value))
    .join(', ');
  const what =
    values.length === 1
      ? `${named} is not a token`
      : `${values.length} values are not tokens (${named}${values.length > 3 ? ', …' : ''})`;
  return encodeError('bad-token', `${what} (${TOKEN_RULE}); ${outcome}`);
}

/** The `too-many-tokens` event for the tokens past a subscription's cap (the first five named). */
export function tooManyTokensEvent(tokens: readonly string[], max: number): string {
  return encodeError(
    'too-many-tokens',
    `${tokens.length} token${tokens.length === 1 ? '' : 's'} past the limit of ${max} in one subscription not subscribed: ${tokens.slice(0, 5).join(', ')}${tokens.length > 5 ? ', …' : ''}`,
  );
}
