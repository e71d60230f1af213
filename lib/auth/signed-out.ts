// What a caller without a usable identity is told: a person to sign in, a script (it sent
// `Authorization: Bearer …`) about its token. One sentence for every reason a token is refused
// (unknown, revoked, expired, owner disabled), as a failed sign-in has one for a wrong name and
// a wrong password: the answer never confirms that a token exists. The audit row says which.

export const SIGNED_OUT_MESSAGE = 'You are signed out; sign in and try again.';

export const TOKEN_REFUSED_MESSAGE =
  'The bearer token in the Authorization header was not accepted, so this request is signed out and nothing was run: ' +
  'it is not a console API token (those start with iuc_), or it is unknown, revoked or expired, or its owner is disabled. ' +
  'Make a new token on API tokens (/settings/tokens) and send it as Authorization: Bearer iuc_….';

/** The 401's sentence for a request that sent a bearer token (`bearer`) or none. */
export function signedOutMessage(request: { bearer?: boolean } | null | undefined): string {
  return request?.bearer ? TOKEN_REFUSED_MESSAGE : SIGNED_OUT_MESSAGE;
}
