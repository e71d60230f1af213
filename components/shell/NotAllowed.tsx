import { Alert } from '@/components/ui/alert';
import { ROLE_DESCRIPTIONS, type Role } from '@/lib/auth/roles';

/** What a page shows a signed-in person whose role does not reach it. */
export function NotAllowed({ need }: { need: Role }) {
  return (
    <Alert tone="warning" title="Your role does not allow this page" testId="not-allowed">
      <p>
        This page needs the {need} role ({ROLE_DESCRIPTIONS[need]}). Ask a lead if you need it.
      </p>
    </Alert>
  );
}
