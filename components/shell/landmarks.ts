// Element ids the console layout renders and client components find: one place, so neither drifts.
/** Where the console layout keeps room for the offline banner, above the page. */
export const OFFLINE_SLOT_ID = 'offline-slot';
/** The page's content: the skip link's target; marked stale (dimmed in app/globals.css) while refresh fails. */
export const CONTENT_ID = 'content';
