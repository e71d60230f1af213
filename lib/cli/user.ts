// Who is acting on the command line: IU_USER when set, else the OS account. Never a flag, so
// a command cannot be run "as" someone else by typing their name.
import os from 'node:os';
import { userSchema } from '@/lib/recipes';

export interface CliUser {
  user: string;
  source: 'IU_USER' | 'os';
}

/** The OS account's name; throws for a container uid without a passwd entry. */
const osUserName = () => os.userInfo().username;

/** The acting user, or a sentence saying why it cannot be used as an actor. */
export function cliUser(
  env: Record<string, string | undefined> = process.env,
  osUser: () => string = osUserName,
): CliUser | { error: string } {
  const fromEnv = env.IU_USER;
  let user: string;
  let source: CliUser['source'];
  if (fromEnv !== undefined && fromEnv !== '') {
    user = fromEnv;
    source = 'IU_USER';
  } else {
    try {
      user = osUser();
    } catch {
      // a container uid without a passwd entry has no user name
      user = env.USER ?? env.LOGNAME ?? '';
    }
    source = 'os';
  }
  const ok = userSchema.safeParse(user);
  if (!ok.success) {
    const shown = user === '' ? 'an empty name' : JSON.stringify(user);
    return {
      error:
        source === 'IU_USER'
          ? `IU_USER is ${shown}, which cannot be an actor: use letters, digits, dot, dash, underscore or @ (at most 64), and put a run tag in --tag, not in IU_USER.`
          : `The OS user name (${shown}) cannot be an actor; set IU_USER to your name (letters, digits, dot, dash, underscore or @).`,
    };
  }
  return { user, source };
}

/** The acting user's name for a record written without one (the first account's audit row). */
export function cliUserName(): string {
  const who = cliUser();
  return 'error' in who ? 'unknown' : who.user;
}
