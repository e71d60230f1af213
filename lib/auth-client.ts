'use client';

import { createAuthClient } from 'better-auth/react';
import { usernameClient } from 'better-auth/client/plugins';

/** The browser's better-auth client (same origin): sign-in by username. */
export const authClient = createAuthClient({ plugins: [usernameClient()] });
