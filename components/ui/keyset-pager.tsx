import Link from 'next/link';

interface PagerSide {
  /** The link to the neighbouring page, or null on the first or last page. */
  href: string | null;
  label: string;
  testId: string;
}

/**
 * The previous/next links of a keyset-paged table: each side is a cursor link built by the
 * page (its filters kept), or an empty slot so the other side stays where it is.
 */
export function KeysetPager({ back, forward }: { back: PagerSide; forward: PagerSide }) {
  return (
    <nav className="mt-4 flex justify-between text-sm" aria-label="Pages">
      {[back, forward].map((side) =>
        side.href ? (
          <Link key={side.testId} data-testid={side.testId} className="text-sky-700 underline" href={side.href}>
            {side.label}
          </Link>
        ) : (
          <span key={side.testId} />
        ),
      )}
    </nav>
  );
}
