// Reading a route's JSON body for the action wrapper: a body that is not JSON is still the
// wrapper's to refuse (a signed-in person's unreadable body is audited like any bad input).
import { UnreadableBody } from '@/lib/auth/authorize';

export async function readJsonBody(req: Request): Promise<unknown> {
  try {
    return await req.json();
  } catch (err) {
    return new UnreadableBody(err instanceof Error ? err.message.slice(0, 120) : 'unreadable');
  }
}
