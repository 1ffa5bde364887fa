/** Labels every session object carries; selectors and adoption checks are built from these. */
export const APP_LABEL = 'app';
export const SESSION_APP = 'agentapi-session';
export const USER_LABEL = 'user';
export const SESSION_ID_LABEL = 'session-id';
/** The raw (unsanitized) user name, kept where any string is allowed. */
export const USER_ANNOTATION = 'agentapi.io/user';
/** Selects every session pod (and every other session object). */
export const SESSION_POD_SELECTOR = `${APP_LABEL}=${SESSION_APP}`;
